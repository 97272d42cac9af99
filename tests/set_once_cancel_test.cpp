// SetOnce: cancelling coroutine waits with a stop token.
// SPDX-License-Identifier: MIT
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

#include <optional>
#include <utility>
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

#if defined(__cpp_lib_jthread)

TEST_CASE("a stop requested before the co_await: nullptr, no suspension", "[set_once][cancel]") {
  once::SetOnce<int> cell;
  std::stop_source stop;
  stop.request_stop();
  std::atomic<int> result{-5};
  std::atomic<int> resumed{0};
  await_stoppable(cell, stop.get_token(), result, resumed, nullptr);
  CHECK(resumed.load() == 1);
  CHECK(result.load() == 0);

  // Set and stopped both: the value wins.
  cell.set(4);
  await_stoppable(cell, stop.get_token(), result, resumed, nullptr);
  CHECK(resumed.load() == 2);
  CHECK(result.load() == 4);
}

TEST_CASE("a cancelled waiter resumes inside request_stop, once, and leaves the cell", "[set_once][cancel]") {
  auto cell = std::make_unique<once::SetOnce<int>>();
  std::stop_source stop;
  std::atomic<int> result{-5};
  std::atomic<int> resumed{0};
  std::thread::id resumed_on;
  await_stoppable(*cell, stop.get_token(), result, resumed, &resumed_on);
  CHECK(resumed.load() == 0);
  std::thread stopper([&] { stop.request_stop(); });
  const auto stopper_id = stopper.get_id();
  stopper.join();
  CHECK(resumed.load() == 1);
  CHECK(result.load() == 0);
  CHECK(resumed_on == stopper_id);
  // Unlinked at once: destroying the never-set cell now is fine (a queued
  // node would trip the debug assertion), and a later set() does not touch
  // the finished coroutine (ASan would see it).
  cell->set(1);
  CHECK(resumed.load() == 1);
  cell.reset();
}

TEST_CASE("cancelling the first, a middle and the last waiter keeps the rest queued", "[set_once][cancel]") {
  // Then more waiters join: they must be linked after the live ones (a stale
  // link to a cancelled node would lose them, or write into a dead frame).
  once::SetOnce<int> cell;
  constexpr std::size_t kWaiters = 9;
  constexpr std::size_t kEarly = 7;
  std::vector<std::stop_source> stops(kWaiters);
  std::vector<std::atomic<int>> results(kWaiters);
  std::vector<std::atomic<int>> resumed(kWaiters);
  for (std::size_t i = 0; i < kEarly; ++i) await_stoppable(cell, stops[i].get_token(), results[i], resumed[i], nullptr);
  for (std::size_t cancelled : {std::size_t{0}, std::size_t{3}, std::size_t{6}, std::size_t{4}}) {
    stops[cancelled].request_stop();
  }
  for (std::size_t i = kEarly; i < kWaiters; ++i) {
    await_stoppable(cell, stops[i].get_token(), results[i], resumed[i], nullptr);
  }
  std::vector<int> order;
  await_in_order(cell, 1, order);
  cell.set(9);
  for (std::size_t i = 0; i < kWaiters; ++i) {
    const bool cancelled = i == 0 || i == 3 || i == 4 || i == 6;
    CHECK(resumed[i].load() == 1);
    CHECK(results[i].load() == (cancelled ? 0 : 9));
  }
  CHECK(order == std::vector<int>{1});
  for (auto& stop : stops) stop.request_stop();  // after set: no effect
  for (std::size_t i = 0; i < kWaiters; ++i) CHECK(resumed[i].load() == 1);
}

TEST_CASE("with an executor, a cancellation also resumes through it", "[set_once][cancel][executor]") {
  once::SetOnce<int> cell;
  std::stop_source stop;
  std::vector<std::coroutine_handle<>> handles;
  std::atomic<int> result{-5};
  std::atomic<int> resumed{0};
  await_stoppable(cell, stop.get_token(), result, resumed, nullptr, RecordingExecutor{&handles});
  await_stoppable(cell, std::stop_token{}, result, resumed, nullptr, RecordingExecutor{&handles});
  stop.request_stop();
  REQUIRE(handles.size() == 1);
  CHECK(resumed.load() == 0);
  handles[0].resume();
  CHECK(resumed.load() == 1);
  CHECK(result.load() == 0);

  cell.set(2);
  REQUIRE(handles.size() == 2);
  handles[1].resume();
  CHECK(resumed.load() == 2);
  CHECK(result.load() == 2);
}

TEST_CASE("stop or set between await_ready and await_suspend: no suspension", "[set_once][cancel]") {
  // The awaiter driven by hand, to reach the windows a real co_await passes
  // through too quickly to hit on purpose. await_suspend returning false
  // means "do not suspend": the coroutine is never resumed by anyone.
  SECTION("stop: the stop callback runs inside await_suspend") {
    once::SetOnce<int> cell;
    std::stop_source stop;
    auto awaiter = cell.async_wait(stop.get_token());
    REQUIRE_FALSE(awaiter.await_ready());
    stop.request_stop();
    CHECK_FALSE(awaiter.await_suspend(std::noop_coroutine()));
    CHECK(awaiter.await_resume() == nullptr);
  }
  SECTION("set") {
    once::SetOnce<int> cell;
    std::stop_source stop;
    auto awaiter = cell.async_wait(stop.get_token());
    REQUIRE_FALSE(awaiter.await_ready());
    cell.set(3);
    CHECK_FALSE(awaiter.await_suspend(std::noop_coroutine()));
    REQUIRE(awaiter.await_resume() != nullptr);
    CHECK(*awaiter.await_resume() == 3);
  }
  SECTION("set, plain co_await") {
    once::SetOnce<int> cell;
    auto awaiter = cell.operator co_await();
    REQUIRE_FALSE(awaiter.await_ready());
    cell.set(5);
    CHECK_FALSE(awaiter.await_suspend(std::noop_coroutine()));
    CHECK(awaiter.await_resume() == 5);
  }
}
#endif  // __cpp_lib_jthread

// ---- Cancelling by destroying the suspended coroutine (every awaiter kind) ----------

namespace {

/// Waits on `cell` with the awaiter that `make` returns; counts resumptions.
template <class Make>
test::Owned wait_with(Make make, std::atomic<int>& resumed) {
  auto&& result = co_await make();
  static_cast<void>(result);
  resumed.fetch_add(1);
}

template <class Make>
test::Owned wait_with_void(Make make, std::atomic<int>& resumed) {
  co_await make();
  resumed.fetch_add(1);
}

struct PostExecutor {
  std::vector<std::coroutine_handle<>>* queue;
  void operator()(std::coroutine_handle<> handle) const { queue->push_back(handle); }
};

/// Suspends a coroutine in the awaiter `make` gives, with waiters before and
/// after it; destroys it; then sets the cell. The destroyed waiter must have
/// left the list: its neighbours resume, it does not (ASan sees any touch of
/// the freed frame), and `f` (for get_or_init) never ran.
template <class Cell, class Make>
void destroy_while_suspended(Cell& cell, Make make, bool needs_claim_holder) {
  once::SetOnce<void> gate;
  std::optional<test::Owned> holder;
  if (needs_claim_holder) {
    // Someone else holds the claim, so that claim() and get_or_init() queue.
    holder.emplace([](Cell& c, once::SetOnce<void>& g) -> test::Owned {
      if (auto claim = co_await c.claim()) {
        co_await g;
        claim.set(42);
      }
    }(cell, gate));
  }
  std::atomic<int> before{0}, victim{0}, after{0};
  auto first = wait_with([&] { return cell.operator co_await(); }, before);
  auto doomed = wait_with(make, victim);
  auto last = wait_with([&] { return cell.operator co_await(); }, after);
  CHECK(victim.load() == 0);
  doomed.destroy();
  if (needs_claim_holder) {
    gate.set();
  } else {
    cell.set(42);
  }
  CHECK(before.load() == 1);
  CHECK(after.load() == 1);
  CHECK(victim.load() == 0);
}

}  // namespace

TEST_CASE("destroying a coroutine suspended in any await on the cell unlinks it", "[set_once][cancel][destroy]") {
  std::vector<std::coroutine_handle<>> queue;
  const PostExecutor post{&queue};
  std::atomic<int> f_calls{0};
  auto never_called = [&f_calls] {
    f_calls.fetch_add(1);
    return 1;
  };
  const auto run = [&](auto make, bool claim_kind) {
    once::SetOnce<int> cell;
    destroy_while_suspended(
        cell, [&] { return make(cell); }, claim_kind);
    for (auto handle : queue) handle.resume();  // none of them is the destroyed one
    queue.clear();
  };
  SECTION("co_await cell") {
    run([](auto& c) { return c.operator co_await(); }, false);
  }
  SECTION("co_await const cell") {
    run([](auto& c) { return std::as_const(c).operator co_await(); }, false);
  }
  SECTION("async_wait(executor)") {
    run([&](auto& c) { return c.async_wait(post); }, false);
  }
#if defined(__cpp_lib_jthread)
  SECTION("async_wait(token)") {
    std::stop_source stop;
    run([&](auto& c) { return c.async_wait(stop.get_token()); }, false);
  }
#endif
#if defined(__cpp_lib_jthread)
  SECTION("async_wait(executor, token)") {
    std::stop_source stop;
    run([&](auto& c) { return c.async_wait(post, stop.get_token()); }, false);
  }
#endif
  SECTION("claim()") {
    run([](auto& c) { return c.claim(); }, true);
  }
  SECTION("claim(executor)") {
    run([&](auto& c) { return c.claim(post); }, true);
  }
#if defined(__cpp_lib_jthread)
  SECTION("claim(token)") {
    std::stop_source stop;
    run([&](auto& c) { return c.claim(stop.get_token()); }, true);
  }
#endif
#if defined(__cpp_lib_jthread)
  SECTION("claim(executor, token)") {
    std::stop_source stop;
    run([&](auto& c) { return c.claim(post, stop.get_token()); }, true);
  }
#endif
  SECTION("get_or_init(f)") {
    run([&](auto& c) { return c.get_or_init(never_called); }, true);
  }
  SECTION("get_or_init(executor, f)") {
    run([&](auto& c) { return c.get_or_init(post, never_called); }, true);
  }
  CHECK(f_calls.load() == 0);
}

TEST_CASE("SetOnce<void>: destroying suspended waiters unlinks them", "[set_once][cancel][destroy][void]") {
  once::SetOnce<void> event;
  std::atomic<int> resumed{0};
  auto a = wait_with_void([&] { return event.operator co_await(); }, resumed);
  auto b = wait_with_void([&] { return event.async_wait([](std::coroutine_handle<> h) { h.resume(); }); }, resumed);
  auto c = wait_with_void([&] { return event.get_or_init([] {}); }, resumed);  // takes the claim, runs, sets
  CHECK(resumed.load() == 3);
  once::SetOnce<void> second;
  auto d = wait_with_void([&] { return second.operator co_await(); }, resumed);
  d.destroy();
#if defined(__cpp_lib_jthread)
  std::stop_source stop;
  auto e = wait_with([&] { return second.async_wait(stop.get_token()); }, resumed);
  e.destroy();
#endif
  CHECK(second.set());
  CHECK(resumed.load() == 3);
}

TEST_CASE("a waiter resumed by set() may destroy a later waiter of the same set()", "[set_once][cancel][destroy]") {
  // The later waiter sits in the batch that set() detached: its awaiter
  // unlinks it from there, so set() never resumes the destroyed frame.
  once::SetOnce<int> cell;
  std::atomic<int> resumed{0};
  std::optional<test::Owned> victim;
  std::optional<test::Owned> victim_with_token;
  auto killer = [](once::SetOnce<int>& c, std::optional<test::Owned>& v, std::optional<test::Owned>& w,
                   std::atomic<int>& n) -> test::Owned {
    co_await c;
    n.fetch_add(1);
    v->destroy();
    w->destroy();
  }(cell, victim, victim_with_token, resumed);
  victim.emplace(wait_with([&] { return cell.operator co_await(); }, resumed));
  auto middle = wait_with([&] { return cell.operator co_await(); }, resumed);
#if defined(__cpp_lib_jthread)
  std::stop_source stop;
  victim_with_token.emplace(wait_with([&] { return cell.async_wait(stop.get_token()); }, resumed));
#else
  std::vector<std::coroutine_handle<>> queue;
  victim_with_token.emplace(wait_with_void([&] { return cell.async_wait(PostExecutor{&queue}); }, resumed));
#endif
  auto last = wait_with([&] { return cell.operator co_await(); }, resumed);
  cell.set(1);
  CHECK(resumed.load() == 3);  // killer, middle, last
  CHECK((middle.done() && last.done()));
}
