// SetOnce: blocked threads: plain, timed and stop-token waits.
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
