// The spin backend's wait hook for the test suite: counts each thread's turns in a wait.
// SPDX-License-Identifier: MIT
//
// The spin backend's wait hook for the test suite (the spin preset includes
// this header in every translation unit). A spinning waiter never sleeps in
// the kernel, so "this thread is blocked in a wait" is observed here instead:
// every thread counts the turns it spends in the hook, which it enters only
// while it waits on a word that has not changed. Between turns it yields, as
// an RTOS hook would, so that spinning waiters leave the cores to the
// threads they wait for.
#pragma once

#include <atomic>
#include <thread>

#include <sys/syscall.h>
#include <unistd.h>

namespace once_test_spin {

inline constexpr int kSlots = 256;

/// Thread ids (0 = free) and their hook turns, indexed alike.
inline std::atomic<int> tids[kSlots];
inline std::atomic<long> turns[kSlots];

/// The slot of the calling thread, taken on its first turn.
inline std::atomic<long>* my_turns() noexcept {
  thread_local std::atomic<long>* mine = nullptr;
  if (mine == nullptr) {
    const int tid = static_cast<int>(::syscall(SYS_gettid));
    for (int i = 0; i < kSlots && mine == nullptr; ++i) {
      int expected = 0;
      if (tids[i].load(std::memory_order_relaxed) == tid ||
          tids[i].compare_exchange_strong(expected, tid, std::memory_order_relaxed)) {
        mine = &turns[i];
      }
    }
    static std::atomic<long> overflow;  // more threads than slots: uncounted
    if (mine == nullptr) mine = &overflow;
  }
  return mine;
}

/// Hook turns taken so far by thread `tid` (0 if it never waited).
inline long turns_of(int tid) noexcept {
  for (int i = 0; i < kSlots; ++i) {
    if (tids[i].load(std::memory_order_relaxed) == tid) return turns[i].load(std::memory_order_relaxed);
  }
  return 0;
}

// Relaxed only: the hook must not add synchronization that ThreadSanitizer
// would take for the library's own.
inline void wait_turn() noexcept {
  my_turns()->fetch_add(1, std::memory_order_relaxed);
  std::this_thread::yield();
}

}  // namespace once_test_spin

#define ONCE_SPIN_WAIT_HOOK() ::once_test_spin::wait_turn()
