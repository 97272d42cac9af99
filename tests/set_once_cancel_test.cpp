// SetOnce: cancelling coroutine waits with a stop token.
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
