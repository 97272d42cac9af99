// One wake-up of a blocked thread, measured: shared by the two translation units of wake_latency_bench.
// SPDX-License-Identifier: MIT
//
// The two translation units of bench/wake_latency_bench.cpp are one built with the futex backend (the default on Linux)
// and one with ONCE_FORCE_PORTABLE_WAIT. The backend is part of the library's
// ABI namespace, so the two builds of OnceLock are distinct types and live
// side by side in one binary.
#pragma once

#include <atomic>
#include <chrono>
#include <thread>

#include "events.hpp"

namespace bench {

/// How a waiter blocks.
enum class WaitKind { kUntimed, kTimed };

/// One wake-up, in nanoseconds: from just before `set()` on the setting
/// thread to the moment the blocked waiter runs again. The waiter is given
/// `settle` to fall asleep first (past any spin), so that what is measured
/// is a wake-up from sleep. `Event` is one of events.hpp.
template <class Event>
double measure_wake(WaitKind kind, std::chrono::microseconds settle) {
  using Clock = std::chrono::steady_clock;
  Event event;
  std::atomic<bool> waiting{false};
  Clock::time_point woke;
  std::thread waiter([&] {
    waiting.store(true, std::memory_order_release);
    if (kind == WaitKind::kUntimed) {
      event.wait();
    } else {
      static_cast<void>(event.wait_for(std::chrono::hours(1)));
    }
    woke = Clock::now();
  });
  while (!waiting.load(std::memory_order_acquire)) std::this_thread::yield();
  std::this_thread::sleep_for(settle);
  const Clock::time_point set_at = Clock::now();
  event.set();
  waiter.join();
  return std::chrono::duration<double, std::nano>(woke - set_at).count();
}

/// measure_wake<CellEvent<OnceLock<int>>> with the portable std::atomic::wait
/// backend (defined in wake_latency_portable.cpp).
double portable_wake(WaitKind kind, std::chrono::microseconds settle);

}  // namespace bench
