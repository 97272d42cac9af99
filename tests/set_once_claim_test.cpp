// SetOnce: the claim on constructing the value: setters, claims, get_or_init, handover, FIFO order.
// SPDX-License-Identifier: MIT
//
// Concurrent setters, claims and get_or_init; handover after a failure, and
// its FIFO order.
//
// Catch2's macros are not thread-safe: worker threads and coroutines record
// what they saw in atomics, and the test body checks them after joining.
#include <atomic>
#include <barrier>
#include <chrono>
#include <coroutine>
#include <cstdint>
#include <cstdlib>
#include <latch>
#include <memory>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>
#include <version>

#if defined(__cpp_lib_jthread)
#include <stop_token>
#endif

#include <stdexcept>
#include "catch.hpp"
#include "coro.hpp"
#include "death.hpp"
#include "set_once_support.hpp"
#include "stress.hpp"
#include "test_types.hpp"
#include "thread_pool.hpp"
#include "threads.hpp"

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {
/// Holds its constructor until released: makes "a set() is constructing" last.
struct Gated {
  static inline std::atomic<int> entered{0};
  static inline std::latch* release = nullptr;
  int value;
  explicit Gated(int v, bool fail = false) : value(v) {
    entered.fetch_add(1);
    release->wait();
#if ONCE_HAS_EXCEPTIONS
    if (fail) throw test::Boom{};
#else
    static_cast<void>(fail);
#endif
  }
};
}  // namespace

TEST_CASE("a second set() sleeps while the first constructs, then declines", "[set_once][concurrent_set]") {
  once::SetOnce<Gated> cell;
  std::latch release(1);
  Gated::entered = 0;
  Gated::release = &release;
  std::atomic<int> first_result{-1};
  std::thread first([&] { first_result = cell.emplace(1) ? 1 : 0; });
  CHECK(test::eventually([] { return Gated::entered.load() == 1; }));

  std::atomic<int> tid{0};
  std::atomic<int> second_result{-1};
  std::thread second([&] {
    tid = test::current_tid();
    second_result = cell.emplace(2) ? 1 : 0;  // never constructs: the first succeeds
  });
  CHECK(test::eventually([&] { return tid.load() != 0; }));
  CHECK(test::eventually_all_asleep({tid.load()}));
  CHECK(second_result.load() == -1);
  CHECK_FALSE(cell.has_value());

  release.count_down();
  first.join();
  second.join();
  CHECK(first_result.load() == 1);
  CHECK(second_result.load() == 0);
  CHECK(cell.get()->value == 1);
  CHECK(Gated::entered.load() == 1);
}

#if ONCE_HAS_EXCEPTIONS
TEST_CASE("a second set() takes over when the first one's constructor throws", "[set_once][concurrent_set]") {
  once::SetOnce<Gated> cell;
  std::latch release(1);
  Gated::entered = 0;
  Gated::release = &release;
  std::atomic<int> first_result{-1};
  std::thread first([&] {
    try {
      cell.emplace(1, true);
      first_result = 1;
    } catch (const test::Boom&) {
      first_result = 0;
    }
  });
  CHECK(test::eventually([] { return Gated::entered.load() == 1; }));
  std::atomic<int> second_result{-1};
  std::atomic<int> tid{0};
  std::thread second([&] {
    tid = test::current_tid();
    second_result = cell.emplace(2) ? 1 : 0;
  });
  CHECK(test::eventually([&] { return tid.load() != 0; }));
  CHECK(test::eventually_all_asleep({tid.load()}));
  release.count_down();  // the first throws; the second constructs (and passes the gate)
  first.join();
  second.join();
  CHECK(first_result.load() == 0);
  CHECK(second_result.load() == 1);
  CHECK(cell.get()->value == 2);
  CHECK(Gated::entered.load() == 2);
}
#endif

// ---- Coroutine claims: an asynchronous initializer (tokio OnceCell::get_or_init) -----

namespace {

/// What one claimant saw.
struct Claimant {
  std::atomic<int> resumed{0};  // times the coroutine went past its claim
  std::atomic<int> held{0};     // 1 if it got the claim
  std::atomic<int> value{0};    // the value it read afterwards
};

/// The three-line asynchronous initializer, with the "connect" held on
/// `gate` (an event the test sets) and failing when `fail` is true.
test::Owned init_async(once::SetOnce<int>& cell, once::SetOnce<void>& gate, int mine, bool fail, Claimant& out) {
  if (auto claim = co_await cell.claim()) {
    out.resumed.fetch_add(1);
    out.held = 1;
    co_await gate;  // the asynchronous part: suspends with the claim held
    if (fail) {
#if ONCE_HAS_EXCEPTIONS
      throw std::runtime_error("connect failed");
#else
      co_return;  // without exceptions a failed connect returns early: the claim is dropped unset all the same
#endif
    }
    claim.set(mine);
  } else {
    out.resumed.fetch_add(1);
  }
  out.value = *cell.get();
}

/// Whether an init_async that was told to fail has ended: by its exception,
/// or, built without exceptions, by its early return.
bool failed(const test::Owned& task) {
#if ONCE_HAS_EXCEPTIONS
  return task.threw();
#else
  return task.done();
#endif
}

/// A plain value waiter.
test::Owned await_plain(once::SetOnce<int>& cell, Claimant& out) {
  out.value = co_await cell;
  out.resumed.fetch_add(1);
}

/// Runs its coroutines through a queue the test drains by hand.
struct QueueExecutor {
  std::vector<std::coroutine_handle<>>* queue;
  void operator()(std::coroutine_handle<> handle) const { queue->push_back(handle); }
};

}  // namespace

TEST_CASE("racing initializers: one claims, the others wait and see its value", "[set_once][claim]") {
  once::SetOnce<int> cell;
  once::SetOnce<void> gate;
  Claimant a, b, c, plain;
  auto first = init_async(cell, gate, 1, false, a);
  auto second = init_async(cell, gate, 2, false, b);
  auto third = init_async(cell, gate, 3, false, c);
  auto watcher = await_plain(cell, plain);
  CHECK(a.held.load() == 1);
  CHECK(b.resumed.load() + c.resumed.load() + plain.resumed.load() == 0);  // suspended, not spinning
  gate.set();  // the connect finishes: a publishes 1 and resumes everyone
  CHECK((first.done() && second.done() && third.done() && watcher.done()));
  CHECK(b.held.load() + c.held.load() == 0);
  CHECK((a.value.load() == 1 && b.value.load() == 1 && c.value.load() == 1 && plain.value.load() == 1));
  CHECK(*cell.get() == 1);
}

TEST_CASE("a throwing initializer hands the claim to the oldest claim waiter only", "[set_once][claim][handover]") {
  once::SetOnce<int> cell;
  once::SetOnce<void> gate_a, gate_b;
  Claimant a, b, c, plain;
  auto first = init_async(cell, gate_a, 1, true, a);
  auto watcher = await_plain(cell, plain);
  auto second = init_async(cell, gate_b, 2, false, b);
  auto third = init_async(cell, gate_b, 3, false, c);
  gate_a.set();  // a throws: its Claim hands over inside this call
  CHECK(failed(first));
  CHECK(b.held.load() == 1);         // the oldest claim waiter took over
  CHECK(c.resumed.load() == 0);      // one resumption, no herd
  CHECK(plain.resumed.load() == 0);  // value waiters keep waiting
  CHECK_FALSE(cell.has_value());
  gate_b.set();
  CHECK(*cell.get() == 2);
  CHECK((c.resumed.load() == 1 && c.held.load() == 0 && c.value.load() == 2));
  CHECK((plain.resumed.load() == 1 && plain.value.load() == 2));
}

TEST_CASE("an initializer destroyed mid-flight hands the claim over", "[set_once][claim][handover]") {
  once::SetOnce<int> cell;
  once::SetOnce<void> never;  // the connect that never completes
  once::SetOnce<void> gate;
  Claimant a, b;
  auto first = init_async(cell, never, 1, false, a);
  auto second = init_async(cell, gate, 2, false, b);
  CHECK(a.held.load() == 1);
  CHECK(b.resumed.load() == 0);
  first.destroy();  // cancels: unlinks from `never`, drops the claim, b resumes inline here
  CHECK(b.held.load() == 1);
  gate.set();
  CHECK(*cell.get() == 2);
  CHECK(second.done());
}

TEST_CASE("handover is FIFO among claim waiters, one resumption per failure", "[set_once][claim][handover]") {
  once::SetOnce<int> cell;
  constexpr int kClaimants = 5;
  std::vector<once::SetOnce<void>> gates(kClaimants);
  std::vector<Claimant> seen(kClaimants);
  std::vector<test::Owned> tasks;
  for (int i = 0; i < kClaimants; ++i) {
    tasks.push_back(
        init_async(cell, gates[static_cast<std::size_t>(i)], 100 + i, i < 3, seen[static_cast<std::size_t>(i)]));
  }
  for (int failing = 0; failing < 3; ++failing) {
    for (int i = 0; i < kClaimants; ++i) {
      // Exactly the claimants up to `failing` have gone past their claim.
      CHECK(seen[static_cast<std::size_t>(i)].resumed.load() == (i <= failing ? 1 : 0));
    }
    gates[static_cast<std::size_t>(failing)].set();  // fails: the next in line takes over
    CHECK(failed(tasks[static_cast<std::size_t>(failing)]));
  }
  CHECK(seen[3].held.load() == 1);
  CHECK(seen[4].resumed.load() == 0);
  gates[3].set();
  CHECK(*cell.get() == 103);
  CHECK((seen[4].resumed.load() == 1 && seen[4].held.load() == 0 && seen[4].value.load() == 103));
}

#if ONCE_HAS_EXCEPTIONS  // get_or_init's failure is a throw
namespace {
test::Owned get_or_init_counting(once::SetOnce<std::string>& cell, std::atomic<int>& calls, bool fail,
                                 std::atomic<int>& ok, std::atomic<int>& failed) {
  try {
    std::string& value = co_await cell.get_or_init([&] {
      calls.fetch_add(1);
      if (fail) throw std::runtime_error("init failed");
      return std::string("ready");
    });
    if (&value == cell.get() && value == "ready") ok.fetch_add(1);
  } catch (const std::runtime_error&) {
    failed.fetch_add(1);
  }
}
}  // namespace

TEST_CASE("co_await get_or_init: one call, a throw goes to its awaiter and the next one runs", "[set_once][claim]") {
  once::SetOnce<std::string> cell;
  std::atomic<int> calls{0}, ok{0}, failed{0};
  // Nothing holds the claim, so the first awaiter runs f at once, and throws.
  auto a = get_or_init_counting(cell, calls, true, ok, failed);
  CHECK((calls.load() == 1 && failed.load() == 1 && !cell.has_value()));
  auto b = get_or_init_counting(cell, calls, false, ok, failed);
  auto c = get_or_init_counting(cell, calls, false, ok, failed);
  CHECK(calls.load() == 2);
  CHECK(ok.load() == 2);
  CHECK(*cell.get() == "ready");

  // A waiter queued behind a held claim runs its f when the holder gives up.
  once::SetOnce<std::string> second;
  once::SetOnce<void> gate;
  auto holder = [](once::SetOnce<std::string>& cell_, once::SetOnce<void>& gate_) -> test::Owned {
    auto claim = co_await cell_.claim();
    co_await gate_;
    // dropped without a value
  }(second, gate);
  auto waiter = get_or_init_counting(second, calls, false, ok, failed);
  CHECK(calls.load() == 2);
  gate.set();
  CHECK(calls.load() == 3);
  CHECK(ok.load() == 3);
  CHECK(*second.get() == "ready");
}
#endif

TEST_CASE("get_or_init(executor, f) and claim(executor) resume through the executor", "[set_once][claim][executor]") {
  once::SetOnce<int> cell;
  std::vector<std::coroutine_handle<>> queue;
  once::SetOnce<void> gate;
  auto holder = [](once::SetOnce<int>& cell_, once::SetOnce<void>& gate_) -> test::Owned {
    auto claim = co_await cell_.claim();
    co_await gate_;
  }(cell, gate);
  std::atomic<int> got{0};
  auto via = [](once::SetOnce<int>& cell_, QueueExecutor ex, std::atomic<int>& out) -> test::Owned {
    out = co_await cell_.get_or_init(ex, [] { return 7; });
  }(cell, QueueExecutor{&queue}, got);
  gate.set();  // the holder gives up: the grant goes through the executor
  REQUIRE(queue.size() == 1);
  CHECK_FALSE(cell.has_value());
  queue[0].resume();  // runs f on the awaiting coroutine
  CHECK(got.load() == 7);
  CHECK(*cell.get() == 7);
}

TEST_CASE("a claim granted while queued in an executor, then destroyed there, passes on",
          "[set_once][claim][handover]") {
  once::SetOnce<int> cell;
  std::vector<std::coroutine_handle<>> queue;
  once::SetOnce<void> gate;
  auto holder = [](once::SetOnce<int>& cell_, once::SetOnce<void>& gate_) -> test::Owned {
    auto claim = co_await cell_.claim();
    co_await gate_;
  }(cell, gate);
  std::atomic<int> runs{0};
  auto granted = [](once::SetOnce<int>& cell_, QueueExecutor ex, std::atomic<int>& runs_) -> test::Owned {
    if (auto claim = co_await cell_.claim(ex)) {
      runs_.fetch_add(1);
      claim.set(1);
    }
  }(cell, QueueExecutor{&queue}, runs);
  Claimant next;
  once::SetOnce<void> next_gate;
  auto successor = init_async(cell, next_gate, 2, false, next);
  gate.set();
  REQUIRE(queue.size() == 1);  // granted, its resumption still queued
  CHECK(next.resumed.load() == 0);
  granted.destroy();  // destroyed in the queue: the claim goes to `successor`
  queue.clear();
  CHECK(next.held.load() == 1);
  next_gate.set();
  CHECK(*cell.get() == 2);
  CHECK(runs.load() == 0);
}

#if defined(__cpp_lib_jthread)
TEST_CASE("claim(stop_token): cancelled before or while queued; the value wins", "[set_once][claim][cancel]") {
  once::SetOnce<int> cell;
  std::stop_source stopped;
  stopped.request_stop();
  std::atomic<int> outcome{-1};  // 0 cancelled, 1 held, 2 value
  auto claimer = [](once::SetOnce<int>& cell_, std::stop_token token, std::atomic<int>& out) -> test::Owned {
    auto claim = co_await cell_.claim(std::move(token));
    out = claim ? 1 : (claim.cancelled() ? 0 : 2);
  };
  auto a = claimer(cell, stopped.get_token(), outcome);  // stop already requested, claim free: cancelled
  CHECK(outcome.load() == 0);
  CHECK_FALSE(cell.claim(std::stop_token{}).await_ready() == false);  // nobody holds it now

  once::SetOnce<void> gate;
  auto holder = [](once::SetOnce<int>& cell_, once::SetOnce<void>& gate_) -> test::Owned {
    if (auto claim = co_await cell_.claim()) {
      co_await gate_;
      claim.set(5);
    }
  }(cell, gate);
  std::stop_source stop;
  outcome = -1;
  auto queued = claimer(cell, stop.get_token(), outcome);
  CHECK(outcome.load() == -1);
  stop.request_stop();  // resumes it inline, cancelled
  CHECK(outcome.load() == 0);
  gate.set();
  CHECK(*cell.get() == 5);
  auto late = claimer(cell, stopped.get_token(), outcome);  // set and stopped: the value
  CHECK(outcome.load() == 2);
}
#endif

TEST_CASE("a thread's set() waits for a coroutine's claim, then declines or takes over",
          "[set_once][claim][concurrent_set]") {
  for (const bool holder_fails : {false, true}) {
    once::SetOnce<int> cell;
    once::SetOnce<void> gate;
    Claimant a;
    auto holder = init_async(cell, gate, 1, holder_fails, a);
    std::atomic<int> tid{0};
    std::atomic<int> result{-1};
    std::thread setter([&] {
      tid = test::current_tid();
      result = cell.set(2) ? 1 : 0;
    });
    CHECK(test::eventually([&] { return tid.load() != 0; }));
    CHECK(test::eventually_all_asleep({tid.load()}));
    CHECK(result.load() == -1);
    gate.set();  // the coroutine publishes 1, or throws and hands the claim to the thread
    setter.join();
    CHECK(result.load() == (holder_fails ? 1 : 0));
    CHECK(*cell.get() == (holder_fails ? 2 : 1));
  }
}

TEST_CASE("SetOnce<void>: claim().set() and get_or_init with a void function", "[set_once][claim][void]") {
  once::SetOnce<void> event;
  std::atomic<int> calls{0};
  auto a = [](once::SetOnce<void>& e, std::atomic<int>& n) -> test::Owned {
    co_await e.get_or_init([&] { n.fetch_add(1); });
  }(event, calls);
  CHECK(calls.load() == 1);
  CHECK(event.has_value());
  once::SetOnce<void> second;
  auto b = [](once::SetOnce<void>& e) -> test::Owned {
    if (auto claim = co_await e.claim()) claim.set();
  }(second);
  CHECK(second.has_value());
}
