// Timed waits: never early, on every clock, for OnceLock, SetOnce and OnceShared.
// SPDX-License-Identifier: MIT
//
// The same guarantees for OnceLock<int> and SetOnce<int>, and OnceShared's
// waits, on whichever wait backend the build uses (the tsan-portable-wait
// preset runs this file on the portable one). "Never early" is a correctness
// check, not a performance one: a timeout may come late on a loaded machine,
// never soon.
#include <atomic>
#include <barrier>
#include <chrono>
#include <cstdint>
#include <memory>
#include <thread>
#include <vector>

#include <once/once_lock.hpp>
#include <once/once_shared.hpp>
#include <once/set_once.hpp>

#include "catch.hpp"
#include "threads.hpp"

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

// A clock of its own: runs with steady_clock, an hour ahead, but is another type.
struct AheadClock {
  using duration = std::chrono::nanoseconds;
  using rep = duration::rep;
  using period = duration::period;
  using time_point = std::chrono::time_point<AheadClock>;
  [[maybe_unused]] static constexpr bool is_steady = true;
  static time_point now() { return time_point(Clock::now().time_since_epoch() + 1h); }
};

// A wall clock of its own: system_clock an hour ahead, not steady, with a
// millisecond tick (waited for on the real-time clock, judged by itself).
struct WallClock {
  using duration = std::chrono::milliseconds;
  using rep = duration::rep;
  using period = duration::period;
  using time_point = std::chrono::time_point<WallClock>;
  [[maybe_unused]] static constexpr bool is_steady = false;
  static time_point now() {
    return time_point(std::chrono::floor<duration>(std::chrono::system_clock::now().time_since_epoch() + 1h));
  }
};

/// Starts a thread that calls `wait_call(cell)`, sets the cell to 9 once the
/// thread is asleep, and returns what the wait returned (0 for nullptr).
template <class Cell, class WaitCall>
int value_after_set(WaitCall wait_call) {
  Cell cell;
  std::atomic<int> tid{0};
  std::atomic<int> result{-1};
  std::thread waiter([&] {
    tid = test::current_tid();
    const int* value = wait_call(cell);
    result = value == nullptr ? 0 : *value;
  });
  CHECK(test::eventually([&] { return tid.load() != 0; }));
  test::eventually_all_asleep({tid.load()});
  cell.set(9);
  waiter.join();
  return result.load();
}

}  // namespace

TEMPLATE_TEST_CASE("timed waits time out no earlier than asked, on every clock", "[timed]", once::OnceLock<int>,
                   once::SetOnce<int>) {
  TestType cell;
  for (auto timeout : {1ms, 10ms, 30ms}) {
    const auto start = Clock::now();
    CHECK(cell.wait_for(timeout) == nullptr);
    CHECK(Clock::now() - start >= timeout);
  }

  const auto steady_deadline = Clock::now() + 20ms;
  CHECK(cell.wait_until(steady_deadline) == nullptr);
  CHECK(Clock::now() >= steady_deadline);

  const auto system_deadline = std::chrono::system_clock::now() + 20ms;
  CHECK(cell.wait_until(system_deadline) == nullptr);
  CHECK(std::chrono::system_clock::now() >= system_deadline);

  // A deadline with a coarse duration type is rounded up, never down.
  const auto coarse = std::chrono::ceil<std::chrono::milliseconds>(Clock::now() + 10ms);
  CHECK(cell.wait_until(coarse) == nullptr);
  CHECK(Clock::now() >= coarse);

  // Any other clock: the deadline is judged by that clock.
  const auto own_deadline = AheadClock::now() + 10ms;
  CHECK(cell.wait_until(own_deadline) == nullptr);
  CHECK(AheadClock::now() >= own_deadline);
  const auto wall_deadline = WallClock::now() + 10ms;
  CHECK(cell.wait_until(wall_deadline) == nullptr);
  CHECK(WallClock::now() >= wall_deadline);
}

// Timeouts become whole nanoseconds rounded up, and saturate instead of
// overflowing; any period, integral or floating-point ticks.
static_assert(once::detail::ceil_ns_saturated(std::chrono::microseconds(-7)) == -7000);
static_assert(once::detail::ceil_ns_saturated(std::chrono::duration<int, std::ratio<1, 3>>(1)) == 333'333'334);
static_assert(once::detail::ceil_ns_saturated(std::chrono::duration<int, std::ratio<1, 3>>(-1)) == -333'333'333);
static_assert(once::detail::ceil_ns_saturated(std::chrono::duration<long long, std::ratio<1, 3'000'000'000>>(4)) == 2);
static_assert(once::detail::ceil_ns_saturated(std::chrono::duration<unsigned, std::ratio<2, 4>>(3)) == 1'500'000'000);
static_assert(once::detail::ceil_ns_saturated(std::chrono::duration<double>(1.5e-9)) == 2);
static_assert(once::detail::ceil_ns_saturated(std::chrono::hours::max()) == INT64_MAX);
static_assert(once::detail::ceil_ns_saturated(std::chrono::hours::min()) == INT64_MIN);
static_assert(once::detail::ceil_ns_saturated(std::chrono::duration<double>(1e20)) == INT64_MAX);

TEMPLATE_TEST_CASE("a deadline in the past returns at once", "[timed]", once::OnceLock<int>, once::SetOnce<int>) {
  TestType empty;
  const auto start = Clock::now();
  CHECK(empty.wait_for(0s) == nullptr);
  CHECK(empty.wait_for(-5s) == nullptr);
  CHECK(empty.wait_for(std::chrono::hours::min()) == nullptr);
  CHECK(empty.wait_until(Clock::now() - 1h) == nullptr);
  CHECK(empty.wait_until(Clock::time_point::min()) == nullptr);
  CHECK(empty.wait_until(std::chrono::system_clock::time_point::min()) == nullptr);
  CHECK(Clock::now() - start < 5s);  // generous: the point is that nothing slept for hours

  empty.set(4);
  REQUIRE(empty.wait_for(0s) != nullptr);
  CHECK(*empty.wait_for(-1s) == 4);
  CHECK(*empty.wait_until(Clock::time_point::min()) == 4);
  CHECK(*empty.wait_until(AheadClock::now() + 1h) == 4);
  CHECK(*empty.wait_until(WallClock::time_point::max()) == 4);
}

TEMPLATE_TEST_CASE("huge timeouts do not overflow: the value still wakes the waiter", "[timed]", once::OnceLock<int>,
                   once::SetOnce<int>) {
  // Each of these waits would return nullptr at once if its deadline
  // overflowed into the past; the value is set only once the waiter sleeps.
  CHECK(value_after_set<TestType>([](auto& c) { return c.wait_for(std::chrono::nanoseconds::max()); }) == 9);
  CHECK(value_after_set<TestType>([](auto& c) { return c.wait_for(std::chrono::hours::max()); }) == 9);
  CHECK(value_after_set<TestType>([](auto& c) { return c.wait_for(std::chrono::duration<double>(1e300)); }) == 9);
  CHECK(value_after_set<TestType>([](auto& c) { return c.wait_until(Clock::time_point::max()); }) == 9);
  CHECK(value_after_set<TestType>([](auto& c) { return c.wait_until(std::chrono::system_clock::time_point::max()); }) ==
        9);
  CHECK(value_after_set<TestType>(
            [](auto& c) { return c.wait_until(std::chrono::time_point<Clock, std::chrono::hours>::max()); }) == 9);
  CHECK(value_after_set<TestType>([](auto& c) { return c.wait_until(WallClock::time_point::max()); }) == 9);
}

TEMPLATE_TEST_CASE("a timed waiter wakes when the value comes, long before its deadline", "[timed]",
                   once::OnceLock<int>, once::SetOnce<int>) {
  const auto start = Clock::now();
  CHECK(value_after_set<TestType>([](auto& c) { return c.wait_for(1h); }) == 9);
  CHECK(value_after_set<TestType>([](auto& c) { return c.wait_until(std::chrono::system_clock::now() + 1h); }) == 9);
  CHECK(value_after_set<TestType>([](auto& c) { return c.wait_until(AheadClock::now() + 1h); }) == 9);
  CHECK(Clock::now() - start < 10min);  // woken, not timed out
}

TEMPLATE_TEST_CASE("many threads time out while one sets", "[timed]", once::OnceLock<int>, once::SetOnce<int>) {
  // Timeouts land on both sides of the set(): a waiter whose deadline passes
  // just as set() takes over must still get the value, and nobody is early.
  constexpr int kWaiters = 12;
  for (int round = 0; round < 30; ++round) {
    TestType cell;
    std::barrier start(kWaiters + 1);
    std::atomic<int> got_value{0};
    std::atomic<int> timed_out{0};
    std::atomic<int> early{0};
    std::vector<std::thread> waiters;
    for (int i = 0; i < kWaiters; ++i) {
      waiters.emplace_back([&, i] {
        start.arrive_and_wait();
        const auto timeout = std::chrono::microseconds(60 * (i % 8));
        const auto begin = Clock::now();
        if (const int* value = cell.wait_for(timeout)) {
          got_value.fetch_add(*value == 7 ? 1 : 1000);
        } else {
          timed_out.fetch_add(1);
          if (Clock::now() - begin < timeout) early.fetch_add(1);
        }
      });
    }
    start.arrive_and_wait();
    std::this_thread::sleep_for(200us);
    cell.set(7);
    for (auto& waiter : waiters) waiter.join();
    CHECK(got_value.load() + timed_out.load() == kWaiters);
    CHECK(early.load() == 0);
    CHECK(*cell.wait_for(0s) == 7);
  }
}

// ---- OnceShared: its waits return the pointer ---------------------------------

TEST_CASE("OnceShared: nullptr on timeout, the value once set", "[once_shared][timed]") {
  once::OnceShared<int> slot;
  const auto start = std::chrono::steady_clock::now();
  CHECK(slot.wait_for(20ms) == nullptr);
  CHECK(std::chrono::steady_clock::now() - start >= 20ms);
  CHECK(slot.wait_until(std::chrono::system_clock::now() + 5ms) == nullptr);
  CHECK(slot.wait_until(std::chrono::steady_clock::now() - 1s) == nullptr);
  auto value = std::make_shared<int>(3);
  CHECK(slot.store(value));
  CHECK(slot.wait_for(0s) == value.get());
  CHECK(slot.wait_until(std::chrono::steady_clock::now()) == value.get());
}
