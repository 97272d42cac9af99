// SetOnce: coroutine waiters: where and in which order they resume.
// SPDX-License-Identifier: MIT
//
// Inline or through executors, and how deep inline resumption may nest.
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
    CHECK(test::eventually([&] { return finished.load() >= 10; }));
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
