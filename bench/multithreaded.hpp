// Benchmarks of thread-safe code must run in a process that has threads.
//
// glibc and libstdc++ take shortcuts while a process has only ever had one
// thread (both consult __libc_single_threaded): pthread mutexes lock and
// unlock without atomic instructions, and std::shared_ptr counts references
// with plain increments. Measured on this machine, a mutex lock and unlock
// costs 4 ns before the first thread starts and 11 ns after. A program that
// needs thread-safe initialization has threads, so every benchmark binary
// starts (and joins) one before it measures anything.
#pragma once

#include <thread>

namespace bench {

inline void leave_single_threaded_mode() {
  std::thread([] {}).join();
}

}  // namespace bench
