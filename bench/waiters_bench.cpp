// once: initialize-once primitives for C++20.
// SPDX-License-Identifier: MIT
//
// Waiters sleep: the CPU time burnt by threads blocked behind a slow
// initializer. The ideal is zero: a waiter should sleep in the kernel until
// the value is there, then wake promptly.
//
//   waiters/<id>/<waiters>/manual_time
//
// Peers: OnceLock (get_or_init), SetOnce (emplace), std_call_once, absl_call_once,
// boost_call_once, atomic_bool_dclp (waiters block on the std::mutex),
// mutex_optional, and spin_once: a minimal once written here that spins
// (with the CPU's pause hint) until the value is there, the naive design the
// others are meant to beat.
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

#include "common.hpp"

#ifdef ONCE_BENCH_HAS_ABSL
#include <absl/base/call_once.h>
#endif
#ifdef ONCE_BENCH_HAS_BOOST
#include <boost/thread/once.hpp>
#endif

#include <time.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <once/once_lock.hpp>
#include <once/set_once.hpp>

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

// ---------------------------------------------------------------------------
// Peers: a Cell type and get_or_init(cell, f), f returning int.

struct OnceLockPeer {
  static constexpr const char* kId = "OnceLock";
  static constexpr const char* kLabel = "once::OnceLock";
  using Cell = once::OnceLock<int>;
  template <class F>
  static int get_or_init(Cell& cell, F f) {
    return cell.get_or_init(f);
  }
};

/// SetOnce used as a blocking OnceLock: emplace() claims the cell, and only
/// the claim holder converts the argument (runs `f`); the other threads queue
/// as claim waiters and sleep until the value is there.
struct SetOncePeer {
  static constexpr const char* kId = "SetOnce";
  static constexpr const char* kLabel = "once::SetOnce (emplace from f)";
  using Cell = once::SetOnce<int>;
  template <class F>
  static int get_or_init(Cell& cell, F f) {
    struct Call {
      F& f;
      operator int() const { return f(); }  // NOLINT(google-explicit-constructor): runs under the claim
    };
    cell.emplace(Call{f});
    return *cell.get();
  }
};

struct StdCallOnce {
  static constexpr const char* kId = "std_call_once";
  static constexpr const char* kLabel = "std::call_once + std::once_flag";
  struct Cell {
    std::once_flag flag;
    int value = 0;
  };
  template <class F>
  static int get_or_init(Cell& cell, F f) {
    std::call_once(cell.flag, [&] { cell.value = f(); });
    return cell.value;
  }
};

#ifdef ONCE_BENCH_HAS_ABSL
struct AbslCallOnce {
  static constexpr const char* kId = "absl_call_once";
  static constexpr const char* kLabel = "absl::call_once + absl::once_flag";
  struct Cell {
    absl::once_flag flag;
    int value = 0;
  };
  template <class F>
  static int get_or_init(Cell& cell, F f) {
    absl::call_once(cell.flag, [&] { cell.value = f(); });
    return cell.value;
  }
};
#endif

#ifdef ONCE_BENCH_HAS_BOOST
struct BoostCallOnce {
  static constexpr const char* kId = "boost_call_once";
  static constexpr const char* kLabel = "boost::call_once + boost::once_flag";
  struct Cell {
    boost::once_flag flag = BOOST_ONCE_INIT;
    int value = 0;
  };
  template <class F>
  static int get_or_init(Cell& cell, F f) {
    boost::call_once(cell.flag, [&] { cell.value = f(); });
    return cell.value;
  }
};
#endif

struct AtomicBoolDclp {
  static constexpr const char* kId = "atomic_bool_dclp";
  static constexpr const char* kLabel = "std::atomic<bool> double-checked + std::mutex";
  struct Cell {
    std::atomic<bool> ready{false};
    std::mutex mutex;
    int value = 0;
  };
  template <class F>
  static int get_or_init(Cell& cell, F f) {
    // Acquire pairs with the release store below.
    if (!cell.ready.load(std::memory_order_acquire)) {
      const std::lock_guard<std::mutex> lock(cell.mutex);
      if (!cell.ready.load(std::memory_order_relaxed)) {
        cell.value = f();
        cell.ready.store(true, std::memory_order_release);
      }
    }
    return cell.value;
  }
};

struct MutexOptional {
  static constexpr const char* kId = "mutex_optional";
  static constexpr const char* kLabel = "std::mutex + std::optional";
  struct Cell {
    std::mutex mutex;
    std::optional<int> value;
  };
  template <class F>
  static int get_or_init(Cell& cell, F f) {
    const std::lock_guard<std::mutex> lock(cell.mutex);
    if (!cell.value) cell.value.emplace(f());
    return *cell.value;
  }
};

/// The naive once: whoever loses the race spins until the value is there.
/// (No exception safety: this is a yardstick, not a library.)
struct SpinOnce {
  static constexpr const char* kId = "spin_once";
  static constexpr const char* kLabel = "spin-wait once (yardstick)";
  struct Cell {
    static constexpr int kEmpty = 0, kRunning = 1, kDone = 2;
    std::atomic<int> state{kEmpty};
    int value = 0;
  };
  template <class F>
  static int get_or_init(Cell& cell, F f) {
    // Acquire pairs with the release store of kDone.
    int state = cell.state.load(std::memory_order_acquire);
    if (state == Cell::kEmpty && cell.state.compare_exchange_strong(state, Cell::kRunning, std::memory_order_acquire)) {
      cell.value = f();
      cell.state.store(Cell::kDone, std::memory_order_release);
      return cell.value;
    }
    while (cell.state.load(std::memory_order_acquire) != Cell::kDone) bench::cpu_relax();
    return cell.value;
  }
};

// ---------------------------------------------------------------------------

template <class Peer>
void bm_waiters(benchmark::State& state) {
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
  state.SetLabel(Peer::kLabel);
}

template <class... Peers>
void register_all() {
  (benchmark::RegisterBenchmark((std::string("waiters/") + Peers::kId).c_str(), bm_waiters<Peers>)
       ->Arg(kWaiters)
       ->UseManualTime()
       ->Unit(benchmark::kMillisecond),
   ...);
}

}  // namespace

int main(int argc, char** argv) {
  register_all<OnceLockPeer, SetOncePeer, StdCallOnce,
#ifdef ONCE_BENCH_HAS_ABSL
               AbslCallOnce,
#endif
#ifdef ONCE_BENCH_HAS_BOOST
               BoostCallOnce,
#endif
               AtomicBoolDclp, MutexOptional, SpinOnce>();
  return bench::run_benchmarks(argc, argv);
}
