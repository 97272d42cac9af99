// Waiters sleep: the CPU time burnt by threads blocked behind a slow initializer, for every peer.
// SPDX-License-Identifier: MIT
//
// The ideal is zero: a waiter should sleep in the kernel until the value is
// there, then wake promptly.
//
//   waiters/<id>/<waiters>/manual_time
//
// Peers (peers.hpp): OnceLock (get_or_init), SetOnce (emplace), std_call_once,
// absl_call_once, boost_call_once, atomic_bool_dclp (waiters block on the
// std::mutex), mutex_optional, and spin_once: a minimal once that spins (with
// the CPU's pause hint) until the value is there, the naive design the others
// are meant to beat.
//
// Method, one round per benchmark iteration:
//   1. a fresh cell; an initializer thread calls get_or_init on it with a
//      function that signals "claimed", sleeps kInitTime (50 ms), notes the
//      time, and returns the value;
//   2. once the cell is claimed, kWaiters threads start and each calls
//      get_or_init on the same cell (with a function that must never run),
//      reading its own thread CPU clock (CLOCK_THREAD_CPUTIME_ID) just before
//      and just after the call, and the wall clock when the call returns;
//   3. all threads are joined; the round's wall time is the iteration time
//      (manual timing, about 50 ms for every peer).
// Counters (averaged over the rounds):
//   cpu_per_waiter     CPU seconds each waiter used while blocked (ideal 0)
//   wake_latency_max   seconds from the initializer's end to the last
//                      waiter's return
//   foreign_inits      runs of a waiter's function (must be 0)
// A spinning waiter's CPU time depends on the cores it can get: on a machine
// with fewer cores than spinning waiters, they share them.

#include <benchmark/benchmark.h>

#include <time.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "common.hpp"
#include "peers.hpp"

namespace {

using namespace std::chrono_literals;

constexpr std::chrono::milliseconds kInitTime = 50ms;
constexpr int kWaiters = 4;

/// CPU time this thread has used, in seconds.
double thread_cpu_seconds() noexcept {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

double wall_seconds() noexcept {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

template <class Peer>
void bm_waiters(benchmark::State& state, const char* label) {
  const auto waiters = static_cast<std::size_t>(state.range(0));
  double cpu_total = 0.0;
  double wake_latency_total = 0.0;
  std::int64_t foreign_inits = 0;
  for (auto _ : state) {
    const double round_start = wall_seconds();
    auto cell = std::make_unique<typename Peer::Cell>();
    std::atomic<bool> claimed{false};
    std::atomic<double> init_done{0.0};
    std::atomic<int> foreign{0};

    std::thread initializer([&] {
      Peer::get_or_init(*cell, [&] {
        claimed.store(true, std::memory_order_release);
        std::this_thread::sleep_for(kInitTime);
        init_done.store(wall_seconds(), std::memory_order_relaxed);
        return 1;
      });
    });
    while (!claimed.load(std::memory_order_acquire)) std::this_thread::yield();

    std::vector<double> cpu(waiters, 0.0);
    std::vector<double> woke(waiters, 0.0);
    std::vector<std::thread> pool;
    pool.reserve(waiters);
    for (std::size_t w = 0; w < waiters; ++w) {
      pool.emplace_back([&, w] {
        const double cpu_before = thread_cpu_seconds();
        benchmark::DoNotOptimize(Peer::get_or_init(*cell, [&] {
          foreign.fetch_add(1, std::memory_order_relaxed);
          return 2;
        }));
        const double cpu_after = thread_cpu_seconds();
        woke[w] = wall_seconds();
        cpu[w] = cpu_after - cpu_before;
      });
    }
    for (std::thread& t : pool) t.join();
    initializer.join();
    state.SetIterationTime(wall_seconds() - round_start);

    for (const double c : cpu) cpu_total += c;
    wake_latency_total += *std::max_element(woke.begin(), woke.end()) - init_done.load(std::memory_order_relaxed);
    foreign_inits += foreign.load(std::memory_order_relaxed);
  }
  const auto rounds = static_cast<double>(state.iterations());
  state.counters["cpu_per_waiter"] = rounds > 0 ? cpu_total / (rounds * static_cast<double>(waiters)) : 0.0;
  state.counters["wake_latency_max"] = rounds > 0 ? wake_latency_total / rounds : 0.0;
  state.counters["foreign_inits"] = static_cast<double>(foreign_inits);
  state.counters["init_seconds"] = std::chrono::duration<double>(kInitTime).count();
  state.SetLabel(label);
}

template <class Peer>
void add(const char* id) {
  static_assert(Peer::kThreadSafe && Peer::kFresh, "waiters need a thread-safe cell that starts empty");
  benchmark::RegisterBenchmark((std::string("waiters/") + id).c_str(), bm_waiters<Peer>, Peer::kLabel)
      ->Arg(kWaiters)
      ->UseManualTime()
      ->Unit(benchmark::kMillisecond);
}

}  // namespace

int main(int argc, char** argv) {
  namespace peers = bench::peers;
  add<peers::OnceLock>("OnceLock");
  add<peers::SetOnce>("SetOnce");
  add<peers::StdCallOnce>("std_call_once");
#ifdef ONCE_BENCH_HAS_ABSL
  add<peers::AbslCallOnce>("absl_call_once");
#endif
#ifdef ONCE_BENCH_HAS_BOOST
  add<peers::BoostCallOnce>("boost_call_once");
#endif
  add<peers::AtomicBoolDclp>("atomic_bool_dclp");
  add<peers::MutexOptional>("mutex_optional");
  add<peers::SpinOnce>("spin_once");
  return bench::run_benchmarks(argc, argv);
}
