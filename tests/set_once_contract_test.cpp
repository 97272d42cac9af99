// SetOnce<T> and SetOnce<void>: the contract, failing constructors, reentrancy, preconditions.
// SPDX-License-Identifier: MIT
//
// The contract: storing, in-place, take, const waits, sizes, constinit.
//
// Catch2's macros are not thread-safe: worker threads and coroutines record
// what they saw in atomics, and the test body checks them after joining.
#include <atomic>
#include <barrier>
#include <chrono>
#include <coroutine>
#include <cstddef>
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
  // What a waiting coroutine's frame carries: the node (two links, the wake
  // function and the coroutine's handle, then 8 bytes of place and flags) and
  // one pointer to the cell, through which the value is reached; padded to
  // the awaiter's alignment (8 on 32-bit ARM, where the sum is 28).
  using IntAwaiter = decltype(std::declval<once::SetOnce<int>&>().operator co_await());
  using EventAwaiter = decltype(std::declval<const once::SetOnce<void>&>().operator co_await());
  constexpr auto padded = [](std::size_t bytes, std::size_t align) { return (bytes + align - 1) / align * align; };
  STATIC_REQUIRE(sizeof(IntAwaiter) == padded(5 * sizeof(void*) + 8, alignof(IntAwaiter)));
  STATIC_REQUIRE(sizeof(EventAwaiter) == padded(5 * sizeof(void*) + 8, alignof(EventAwaiter)));
  STATIC_REQUIRE(sizeof(once::SetOnce<int>::Claim) == 2 * sizeof(void*));
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

// ---- Precondition: no waiters at destruction -------------------------------------

#if ONCE_TEST_CAN_FORK && defined(ONCE_ENABLE_ASSERTS) && ONCE_ENABLE_ASSERTS
TEST_CASE("destroying a cell with a suspended coroutine asserts (debug builds)", "[set_once][assert]") {
  // SetOnce<std::string> has a destructor; SetOnce<int> has none (see the
  // constinit test below), so there is nothing to check in.
  const test::Death death = test::die_in_child([] {
    auto* cell = new once::SetOnce<std::string>;
    auto waiter = [](once::SetOnce<std::string>& c) -> test::Detached { co_await c; };
    waiter(*cell);
    delete cell;  // must abort here
  });
  CHECK(death.aborted);
  CHECK(death.stderr_text.find("must not be destroyed while coroutines wait on it") != std::string::npos);
}
#endif

// ---- 1.1: in place, take, const, rvalues ------------------------------------------

namespace {
constexpr once::SetOnce<int>* no_cell = nullptr;
constinit once::SetOnce<int> born_full(std::in_place, 42);
constinit once::SetOnce<void> born_set(std::in_place);

template <class Cell>
concept awaits_rvalue = requires(Cell&& cell) {
  std::forward<Cell>(cell).operator co_await();
};
template <class Cell>
concept async_waits_rvalue = requires(Cell&& cell) {
  std::forward<Cell>(cell).async_wait(test::InlineExecutor{});
};
template <class Cell>
concept claims_rvalue = requires(Cell&& cell) {
  std::forward<Cell>(cell).claim();
};
template <class Cell>
concept inits_rvalue = requires(Cell&& cell) {
  std::forward<Cell>(cell).get_or_init([] { return 1; });
};
}  // namespace

TEST_CASE("SetOnce(in_place, args...) is full from the start, constinit", "[set_once][contract]") {
  CHECK(born_full.has_value());
  CHECK(*born_full.get() == 42);
  CHECK(born_full.wait() == 42);
  CHECK_FALSE(born_full.set(1));
  CHECK(born_set.has_value());
  once::SetOnce<std::string> text(std::in_place, std::size_t{3}, 'x');
  CHECK(*text.get() == "xxx");
  static_cast<void>(no_cell);
}

TEST_CASE("take() empties the cell, which can be set again", "[set_once][contract]") {
  once::SetOnce<test::MoveOnly> cell;
  CHECK_FALSE(cell.take().has_value());
  CHECK(cell.emplace(5));
  std::optional<test::MoveOnly> out = cell.take();
  REQUIRE(out.has_value());
  CHECK(*out->value == 5);
  CHECK_FALSE(cell.has_value());
  CHECK(cell.emplace(6));
  CHECK(*cell.get()->value == 6);
}

TEST_CASE("waits on a temporary are deleted, const ones too; const waits yield const", "[set_once][contract]") {
  using Cell = once::SetOnce<int>;
  STATIC_REQUIRE(awaits_rvalue<Cell&>);
  STATIC_REQUIRE(!awaits_rvalue<Cell>);
  STATIC_REQUIRE(!awaits_rvalue<const Cell>);
  STATIC_REQUIRE(async_waits_rvalue<const Cell&>);
  STATIC_REQUIRE(!async_waits_rvalue<Cell>);
  STATIC_REQUIRE(!async_waits_rvalue<const Cell>);
  STATIC_REQUIRE(claims_rvalue<Cell&>);
  STATIC_REQUIRE(!claims_rvalue<Cell>);
  STATIC_REQUIRE(!claims_rvalue<const Cell>);
  STATIC_REQUIRE(!claims_rvalue<const Cell&>);  // claiming is mutation
  STATIC_REQUIRE(inits_rvalue<Cell&>);
  STATIC_REQUIRE(!inits_rvalue<Cell>);
  STATIC_REQUIRE(!inits_rvalue<const Cell>);
  STATIC_REQUIRE(!awaits_rvalue<once::SetOnce<void>>);
  STATIC_REQUIRE(!claims_rvalue<once::SetOnce<void>>);
  STATIC_REQUIRE(std::is_same_v<decltype(std::declval<const Cell&>().operator co_await().await_resume()), const int&>);
  STATIC_REQUIRE(std::is_same_v<decltype(std::declval<Cell&>().operator co_await().await_resume()), int&>);
  STATIC_REQUIRE(!std::is_copy_constructible_v<Cell::Claim> && std::is_move_constructible_v<Cell::Claim>);
  STATIC_REQUIRE(!std::is_move_assignable_v<Cell::Claim>);
}

TEST_CASE("trivially destructible when T is", "[set_once][contract]") {
  STATIC_REQUIRE(std::is_trivially_destructible_v<once::SetOnce<int>>);
  STATIC_REQUIRE(std::is_trivially_destructible_v<once::SetOnce<void>>);
  STATIC_REQUIRE(!std::is_trivially_destructible_v<once::SetOnce<std::string>>);
}
