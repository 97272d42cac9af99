// Scaffolding for the stress tests: thread and round counts, and rounds that release every thread together.
// SPDX-License-Identifier: MIT
#pragma once

#include <algorithm>
#include <barrier>
#include <cstdlib>
#include <thread>
#include <vector>

namespace test {

/// Threads for a stress test: twice the cores, and at least four, so that
/// threads are preempted mid-operation as well as truly concurrent.
inline int stress_threads() { return static_cast<int>(std::max(4u, 2 * std::thread::hardware_concurrency())); }

/// `normal` rounds, times the factor in ONCE_STRESS_SCALE if it is set (the
/// sanitizer presets run a fraction of the rounds); at least one.
inline int stress_rounds(int normal) {
  if (const char* scale = std::getenv("ONCE_STRESS_SCALE")) {
    return std::max(1, static_cast<int>(normal * std::atof(scale)));
  }
  return normal;
}

/// Runs `body(round, thread)` on `threads` threads for rounds 0 to
/// `round_count - 1`, every round releasing all threads together.
/// `prepare(round)` runs alone before each round, and once more after the
/// last one (with `round == round_count`), so that it can check the round
/// that just ended. Assertions belong in `prepare` or after this returns:
/// Catch2's macros are not thread-safe, so `body` records into atomics.
template <class Prepare, class Body>
void run_rounds(int threads, int round_count, Prepare prepare, Body body) {
  int next_round = 0;
  prepare(next_round);
  std::barrier round_end(threads, [&]() noexcept { prepare(++next_round); });
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      for (int round = 0; round < round_count; ++round) {
        body(round, t);
        round_end.arrive_and_wait();
      }
    });
  }
  for (auto& worker : workers) worker.join();
}

}  // namespace test
