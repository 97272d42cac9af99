// Wake-up latency of a thread blocked waiting for a value, on each wait backend and a condition variable.
// SPDX-License-Identifier: MIT
//
// From the moment another thread calls set() to the moment the waiter runs again.
//
//   wake_latency/<id>
//
// Peers:
//   futex_wait, futex_wait_for            OnceLock::wait() / wait_for(1 h) on
//                                         the futex backend (Linux default)
//   portable_wait, portable_wait_for      the same on the portable backend
//                                         (std::atomic::wait; timed waits poll
//                                         with a backoff capped at 1 ms)
//   condvar_baseline, condvar_wait_for   a std::mutex + std::condition_variable
//                                         event (events.hpp), the usual
//                                         hand-written wait
//
// Method, one wake-up per benchmark iteration (manual timing): a waiter
// thread blocks; after 2 ms (it has spun and gone to sleep by then) the
// benchmark thread reads the clock and sets the value; the waiter reads the
// clock as soon as it returns. The iteration's time is the difference. The
// thread start and the settling sleep are outside the measured time.

#include <benchmark/benchmark.h>

#include <chrono>

#include <once/once_lock.hpp>

#include "common.hpp"
#include "wake_latency.hpp"

namespace {

using namespace std::chrono_literals;
// Long enough for every waiter to be asleep, and for the portable backend's
// timed waits to have backed off to their 1 ms polling period, where a
// waiter that has been waiting for a while is.
constexpr auto kSettle = 2ms;
constexpr int kWakeUps = 100;

using bench::peers::CellEvent;
using bench::peers::CondvarEvent;

template <class Measure>
void run(benchmark::State& state, Measure measure) {
  for (auto _ : state) state.SetIterationTime(measure() * 1e-9);
  state.SetLabel("per wake-up");
}

void register_all() {
  using bench::WaitKind;
  auto add = [](const char* name, auto measure) {
    benchmark::RegisterBenchmark(name, [measure](benchmark::State& state) { run(state, measure); })
        ->UseManualTime()
        ->Iterations(kWakeUps)
        ->Unit(benchmark::kMicrosecond);
  };
  add("wake_latency/futex_wait",
      [] { return bench::measure_wake<CellEvent<once::OnceLock<int>>>(WaitKind::kUntimed, kSettle); });
  add("wake_latency/futex_wait_for",
      [] { return bench::measure_wake<CellEvent<once::OnceLock<int>>>(WaitKind::kTimed, kSettle); });
  add("wake_latency/portable_wait", [] { return bench::portable_wake(WaitKind::kUntimed, kSettle); });
  add("wake_latency/portable_wait_for", [] { return bench::portable_wake(WaitKind::kTimed, kSettle); });
  add("wake_latency/condvar_baseline", [] { return bench::measure_wake<CondvarEvent>(WaitKind::kUntimed, kSettle); });
  add("wake_latency/condvar_wait_for", [] { return bench::measure_wake<CondvarEvent>(WaitKind::kTimed, kSettle); });
}

}  // namespace

int main(int argc, char** argv) {
  register_all();
  return bench::run_benchmarks(argc, argv);
}
