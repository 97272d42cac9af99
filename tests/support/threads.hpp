// Observing other threads from a test: polling with a deadline, thread states, CPU time.
// SPDX-License-Identifier: MIT
#pragma once

#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#if defined(__linux__)
#include <pthread.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <ctime>
#endif

namespace test {

/// How long a poll waits before it reports failure: ample for the slowest
/// sanitizer build, and well short of the test driver's timeout (600 s).
inline constexpr std::chrono::milliseconds kPatience = std::chrono::seconds(60);

/// Polls `condition` until it holds; false if `limit` passes first, so that
/// a lost wake-up fails the test instead of hanging it. Yields between the
/// first polls and then sleeps a millisecond between them, which keeps a
/// long wait from taking a core from the threads it waits for.
template <class Condition>
bool eventually(Condition condition, std::chrono::milliseconds limit = kPatience) {
  const auto give_up = std::chrono::steady_clock::now() + limit;
  for (int polls = 0; !condition(); ++polls) {
    if (std::chrono::steady_clock::now() > give_up) return false;
    if (polls < 1000) {
      std::this_thread::yield();
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }
  return true;
}

#if defined(__linux__)
inline constexpr bool kCanObserveThreads = true;

/// The kernel's id for the calling thread.
inline int current_tid() { return static_cast<int>(::syscall(SYS_gettid)); }

/// The scheduler's state letter for thread `tid` of this process: 'R' running
/// or runnable, 'S' asleep (in a futex, for instance), ...
inline char thread_state(int tid) {
  const std::string path = "/proc/self/task/" + std::to_string(tid) + "/stat";
  std::FILE* file = std::fopen(path.c_str(), "r");
  if (file == nullptr) return '?';
  char buffer[512] = {};
  const std::size_t size = std::fread(buffer, 1, sizeof buffer - 1, file);
  std::fclose(file);
  // "pid (comm) S ...": the state follows the last ')'.
  const std::string stat(buffer, size);
  const auto paren = stat.rfind(')');
  return paren == std::string::npos || paren + 2 >= stat.size() ? '?' : stat[paren + 2];
}

#if defined(ONCE_FORCE_SPIN_WAIT)
/// Waiters spin on this build's wait backend: they never sleep and do burn CPU.
inline constexpr bool kWaitersSleep = false;

/// Polls until every thread in `tids` is blocked in a wait: on the spin
/// backend, until each has taken a turn in the wait hook (spin_wait_hook.hpp)
/// since this call began. False if that does not happen within `limit`.
inline bool eventually_all_asleep(const std::vector<int>& tids, std::chrono::milliseconds limit = kPatience) {
  std::vector<long> before;
  for (int tid : tids) before.push_back(once_test_spin::turns_of(tid));
  return eventually(
      [&] {
        for (std::size_t i = 0; i < tids.size(); ++i) {
          if (once_test_spin::turns_of(tids[i]) <= before[i]) return false;
        }
        return true;
      },
      limit);
}
#else
inline constexpr bool kWaitersSleep = true;

/// Polls until every thread in `tids` is asleep in the kernel; false if that
/// does not happen within `limit` (a thread that spins never gets there).
inline bool eventually_all_asleep(const std::vector<int>& tids, std::chrono::milliseconds limit = kPatience) {
  return eventually(
      [&] {
        for (int tid : tids) {
          if (thread_state(tid) != 'S') return false;
        }
        return true;
      },
      limit);
}
#endif

/// CPU time consumed so far by `thread`, which may be another thread.
inline std::chrono::nanoseconds cpu_time(std::thread& thread) {
  clockid_t clock{};
  if (pthread_getcpuclockid(thread.native_handle(), &clock) != 0) return std::chrono::nanoseconds::max();
  timespec ts{};
  clock_gettime(clock, &ts);
  return std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec);
}
#else
inline constexpr bool kCanObserveThreads = false;
inline constexpr bool kWaitersSleep = true;
inline int current_tid() { return 0; }
/// Nothing to observe: every thread counts as asleep.
inline bool eventually_all_asleep(const std::vector<int>&, std::chrono::milliseconds = {}) { return true; }
inline std::chrono::nanoseconds cpu_time(std::thread&) { return {}; }
#endif

}  // namespace test
