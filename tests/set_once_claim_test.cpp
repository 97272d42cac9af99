// SetOnce: the claim on constructing the value: concurrent setters, claims
// and get_or_init, handover after a failure, and its FIFO order.
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
