// The first initialization with nobody waiting makes no system call: the wait layer's calls, counted.
// SPDX-License-Identifier: MIT
//
// "The first initialization with nobody waiting makes no system call": the
// sleeps and wakes of the wait layer, counted in process (ONCE_COUNT_WAIT_CALLS,
// detail/wait.hpp; on the futex backend each one is a futex system call).
// Covered: a cell nobody waited on; a cell whose waiters all gave up before
// the initialization (a timed wait that timed out, a stop-token wait that was
// stopped), on an empty cell and on one whose initializer was running. And,
// so that the counter is known to count, a cell with a sleeper: one wake.
#define ONCE_COUNT_WAIT_CALLS 1

#include <atomic>
#include <chrono>
#include <latch>
#include <memory>
#include <thread>

#include <once/call_once.hpp>
#include <once/once_lock.hpp>
#include <once/once_shared.hpp>

#include "catch.hpp"
#include "stop.hpp"
#include "threads.hpp"

using namespace std::chrono_literals;

namespace {

struct Counts {
  long sleeps;
  long wakes;
};

Counts counts() { return {once::detail::wait_call_counts.sleeps.load(), once::detail::wait_call_counts.wakes.load()}; }

// The cases: a way to initialize (with an initializer that can be held),
// a timed wait, and a stop-token wait, on each blocking type.
struct LockCase {
  once::OnceLock<int> cell;
  template <class Hold>
  void init(Hold hold) {
    cell.get_or_init([&] {
      hold();
      return 1;
    });
  }
  bool wait_for(std::chrono::milliseconds d) { return cell.wait_for(d) != nullptr; }
  bool wait(const test::StopToken& token) { return cell.wait(token) != nullptr; }
  void wait() { cell.wait(); }
};

struct FlagCase {
  once::OnceFlag flag;
  template <class Hold>
  void init(Hold hold) {
    once::call_once(flag, hold);
  }
  bool wait_for(std::chrono::milliseconds d) { return flag.wait_for(d); }
  bool wait(const test::StopToken& token) { return flag.wait(token); }
  void wait() { flag.wait(); }
};

struct SharedCase {
  once::OnceShared<int> slot;
  template <class Hold>
  void init(Hold hold) {
    slot.get_or_init([&] {
      hold();
      return std::make_shared<int>(1);
    });
  }
  bool wait_for(std::chrono::milliseconds d) { return slot.wait_for(d) != nullptr; }
  bool wait(const test::StopToken& token) { return slot.wait(token) != nullptr; }
  void wait() { slot.wait(); }
};

}  // namespace

TEMPLATE_TEST_CASE("an initialization nobody waited for makes no system call", "[syscalls]", LockCase, FlagCase,
                   SharedCase) {
  TestType c;
  const Counts before = counts();
  c.init([] {});
  const Counts after = counts();
  CHECK(after.sleeps - before.sleeps == 0);
  CHECK(after.wakes - before.wakes == 0);
}

TEMPLATE_TEST_CASE("after a timed wait on an empty cell timed out, the initialization makes no system call",
                   "[syscalls]", LockCase, FlagCase, SharedCase) {
  TestType c;
  const Counts start = counts();
  // Long enough to reach the sleep even on a slow machine or under an
  // emulator (qemu-user translates code the first time it runs).
  CHECK_FALSE(c.wait_for(100ms));
  const Counts before = counts();
  CHECK(before.sleeps - start.sleeps >= 1);  // the waiter did sleep, so it had set the waiters flag
  c.init([] {});
  const Counts after = counts();
  CHECK(after.wakes - before.wakes == 0);
}

TEMPLATE_TEST_CASE("after a stop-token wait on an empty cell was stopped, the initialization makes no system call",
                   "[syscalls]", LockCase, FlagCase, SharedCase) {
  TestType c;
  test::StopSource source;
  std::atomic<int> tid{0};
  std::atomic<int> result{-1};
  std::thread waiter([&] {
    tid = test::current_tid();
    result = c.wait(source.get_token()) ? 1 : 0;
  });
  CHECK(test::eventually([&] { return tid.load() != 0; }));
  CHECK(test::eventually_all_asleep({tid.load()}));
  source.request_stop();
  waiter.join();
  CHECK(result.load() == 0);
  const Counts before = counts();
  c.init([] {});
  const Counts after = counts();
  CHECK(after.wakes - before.wakes == 0);
}

TEMPLATE_TEST_CASE("after a timed wait timed out on a running initializer, its completion makes no system call",
                   "[syscalls]", LockCase, FlagCase, SharedCase) {
  TestType c;
  std::latch entered(1);
  std::latch release(1);
  std::thread holder([&] {
    c.init([&] {
      entered.count_down();
      release.wait();
    });
  });
  entered.wait();
  const Counts start = counts();
  CHECK_FALSE(c.wait_for(100ms));  // long enough to reach the sleep, as above
  const Counts before = counts();
  CHECK(before.sleeps - start.sleeps >= 1);
  release.count_down();
  holder.join();
  const Counts after = counts();
  CHECK(after.wakes - before.wakes == 0);
  CHECK(c.wait_for(0ms));
}

TEMPLATE_TEST_CASE("with a sleeper, the initialization wakes it: one wake", "[syscalls]", LockCase, FlagCase,
                   SharedCase) {
  TestType c;
  std::atomic<int> tid{0};
  std::thread waiter([&] {
    tid = test::current_tid();
    c.wait();
  });
  CHECK(test::eventually([&] { return tid.load() != 0; }));
  CHECK(test::eventually_all_asleep({tid.load()}));
  const Counts before = counts();
  c.init([] {});
  waiter.join();
  const Counts after = counts();
  CHECK(after.wakes - before.wakes == 1);
}
