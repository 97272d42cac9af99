// The portable wait backend's half of wake_latency_bench: OnceLock's wake-up with std::atomic::wait.
// SPDX-License-Identifier: MIT
//
// This file is compiled with ONCE_FORCE_PORTABLE_WAIT (see bench/CMakeLists.txt).
#if !defined(ONCE_FORCE_PORTABLE_WAIT)
#error "compile this file with ONCE_FORCE_PORTABLE_WAIT"
#endif

#include <once/once_lock.hpp>

#include "wake_latency.hpp"

namespace bench {

double portable_wake(WaitKind kind, std::chrono::microseconds settle) {
  return measure_wake<peers::CellEvent<once::OnceLock<int>>>(kind, settle);
}

}  // namespace bench
