// The wait layer (detail/wait.hpp) on its own, and on Linux the futex call it makes.
// SPDX-License-Identifier: MIT
//
// The wait layer (detail/wait.hpp) on its own, on whichever backend the build
// uses; on Linux, the futex call it makes, checked directly: on 32-bit
// targets that is futex_time64 with 64-bit seconds (the cross-armv7 preset
// runs this file under qemu-arm).
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <thread>

#include <once/detail/wait.hpp>

#include "catch.hpp"
#include "threads.hpp"

#if ONCE_FUTEX_WAIT
#include <ctime>
#endif

using namespace std::chrono_literals;
namespace detail = once::detail;

namespace {

detail::Deadline deadline_after(detail::WaitClock clock, std::chrono::nanoseconds d) {
  return {clock, detail::now_ns(clock) + d.count()};
}

#if ONCE_FUTEX_WAIT
std::chrono::nanoseconds thread_cpu_time() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec);
}
#endif

}  // namespace

TEST_CASE("a timed wait on an unchanged word returns at its deadline, not before", "[wait]") {
  detail::WaitWord word{5};
  for (auto clock : {detail::WaitClock::kSteady, detail::WaitClock::kSystem}) {
    const detail::Deadline deadline = deadline_after(clock, 30ms);
    // One call: on the futex backend that is one system call, which would
    // return at once if the kernel refused it (a wrong syscall number or
    // timespec layout), so returning only at the deadline shows it slept.
    detail::wait_until(word, 5, deadline);
    CHECK(detail::reached(deadline));
  }
}

TEST_CASE("a wait on a changed word returns at once", "[wait]") {
  detail::WaitWord word{5};
  detail::wait(word, 4);
  const detail::Deadline far = deadline_after(detail::WaitClock::kSteady, 1h);
  detail::wait_until(word, 4, far);
  CHECK_FALSE(detail::reached(far));
}

TEST_CASE("notify_all wakes a waiter", "[wait]") {
  detail::WaitWord word{0};
  std::atomic<bool> woke{false};
  std::thread waiter([&] {
    while (word.load(detail::memory_order_acquire) == 0) detail::wait(word, 0);
    woke = true;
  });
  std::this_thread::sleep_for(10ms);
  word.store(1, detail::memory_order_release);
  detail::notify_all(&word);
  waiter.join();
  CHECK(woke.load());
}

#if ONCE_FUTEX_WAIT

TEST_CASE("the futex call matches the target's time width", "[wait][futex]") {
#if defined(SYS_futex_time64) && !defined(__LP64__)
  STATIC_REQUIRE(detail::kSysFutex == SYS_futex_time64);
  STATIC_REQUIRE(sizeof(detail::FutexTimespec::tv_sec) == 8);
#else
  STATIC_REQUIRE(detail::kSysFutex == SYS_futex);
#endif
  STATIC_REQUIRE(sizeof(detail::FutexTimespec) == 16);
}

TEST_CASE("the futex call times out with ETIMEDOUT and sleeps meanwhile", "[wait][futex]") {
  detail::WaitWord word{5};
  const std::int64_t deadline = detail::now_ns(detail::WaitClock::kSteady) + 200'000'000;
  detail::FutexTimespec abs_time{};
  abs_time.tv_sec = static_cast<decltype(abs_time.tv_sec)>(deadline / 1'000'000'000);
  abs_time.tv_nsec = static_cast<decltype(abs_time.tv_nsec)>(deadline % 1'000'000'000);
  const auto cpu_before = thread_cpu_time();
  long result = 0;
  int error = 0;
  do {  // a signal may interrupt it (EINTR): the deadline is absolute
    result = ::syscall(detail::kSysFutex, static_cast<const void*>(&word), FUTEX_WAIT_BITSET_PRIVATE, 5, &abs_time,
                       nullptr, FUTEX_BITSET_MATCH_ANY);
    error = errno;
  } while (result == -1 && error == EINTR);
  CHECK(result == -1);
  CHECK(error == ETIMEDOUT);
  CHECK(detail::now_ns(detail::WaitClock::kSteady) >= deadline);
  CHECK(thread_cpu_time() - cpu_before < 50ms);  // asleep in the kernel, not spinning
}

TEST_CASE("a wall-clock deadline after 2038 is a deadline like any other", "[wait][futex]") {
  // 2100-01-01: more seconds than 32 bits hold. A futex that took 32-bit
  // time would refuse it (EINVAL) or wrap it into the past (ETIMEDOUT).
  constexpr std::int64_t k2100 = 4'102'444'800;
  detail::WaitWord word{0};
  std::atomic<int> tid{0};
  std::atomic<long> result{1};
  std::atomic<int> error{0};
  std::thread waiter([&] {
    tid = test::current_tid();
    detail::FutexTimespec abs_time{};
    abs_time.tv_sec = static_cast<decltype(abs_time.tv_sec)>(k2100);
    long r = 0;
    do {
      r = ::syscall(detail::kSysFutex, static_cast<const void*>(&word),
                    FUTEX_WAIT_BITSET_PRIVATE | FUTEX_CLOCK_REALTIME, 0, &abs_time, nullptr, FUTEX_BITSET_MATCH_ANY);
    } while (r == -1 && errno == EINTR);
    error = r == -1 ? errno : 0;
    result = r;
  });
  CHECK(test::eventually([&] { return tid.load() != 0; }));
  CHECK(test::eventually_all_asleep({tid.load()}));
  word.store(1, detail::memory_order_release);
  detail::notify_all(&word);
  waiter.join();
  CHECK(result.load() == 0);  // woken, not refused or timed out
  CHECK(error.load() == 0);
}

#endif
