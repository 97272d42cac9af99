// SetOnce: blocked threads: plain, timed and stop-token waits.
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
  CHECK(test::eventually([&] { return tid.load() != 0; }));
  CHECK(test::eventually_all_asleep({tid.load()}));
  CHECK_FALSE(done.load());
  cell.set(std::string(45, 'w'));
  waiter.join();
  CHECK(seen == std::string(45, 'w'));
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

TEST_CASE("many blocked threads: one set() wakes them all", "[set_once][wait]") {
  // They sleep on the cell's own word, woken together by one system call.
  once::SetOnce<int> cell;
  once::SetOnce<void> event;
  constexpr int kThreads = 8;
  std::vector<std::atomic<int>> tids(kThreads);
  std::atomic<int> woken{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      tids[static_cast<std::size_t>(i)] = test::current_tid();
      const int* value = i % 2 == 0 ? &cell.wait() : cell.wait_for(1h);
      if (i % 3 == 0) event.wait();
      if (value != nullptr && *value == 11) woken.fetch_add(1);
    });
  }
  std::vector<int> all;
  for (auto& tid : tids) {
    CHECK(test::eventually([&] { return tid.load() != 0; }));
    all.push_back(tid.load());
  }
  CHECK(test::eventually_all_asleep(all));
  cell.set(11);
  event.set();
  for (auto& thread : threads) thread.join();
  CHECK(woken.load() == kThreads);
}

TEST_CASE("a const SetOnce can be waited on", "[set_once][wait][const]") {
  once::SetOnce<int> cell;
  const auto& view = cell;
  std::atomic<const int*> seen{nullptr};
  std::thread waiter([&] { seen = &view.wait(); });
  cell.set(4);
  waiter.join();
  CHECK(seen.load() == cell.get());
  CHECK(view.wait_for(0s) == cell.get());
  CHECK(view.wait_until(Clock::now()) == cell.get());
  STATIC_REQUIRE(std::is_same_v<decltype(view.wait()), const int&>);
  STATIC_REQUIRE(std::is_same_v<decltype(view.wait_for(1s)), const int*>);
}

#if defined(__cpp_lib_jthread)
TEST_CASE("wait(stop_token): the value, or nullptr promptly after request_stop", "[set_once][wait][cancel]") {
  SECTION("stopped while asleep: woken by the stop callback, not by polling") {
    once::SetOnce<int> cell;
    std::stop_source stop;
    std::atomic<int> tid{0};
    std::atomic<int> outcome{-1};
    std::thread waiter([&] {
      tid = test::current_tid();
      outcome = cell.wait(stop.get_token()) == nullptr ? 0 : 1;
    });
    CHECK(test::eventually([&] { return tid.load() != 0; }));
    CHECK(test::eventually_all_asleep({tid.load()}));
    stop.request_stop();
    waiter.join();
    CHECK(outcome.load() == 0);
    CHECK(cell.set(1));  // the stopped node is gone from the list
  }
  SECTION("set while asleep") {
    once::SetOnce<void> event;
    std::stop_source stop;
    std::atomic<int> outcome{-1};
    std::thread waiter([&] { outcome = event.wait(stop.get_token()) ? 1 : 0; });
    event.set();
    waiter.join();
    stop.request_stop();
    CHECK(outcome.load() == 1);
  }
  SECTION("stop requested before: no blocking; the value wins if there") {
    once::SetOnce<int> cell;
    std::stop_source stop;
    stop.request_stop();
    CHECK(cell.wait(stop.get_token()) == nullptr);
    cell.set(2);
    CHECK(*cell.wait(stop.get_token()) == 2);
    CHECK(*std::as_const(cell).wait(std::stop_token{}) == 2);
  }
}
#endif

TEST_CASE("a thread blocked on a constinit global SetOnce at exit does not abort", "[set_once][wait][exit]") {
#if ONCE_TEST_CAN_FORK
  const test::Death death = test::die_in_child([] {
    static constinit once::SetOnce<int> global_int;
    static constinit once::SetOnce<void> global_event;
    std::thread([] { global_int.wait(); }).detach();
    std::thread([] { global_event.wait(); }).detach();
    std::this_thread::sleep_for(20ms);
    std::exit(0);  // static destructors run; the threads are still blocked
  });
  CHECK_FALSE(death.aborted);
  CHECK(death.stderr_text.empty());
#endif
}
