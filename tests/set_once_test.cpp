// SetOnce<T> and SetOnce<void>: the contract, where waiters resume,
// cancellation, timed waits, and races between set, wait and stop.
//
// Catch2's macros are not thread-safe: worker threads and coroutines record
// what they saw in atomics, and the test body checks them after joining.
#include <algorithm>
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

#include <once/set_once.hpp>

#include "catch.hpp"
#include "coro.hpp"
#include "death.hpp"
#include "stress.hpp"
#include "test_types.hpp"
#include "thread_pool.hpp"
#include "threads.hpp"

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

/// Busy work of a length that varies with `seed`: shifts the racing threads
/// against each other from round to round.
void jitter(int seed) {
  const unsigned spins = (static_cast<unsigned>(seed) * 2654435761u >> 24) % 64;
  std::atomic<unsigned> counter{0};
  for (unsigned i = 0; i < spins; ++i) counter.fetch_add(1, std::memory_order_relaxed);
}

/// Waits until `count` reaches `target`, up to `limit`. A lost wake-up shows
/// up as a false here instead of a hang.
bool reaches(const std::atomic<int>& count, int target, std::chrono::seconds limit = 60s) {
  const auto give_up = Clock::now() + limit;
  while (count.load() < target) {
    if (Clock::now() > give_up) return false;
    std::this_thread::yield();
  }
  return true;
}

// ---- Coroutines the tests start -------------------------------------------

/// Awaits `cell` inline; records the value (or -1 for a wrong address), the
/// thread it resumed on, and that it finished.
test::Detached await_value(once::SetOnce<int>& cell, std::atomic<int>& result, std::atomic<int>& finished,
                           std::thread::id* resumed_on = nullptr) {
  int& value = co_await cell;
  if (resumed_on != nullptr) *resumed_on = std::this_thread::get_id();
  result = &value == cell.get() ? value : -1;
  finished.fetch_add(1);
}

template <class Executor>
test::Detached await_value_on(once::SetOnce<int>& cell, Executor executor, std::atomic<int>& result,
                              std::atomic<int>& finished) {
  int& value = co_await cell.async_wait(std::move(executor));
  result = &value == cell.get() ? value : -1;
  finished.fetch_add(1);
}

/// Records the order in which waiters resume.
test::Detached await_in_order(once::SetOnce<int>& cell, int id, std::vector<int>& order) {
  co_await cell;
  order.push_back(id);
}

/// An executor that keeps the handles, for the test to resume by hand.
struct RecordingExecutor {
  std::vector<std::coroutine_handle<>>* handles;
  void operator()(std::coroutine_handle<> handle) const { handles->push_back(handle); }
};

}  // namespace

// ---- Contract ----------------------------------------------------------------

TEST_CASE("an empty cell; set stores once; a second set leaves its argument alone", "[set_once][contract]") {
  once::SetOnce<test::MoveOnly> cell;
  CHECK_FALSE(cell.has_value());
  CHECK(cell.get() == nullptr);
  CHECK(std::as_const(cell).get() == nullptr);

  test::MoveOnly first(1);
  CHECK(cell.set(std::move(first)));
  CHECK(first.moved_from());
  REQUIRE(cell.has_value());
  CHECK(*cell.get()->value == 1);
  CHECK(std::as_const(cell).get() == cell.get());

  test::MoveOnly second(2);
  CHECK_FALSE(cell.set(std::move(second)));
  CHECK_FALSE(second.moved_from());
  CHECK_FALSE(cell.emplace(3));
  CHECK(*cell.get()->value == 1);
  CHECK(cell.wait().value == cell.get()->value);
}

TEST_CASE("emplace constructs in place, the cell destroys its value", "[set_once][contract]") {
  {
    once::SetOnce<test::Pinned> pinned;
    CHECK(pinned.emplace(7));
    CHECK(pinned.get()->value == 7);
  }
  test::Counted::reset_counts();
  {
    once::SetOnce<test::Counted> counted;
    CHECK(counted.emplace(4));
    CHECK(test::Counted::constructed.load() == 1);
    CHECK(test::Counted::alive.load() == 1);
  }
  CHECK(test::Counted::alive.load() == 0);
  {
    once::SetOnce<test::Counted> never_set;  // no value, nothing destroyed
  }
  CHECK(test::Counted::constructed.load() == 1);
}

namespace {
constinit once::SetOnce<int> global_int;
constinit once::SetOnce<std::string> global_string;
constinit once::SetOnce<void> global_event;
}  // namespace

TEST_CASE("constinit, sizes, not copyable or movable", "[set_once][contract]") {
  STATIC_REQUIRE(sizeof(once::SetOnce<void>) == sizeof(void*));
  STATIC_REQUIRE(sizeof(once::SetOnce<int>) == 2 * sizeof(void*));
  STATIC_REQUIRE(!std::is_copy_constructible_v<once::SetOnce<int>>);
  STATIC_REQUIRE(!std::is_move_constructible_v<once::SetOnce<int>>);
  STATIC_REQUIRE(!std::is_copy_assignable_v<once::SetOnce<void>>);
  CHECK(global_int.set(1));
  CHECK(global_string.set("s"));
  CHECK(global_event.set());
  CHECK(*global_int.get() == 1);
  CHECK(*global_string.get() == "s");
  CHECK(global_event.has_value());
}

TEST_CASE("co_await on a set cell does not suspend", "[set_once][coroutine]") {
  once::SetOnce<int> cell;
  cell.set(5);
  std::atomic<int> result{0};
  std::atomic<int> finished{0};
  std::thread::id resumed_on;
  await_value(cell, result, finished, &resumed_on);
  // Finished before the call returned, on this thread.
  CHECK(finished.load() == 1);
  CHECK(result.load() == 5);
  CHECK(resumed_on == std::this_thread::get_id());

  std::vector<std::coroutine_handle<>> handles;
  await_value_on(cell, RecordingExecutor{&handles}, result, finished);
  CHECK(finished.load() == 2);
  CHECK(handles.empty());  // the executor is not involved when nothing waits
}

TEST_CASE("set resumes suspended coroutines inline, before it returns, oldest first", "[set_once][coroutine]") {
  once::SetOnce<int> cell;
  std::atomic<int> result{0};
  std::atomic<int> finished{0};
  std::thread::id resumed_on;
  await_value(cell, result, finished, &resumed_on);
  std::vector<int> order;
  for (int id = 0; id < 5; ++id) await_in_order(cell, id, order);
  CHECK(finished.load() == 0);
  CHECK(order.empty());

  std::thread setter([&] { cell.set(8); });
  const auto setter_id = setter.get_id();
  setter.join();
  CHECK(finished.load() == 1);
  CHECK(result.load() == 8);
  CHECK(resumed_on == setter_id);
  CHECK(order == std::vector<int>{0, 1, 2, 3, 4});
}

TEST_CASE("async_wait(executor) hands the coroutine to the executor", "[set_once][coroutine][executor]") {
  once::SetOnce<int> cell;
  std::vector<std::coroutine_handle<>> handles;
  std::atomic<int> result{0};
  std::atomic<int> finished{0};
  await_value_on(cell, RecordingExecutor{&handles}, result, finished);
  await_value_on(cell, RecordingExecutor{&handles}, result, finished);
  CHECK(handles.empty());
  cell.set(3);
  // set() called the executor once per waiter and resumed nothing itself.
  REQUIRE(handles.size() == 2);
  CHECK(finished.load() == 0);
  for (auto handle : handles) handle.resume();
  CHECK(finished.load() == 2);
  CHECK(result.load() == 3);
}

TEST_CASE("async_wait(pool executor) resumes on the pool's threads", "[set_once][coroutine][executor]") {
  once::SetOnce<int> cell;
  std::atomic<int> on_pool{0};
  std::atomic<int> finished{0};
  {
    test::ThreadPool pool(2);
    auto waiter = [](once::SetOnce<int>& c, test::ThreadPool& p, std::atomic<int>& on_pool_count,
                     std::atomic<int>& done) -> test::Detached {
      const int value = co_await c.async_wait(p.executor());
      if (value == 6 && p.on_pool_thread()) on_pool_count.fetch_add(1);
      done.fetch_add(1);
    };
    for (int i = 0; i < 10; ++i) waiter(cell, pool, on_pool, finished);
    cell.set(6);
    CHECK(reaches(finished, 10));
  }
  CHECK(on_pool.load() == 10);
}

namespace {
/// Resumes the coroutine on the spot, then uses its own state: that state
/// must not live in the awaiter, which the coroutine destroys as it goes on.
struct InlineExecutorWithState {
  std::unique_ptr<std::string> name = std::make_unique<std::string>(64, 'x');
  std::atomic<int>* calls;
  void operator()(std::coroutine_handle<> handle) const {
    handle.resume();
    if (name->size() == 64) calls->fetch_add(1);  // reads *this after the resume
  }
};
}  // namespace

TEST_CASE("an executor may resume the coroutine before it returns", "[set_once][coroutine][executor]") {
  // Under ASan this fails if the executor is called in place inside the
  // awaiter instead of being moved out first.
  once::SetOnce<int> cell;
  std::atomic<int> calls{0};
  std::atomic<int> result{0};
  std::atomic<int> finished{0};
  for (int i = 0; i < 3; ++i) await_value_on(cell, InlineExecutorWithState{.calls = &calls}, result, finished);
  cell.set(2);
  CHECK(finished.load() == 3);
  CHECK(calls.load() == 3);
  CHECK(result.load() == 2);
}

TEST_CASE("a resumed waiter may destroy the cell: set() does not touch it after", "[set_once][coroutine]") {
  // Under ASan this fails if set() reads the cell after resuming a waiter.
  auto cell = std::make_unique<once::SetOnce<std::string>>();
  std::atomic<int> finished{0};
  auto owner = [](std::unique_ptr<once::SetOnce<std::string>>& c, std::atomic<int>& done) -> test::Detached {
    const std::string value = co_await *c;  // a copy: the cell goes away next
    c.reset();
    if (value == std::string(50, 'v')) done.fetch_add(1);
  };
  owner(cell, finished);
  once::SetOnce<std::string>* raw = cell.get();
  CHECK(raw->set(std::string(50, 'v')));
  CHECK(finished.load() == 1);
  CHECK(cell == nullptr);
}

TEST_CASE("a woken thread may destroy the cell at once", "[set_once][wait]") {
  for (int round = 0; round < 200; ++round) {
    auto* cell = new once::SetOnce<int>;
    std::atomic<int> seen{0};
    std::thread waiter([&] {
      seen = cell->wait();
      delete cell;
    });
    jitter(round);
    cell->set(round + 1);  // must not touch *cell once the waiter can see the value
    waiter.join();
    CHECK(seen.load() == round + 1);
  }
}

TEST_CASE("wait blocks a thread, asleep, until another sets", "[set_once][wait]") {
  once::SetOnce<std::string> cell;
  std::atomic<int> tid{0};
  std::atomic<bool> done{false};
  std::string seen;
  std::thread waiter([&] {
    tid = test::current_tid();
    seen = cell.wait();
    done = true;
  });
  test::wait_for_condition([&] { return tid.load() != 0; });
  CHECK(test::eventually_all_asleep({tid.load()}));
  CHECK_FALSE(done.load());
  cell.set(std::string(45, 'w'));
  waiter.join();
  CHECK(seen == std::string(45, 'w'));
}

#if ONCE_HAS_EXCEPTIONS
namespace {
struct ThrowsOnce {
  static inline std::atomic<int> attempts{0};
  int value;
  explicit ThrowsOnce(int v) : value(v) {
    if (attempts.fetch_add(1) == 0) throw test::Boom{};
  }
};
}  // namespace

TEST_CASE("a constructor that throws leaves the cell empty, its waiters waiting", "[set_once][failure]") {
  once::SetOnce<ThrowsOnce> cell;
  ThrowsOnce::attempts = 0;
  std::atomic<int> finished{0};
  int seen = 0;
  auto waiter = [](once::SetOnce<ThrowsOnce>& c, int& out, std::atomic<int>& done) -> test::Detached {
    out = (co_await c).value;
    done.fetch_add(1);
  };
  waiter(cell, seen, finished);
  CHECK_THROWS_AS(cell.emplace(1), test::Boom);
  CHECK_FALSE(cell.has_value());
  CHECK(finished.load() == 0);  // nobody released without a value
  CHECK(cell.emplace(2));
  CHECK(finished.load() == 1);
  CHECK(seen == 2);
}

TEST_CASE("set or wait from inside the value's constructor throws recursive_init_error", "[set_once][failure]") {
  struct Reentrant {
    explicit Reentrant(once::SetOnce<Reentrant>& cell, int mode) {
      if (mode == 0) cell.set(Reentrant(cell, 2));
      if (mode == 1) cell.wait();
    }
    Reentrant(Reentrant&&) = default;
  };
  once::SetOnce<Reentrant> cell;
  CHECK_THROWS_AS(cell.emplace(cell, 0), once::recursive_init_error);
  CHECK_THROWS_AS(cell.emplace(cell, 1), once::recursive_init_error);
  CHECK_FALSE(cell.has_value());
  CHECK(cell.emplace(cell, 2));
}
#endif

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
  test::wait_for_condition([] { return Gated::entered.load() == 1; });

  std::atomic<int> tid{0};
  std::atomic<int> second_result{-1};
  std::thread second([&] {
    tid = test::current_tid();
    second_result = cell.emplace(2) ? 1 : 0;  // never constructs: the first succeeds
  });
  test::wait_for_condition([&] { return tid.load() != 0; });
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
  test::wait_for_condition([] { return Gated::entered.load() == 1; });
  std::atomic<int> second_result{-1};
  std::atomic<int> tid{0};
  std::thread second([&] {
    tid = test::current_tid();
    second_result = cell.emplace(2) ? 1 : 0;
  });
  test::wait_for_condition([&] { return tid.load() != 0; });
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

// ---- Cancellation ------------------------------------------------------------

#if defined(__cpp_lib_jthread)
namespace {
/// Awaits with a stop token (and an executor, if given); records the result
/// (the value, 0 for nullptr, -1 for a wrong address) and each resumption.
template <class... Executor>
test::Detached await_stoppable(once::SetOnce<int>& cell, std::stop_token token, std::atomic<int>& result,
                               std::atomic<int>& resumed, std::thread::id* resumed_on, Executor... executor) {
  int* value = co_await cell.async_wait(executor..., std::move(token));
  if (resumed_on != nullptr) *resumed_on = std::this_thread::get_id();
  result = value == nullptr ? 0 : (value == cell.get() ? *value : -1);
  resumed.fetch_add(1);
}
}  // namespace

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

// ---- SetOnce<void> -------------------------------------------------------------

TEST_CASE("SetOnce<void>: an event", "[set_once][void]") {
  once::SetOnce<void> event;
  CHECK_FALSE(event.has_value());
  CHECK_FALSE(event.wait_for(0s));
  CHECK_FALSE(event.wait_until(Clock::now() + 5ms));

  std::atomic<int> finished{0};
  auto waiter = [](once::SetOnce<void>& e, std::atomic<int>& done) -> test::Detached {
    co_await e;
    done.fetch_add(1);
  };
  std::vector<std::coroutine_handle<>> handles;
  auto via_executor = [](once::SetOnce<void>& e, RecordingExecutor ex, std::atomic<int>& done) -> test::Detached {
    co_await e.async_wait(ex);
    done.fetch_add(10);
  };
  waiter(event, finished);
  via_executor(event, RecordingExecutor{&handles}, finished);
  std::atomic<int> threads_woken{0};
  std::thread blocked([&] {
    event.wait();
    threads_woken.fetch_add(1);
  });
  std::thread timed([&] {
    if (event.wait_for(1h)) threads_woken.fetch_add(1);
  });
#if defined(__cpp_lib_jthread)
  std::stop_source stop;
  std::atomic<int> cancelled_result{-1};
  std::atomic<int> set_result{-1};
  auto stoppable = [](once::SetOnce<void>& e, std::stop_token token, std::atomic<int>& out) -> test::Detached {
    const bool set = co_await e.async_wait(std::move(token));
    out = set ? 1 : 0;
  };
  stoppable(event, stop.get_token(), cancelled_result);
  stoppable(event, std::stop_token{}, set_result);
  stop.request_stop();
  CHECK(cancelled_result.load() == 0);
#endif
  CHECK(finished.load() == 0);
  CHECK(event.set());
  CHECK_FALSE(event.set());
  blocked.join();
  timed.join();
  CHECK(finished.load() == 1);
  REQUIRE(handles.size() == 1);
  handles[0].resume();
  CHECK(finished.load() == 11);
  CHECK(threads_woken.load() == 2);
#if defined(__cpp_lib_jthread)
  CHECK(set_result.load() == 1);
#endif
  CHECK(event.has_value());
  event.wait();
  CHECK(event.wait_for(-1s));
  CHECK(event.wait_until(Clock::time_point::min()));
}

// ---- Timed waits (the shared guarantees: timed_wait_test.cpp) -------------------

TEST_CASE("a timed-out wait leaves nothing behind", "[set_once][timed]") {
  once::SetOnce<int> cell;
  once::SetOnce<void> event;
  const auto start = Clock::now();
  CHECK(cell.wait_for(5ms) == nullptr);
  CHECK_FALSE(event.wait_for(5ms));
  CHECK(Clock::now() - start >= 10ms);
  // The cells are destroyed here: a node still queued would trip the debug
  // assertion in their destructors.
}

// ---- Races -----------------------------------------------------------------------

TEST_CASE("set racing a waiter on a fresh cell: no wake-up is lost", "[set_once][stress]") {
  const int round_count = test::stress_rounds(100000);
  std::unique_ptr<once::SetOnce<int>[]> cells(new once::SetOnce<int>[static_cast<std::size_t>(round_count)]);
  std::unique_ptr<std::atomic<int>[]> results(new std::atomic<int>[static_cast<std::size_t>(round_count)]);
  std::atomic<int> lost{0};
  std::atomic<int> wrong{0};
  std::atomic<int> finished{0};
  {
    test::ThreadPool pool(1);
    std::barrier sync(2);
    std::thread setter([&] {
      for (int round = 0; round < round_count; ++round) {
        sync.arrive_and_wait();
        jitter(round);
        cells[static_cast<std::size_t>(round)].set(round);
      }
    });
    std::thread waiter([&] {
      for (int round = 0; round < round_count; ++round) {
        auto& cell = cells[static_cast<std::size_t>(round)];
        auto& result = results[static_cast<std::size_t>(round)];
        result = -2;
        sync.arrive_and_wait();
        jitter(round * 7 + 3);
        switch (round % 4) {
          case 0:
            if (const int* value = cell.wait_for(30s)) {
              result = *value;
              finished.fetch_add(1);
            }
            break;
          case 1:
            await_value(cell, result, finished);
            break;
          case 2:
            await_value_on(cell, pool.executor(), result, finished);
            break;
          default: {
#if defined(__cpp_lib_jthread)
            std::stop_source never_stopped;
            await_stoppable(cell, never_stopped.get_token(), result, finished, nullptr);
#else
            if (const int* value = cell.wait_for(30s)) {
              result = *value;
              finished.fetch_add(1);
            }
#endif
            break;
          }
        }
        // The coroutine kinds finish on another thread: wait here, bounded,
        // so that a lost wake-up fails the test instead of hanging it.
        if (!reaches(finished, round + 1, 30s)) {
          lost.fetch_add(1);
          sync.arrive_and_drop();  // let the setter finish alone
          return;
        }
      }
    });
    setter.join();
    waiter.join();
  }
  for (int round = 0; round < round_count; ++round) {
    if (results[static_cast<std::size_t>(round)].load() != round) wrong.fetch_add(1);
  }
  CHECK(lost.load() == 0);
  CHECK(wrong.load() == 0);
  CHECK(finished.load() == round_count);
}

#if defined(__cpp_lib_jthread)
TEST_CASE("stop racing set: each waiter resumes exactly once, with the right result", "[set_once][stress][cancel]") {
  const int round_count = test::stress_rounds(40000);
  struct Round {
    once::SetOnce<int> cell;
    std::stop_source stop;
    std::atomic<int> result{-2};
    std::atomic<int> resumed{0};
  };
  std::unique_ptr<Round[]> rounds(new Round[static_cast<std::size_t>(round_count)]);
  std::atomic<int> total_resumed{0};
  auto waiter = [](Round& r, std::atomic<int>& total, test::ThreadPool* pool) -> test::Detached {
    // Not `pool ? co_await a : co_await b`: GCC 12 evaluates both awaits.
    int* value = nullptr;
    if (pool == nullptr) {
      value = co_await r.cell.async_wait(r.stop.get_token());
    } else {
      value = co_await r.cell.async_wait(pool->executor(), r.stop.get_token());
    }
    r.result = value == nullptr ? -1 : (value == r.cell.get() ? *value : -3);
    r.resumed.fetch_add(1);
    total.fetch_add(1);
  };
  {
    test::ThreadPool pool(1);
    std::barrier sync(3);
    auto start_waiter = [&](int round) {
      waiter(rounds[static_cast<std::size_t>(round)], total_resumed, round % 2 == 0 ? nullptr : &pool);
    };
    std::thread setter([&] {
      for (int round = 0; round < round_count; ++round) {
        sync.arrive_and_wait();
        jitter(round);
        rounds[static_cast<std::size_t>(round)].cell.set(round);
      }
    });
    std::thread stopper([&] {
      for (int round = 0; round < round_count; ++round) {
        sync.arrive_and_wait();
        jitter(round * 5 + 1);
        rounds[static_cast<std::size_t>(round)].stop.request_stop();
      }
    });
    // This thread starts the waiters: half before the race, suspended
    // already; half inside it, so stop and set also hit the registration.
    for (int round = 0; round < round_count; ++round) {
      if (round % 4 < 2) start_waiter(round);
      sync.arrive_and_wait();
      if (round % 4 >= 2) {
        jitter(round * 3 + 2);
        start_waiter(round);
      }
    }
    setter.join();
    stopper.join();
    CHECK(reaches(total_resumed, round_count));
  }
  int resumed_wrongly = 0;
  int wrong_result = 0;
  for (int round = 0; round < round_count; ++round) {
    const Round& r = rounds[static_cast<std::size_t>(round)];
    if (r.resumed.load() != 1) ++resumed_wrongly;
    if (r.result.load() != -1 && r.result.load() != round) ++wrong_result;  // -1: cancelled
  }
  CHECK(resumed_wrongly == 0);
  CHECK(wrong_result == 0);
  CHECK(total_resumed.load() == round_count);
}
#endif

TEST_CASE("10^4 waiters on one cell, threads and coroutines of every kind", "[set_once][stress]") {
  constexpr int kThreads = 32;
  constexpr int kWaiters = 10000;
  constexpr int kCoroutines = kWaiters - kThreads;
  once::SetOnce<std::string> cell;
  const std::string expected(48, 'z');
  std::atomic<int> thread_tids_ready{0};
  std::atomic<int> resumed{0};
  std::atomic<int> wrong{0};
  std::atomic<int> cancelled{0};
  std::vector<std::atomic<int>> resumptions(kCoroutines);
  {
    test::ThreadPool pool(2);
    // The blocking threads and two threads that start the coroutines are
    // released together: waiters of every kind join the list at once.
    constexpr int kSpawners = 2;
    std::barrier start(kThreads + kSpawners + 1);
    std::vector<std::thread> threads;
    for (int i = 0; i < kThreads; ++i) {
      threads.emplace_back([&, i] {
        start.arrive_and_wait();
        thread_tids_ready.fetch_add(1);
        const std::string* value = i % 2 == 0 ? &cell.wait() : cell.wait_for(1h);
        if (value == nullptr || *value != expected) wrong.fetch_add(1);
        resumed.fetch_add(1);
      });
    }
#if defined(__cpp_lib_jthread)
    std::vector<std::stop_source> stops(kCoroutines);
#endif
    auto plain = [](once::SetOnce<std::string>& c, const std::string& want, std::atomic<int>& count,
                    std::atomic<int>& bad, std::atomic<int>& mine) -> test::Detached {
      if (co_await c != want) bad.fetch_add(1);
      mine.fetch_add(1);
      count.fetch_add(1);
    };
    auto pooled = [](once::SetOnce<std::string>& c, test::ThreadPool& p, const std::string& want,
                     std::atomic<int>& count, std::atomic<int>& bad, std::atomic<int>& mine) -> test::Detached {
      if (co_await c.async_wait(p.executor()) != want) bad.fetch_add(1);
      mine.fetch_add(1);
      count.fetch_add(1);
    };
#if defined(__cpp_lib_jthread)
    auto stoppable = [](once::SetOnce<std::string>& c, test::ThreadPool* p, std::stop_token token,
                        const std::string& want, std::atomic<int>& count, std::atomic<int>& bad, std::atomic<int>& mine,
                        std::atomic<int>& stopped) -> test::Detached {
      const std::string* value = nullptr;
      if (p == nullptr) {
        value = co_await c.async_wait(std::move(token));
      } else {
        value = co_await c.async_wait(p->executor(), std::move(token));
      }
      if (value == nullptr) {
        stopped.fetch_add(1);
      } else if (*value != want) {
        bad.fetch_add(1);
      }
      mine.fetch_add(1);
      count.fetch_add(1);
    };
#endif
    auto spawn = [&](int i) {
      auto& mine = resumptions[static_cast<std::size_t>(i)];
      switch (i % 4) {
        case 0:
          plain(cell, expected, resumed, wrong, mine);
          break;
        case 1:
          pooled(cell, pool, expected, resumed, wrong, mine);
          break;
#if defined(__cpp_lib_jthread)
        case 2:
          stoppable(cell, nullptr, stops[static_cast<std::size_t>(i)].get_token(), expected, resumed, wrong, mine,
                    cancelled);
          break;
        default:
          stoppable(cell, &pool, stops[static_cast<std::size_t>(i)].get_token(), expected, resumed, wrong, mine,
                    cancelled);
          break;
#else
        default:
          plain(cell, expected, resumed, wrong, mine);
          break;
#endif
      }
    };
    std::vector<std::thread> spawners;
    for (int first = 0; first < kSpawners; ++first) {
      spawners.emplace_back([&, first] {
        start.arrive_and_wait();
        for (int i = first; i < kCoroutines; i += kSpawners) spawn(i);
      });
    }
    start.arrive_and_wait();
    for (auto& spawner : spawners) spawner.join();  // every coroutine is suspended on the cell now
    test::wait_for_condition([&] { return thread_tids_ready.load() == kThreads; });
    // Cancel every 10th stoppable waiter before the set, and every 10th
    // (offset by 5) from another thread while the set runs.
    int cancelled_before = 0;
#if defined(__cpp_lib_jthread)
    for (int i = 2; i < kCoroutines; i += 40) {
      stops[static_cast<std::size_t>(i)].request_stop();
      stops[static_cast<std::size_t>(i + 1 < kCoroutines ? i + 1 : i)].request_stop();
      cancelled_before += i + 1 < kCoroutines ? 2 : 1;
    }
    std::thread canceller([&] {
      for (int i = 22; i < kCoroutines; i += 40) stops[static_cast<std::size_t>(i)].request_stop();
    });
#endif
    std::thread setter([&] { cell.set(expected); });
    setter.join();
#if defined(__cpp_lib_jthread)
    canceller.join();
#endif
    for (auto& thread : threads) thread.join();
    CHECK(reaches(resumed, kWaiters));
    CHECK(cancelled.load() >= cancelled_before);
  }
  CHECK(resumed.load() == kWaiters);
  CHECK(wrong.load() == 0);
  int not_once = 0;
  for (auto& count : resumptions) not_once += count.load() == 1 ? 0 : 1;
  CHECK(not_once == 0);
}

TEST_CASE("a 100k-link chain of waiters resumed through an executor: constant stack depth", "[set_once][stress]") {
  // Waiter i awaits cell i and then sets cell i+1. Resumed inline, each link
  // would nest one more set() on the stack and overflow it; through the
  // executor, each link runs from the pool's loop.
  constexpr int kLinks = 100000;
  std::unique_ptr<once::SetOnce<int>[]> cells(new once::SetOnce<int>[kLinks + 1]);
  std::atomic<int> links_run{0};
  auto link = [](once::SetOnce<int>* chain, int i, test::ThreadPool::Executor executor,
                 std::atomic<int>& count) -> test::Detached {
    const int value = co_await chain[i].async_wait(executor);
    count.fetch_add(1, std::memory_order_relaxed);
    chain[i + 1].set(value + 1);
  };
  {
    test::ThreadPool pool(2);
    for (int i = 0; i < kLinks; ++i) link(cells.get(), i, pool.executor(), links_run);
    cells[0].set(0);
    const int* last = cells[kLinks].wait_for(120s);
    REQUIRE(last != nullptr);
    CHECK(*last == kLinks);
  }
  CHECK(links_run.load() == kLinks);
}

TEST_CASE("racing setters: exactly one stores, every waiter sees its value", "[set_once][stress][concurrent_set]") {
  const int round_count = test::stress_rounds(2000);
  constexpr int kSetters = 4;
  int bad_rounds = 0;
  for (int round = 0; round < round_count; ++round) {
    once::SetOnce<std::string> cell;
    std::barrier start(kSetters + 1);
    std::atomic<int> winners{0};
    std::atomic<int> winner_id{-1};
    std::atomic<int> waiter_saw{-1};
    std::atomic<int> finished{0};
    auto waiter = [](once::SetOnce<std::string>& c, std::atomic<int>& saw, std::atomic<int>& done) -> test::Detached {
      const std::string& value = co_await c;
      saw = value.size() == 40 ? value[0] - 'a' : -2;
      done.fetch_add(1);
    };
    waiter(cell, waiter_saw, finished);
    std::vector<std::thread> setters;
    for (int i = 0; i < kSetters; ++i) {
      setters.emplace_back([&, i] {
        start.arrive_and_wait();
        jitter(round + i * 11);
        std::string mine(40, static_cast<char>('a' + i));
        if (cell.set(std::move(mine))) {
          winners.fetch_add(1);
          winner_id = i;
        } else if (mine.size() != 40 || !cell.has_value()) {
          winners.fetch_add(100);  // moved from though it lost, or false without a value
        }
      });
    }
    start.arrive_and_wait();
    for (auto& setter : setters) setter.join();
    if (winners.load() != 1 || finished.load() != 1 || waiter_saw.load() != winner_id.load()) ++bad_rounds;
  }
  CHECK(bad_rounds == 0);
}

#if ONCE_HAS_EXCEPTIONS
TEST_CASE("racing setters whose constructors throw at random", "[set_once][stress][concurrent_set]") {
  struct Flaky {
    int value;
    Flaky(int v, bool fail) : value(v) {
      if (fail) throw test::Boom{};
    }
  };
  const int round_count = test::stress_rounds(2000);
  constexpr int kSetters = 4;
  int bad_rounds = 0;
  for (int round = 0; round < round_count; ++round) {
    once::SetOnce<Flaky> cell;
    std::barrier start(kSetters + 1);
    std::atomic<int> winners{0};
    std::atomic<int> waiter_saw{-1};
    std::atomic<int> finished{0};
    auto waiter = [](once::SetOnce<Flaky>& c, std::atomic<int>& saw, std::atomic<int>& done) -> test::Detached {
      saw = (co_await c).value;
      done.fetch_add(1);
    };
    waiter(cell, waiter_saw, finished);
    std::vector<std::thread> setters;
    for (int i = 0; i < kSetters; ++i) {
      const bool fail = ((round >> i) & 1) != 0 && i != 0;  // setter 0 never fails
      setters.emplace_back([&, i, fail] {
        start.arrive_and_wait();
        jitter(round + i * 13);
        try {
          if (cell.emplace(i, fail)) winners.fetch_add(1);
        } catch (const test::Boom&) {
        }
      });
    }
    start.arrive_and_wait();
    for (auto& setter : setters) setter.join();
    const Flaky* value = cell.get();
    if (winners.load() != 1 || value == nullptr || finished.load() != 1 || waiter_saw.load() != value->value) {
      ++bad_rounds;
    }
  }
  CHECK(bad_rounds == 0);
}
#endif

// ---- Precondition: no waiters at destruction -------------------------------------

#if ONCE_TEST_CAN_FORK && defined(ONCE_ENABLE_ASSERTS) && ONCE_ENABLE_ASSERTS
TEST_CASE("destroying a cell with a suspended waiter asserts (debug builds)", "[set_once][assert]") {
  const test::Death death = test::die_in_child([] {
    auto* cell = new once::SetOnce<int>;
    std::atomic<int> result{0};
    std::atomic<int> finished{0};
    await_value(*cell, result, finished);
    delete cell;  // must abort here
  });
  CHECK(death.aborted);
  CHECK(death.stderr_text.find("must not be destroyed while coroutines or threads wait on it") != std::string::npos);
}
#endif
