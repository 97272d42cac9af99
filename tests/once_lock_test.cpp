// OnceLock: what the shared contract does not cover: blocking, waiting and failure under contention.
// SPDX-License-Identifier: MIT
//
// Timed waits: timed_wait_test.cpp.
#include <atomic>
#include <barrier>
#include <chrono>
#include <latch>
#include <string>
#include <thread>
#include <vector>

#include <once/once_lock.hpp>

#include "catch.hpp"
#include "test_types.hpp"
#include "threads.hpp"

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

TEST_CASE("concurrent callers sleep while one initializer runs", "[once_lock][blocking]") {
  once::OnceLock<std::string> cell;
  std::latch initializer_entered(1);
  std::latch release_initializer(1);
  std::atomic<int> initializer_calls{0};
  std::atomic<int> returned{0};
  std::atomic<int> wrong_values{0};

  auto call = [&](bool holder) {
    const std::string& value = cell.get_or_init([&] {
      initializer_calls.fetch_add(1);
      if (holder) {
        initializer_entered.count_down();
        release_initializer.wait();
      }
      return std::string(holder ? "held" : "other");
    });
    if (value != "held") wrong_values.fetch_add(1);
    returned.fetch_add(1);
  };

  std::thread holder(call, true);
  initializer_entered.wait();

  constexpr int kWaiters = 3;
  std::vector<std::thread> waiters;
  std::vector<int> tids(kWaiters);
  std::atomic<int> started{0};
  for (int i = 0; i < kWaiters; ++i) {
    waiters.emplace_back([&, i] {
      tids[static_cast<std::size_t>(i)] = test::current_tid();
      started.fetch_add(1);
      call(false);
    });
  }
  CHECK(test::eventually([&] { return started.load() == kWaiters; }));

  // Blocked, and asleep in the kernel rather than spinning.
  CHECK(test::eventually_all_asleep(tids));
  CHECK(initializer_calls.load() == 1);
  CHECK(returned.load() == 0);

  if constexpr (test::kCanObserveThreads && test::kWaitersSleep) {
    std::vector<std::chrono::nanoseconds> before;
    for (auto& waiter : waiters) before.push_back(test::cpu_time(waiter));
    std::this_thread::sleep_for(200ms);
    for (std::size_t i = 0; i < waiters.size(); ++i) {
      // A sleeping thread uses next to no CPU; a spinning one would use much of the 200 ms.
      CHECK(test::cpu_time(waiters[i]) - before[i] < 20ms);
    }
  }
  CHECK(returned.load() == 0);

  release_initializer.count_down();
  holder.join();
  for (auto& waiter : waiters) waiter.join();
  CHECK(initializer_calls.load() == 1);
  CHECK(returned.load() == kWaiters + 1);
  CHECK(wrong_values.load() == 0);
}

TEST_CASE("set and try_emplace wait for a running initializer, then decline", "[once_lock][blocking]") {
  once::OnceLock<int> cell;
  std::latch entered(1);
  std::latch release(1);
  std::thread holder([&] {
    cell.get_or_init([&] {
      entered.count_down();
      release.wait();
      return 1;
    });
  });
  entered.wait();

  std::atomic<int> set_result{-1};
  std::atomic<int> emplace_result{-1};
  std::atomic<int> tids[2] = {0, 0};
  std::thread setter([&] {
    tids[0] = test::current_tid();
    set_result = cell.set(2) ? 1 : 0;
  });
  std::thread emplacer([&] {
    tids[1] = test::current_tid();
    emplace_result = cell.try_emplace(3).second ? 1 : 0;
  });
  CHECK(test::eventually([&] { return tids[0].load() != 0 && tids[1].load() != 0; }));
  CHECK(test::eventually_all_asleep({tids[0].load(), tids[1].load()}));
  CHECK(set_result.load() == -1);
  CHECK(emplace_result.load() == -1);

  release.count_down();
  holder.join();
  setter.join();
  emplacer.join();
  CHECK(set_result.load() == 0);
  CHECK(emplace_result.load() == 0);
  CHECK(*cell.get() == 1);
}

TEST_CASE("wait returns the value another thread sets", "[once_lock][wait]") {
  once::OnceLock<std::string> cell;
  std::atomic<int> tid{0};
  std::string seen;
  std::thread waiter([&] {
    tid = test::current_tid();
    seen = cell.wait();
  });
  CHECK(test::eventually([&] { return tid.load() != 0; }));
  CHECK(test::eventually_all_asleep({tid.load()}));
  CHECK(cell.set(std::string("ready")));
  waiter.join();
  CHECK(seen == "ready");

  const once::OnceLock<std::string>& const_cell = cell;
  CHECK(&const_cell.wait() == cell.get());  // already set: returns at once
}

#if ONCE_HAS_EXCEPTIONS
TEST_CASE("a sleeping caller takes over when the initializer throws", "[once_lock][failure]") {
  once::OnceLock<int> cell;
  std::latch entered(1);
  std::latch release(1);
  std::atomic<bool> holder_caught{false};
  std::thread holder([&] {
    try {
      cell.get_or_init([&]() -> int {
        entered.count_down();
        release.wait();
        throw test::Boom{};
      });
    } catch (const test::Boom&) {
      holder_caught = true;
    }
  });
  entered.wait();

  std::atomic<int> tid{0};
  std::atomic<int> taker_calls{0};
  std::atomic<int> taker_value{0};
  std::thread taker([&] {
    tid = test::current_tid();
    taker_value = cell.get_or_init([&] {
      taker_calls.fetch_add(1);
      return 2;
    });
  });
  CHECK(test::eventually([&] { return tid.load() != 0; }));
  CHECK(test::eventually_all_asleep({tid.load()}));
  CHECK(taker_calls.load() == 0);

  release.count_down();
  holder.join();
  taker.join();
  CHECK(holder_caught.load());
  CHECK(taker_calls.load() == 1);
  CHECK(taker_value.load() == 2);
  CHECK(*cell.get() == 2);
}

TEST_CASE("throwing initializers under contention: one success, every failure reported once", "[once_lock][failure]") {
  constexpr int kThreads = 8;
  constexpr int kFailures = 5;  // the first five initializer runs throw
  test::Counted::reset_counts();
  {
    once::OnceLock<test::Counted> cell;
    std::barrier start(kThreads);
    std::atomic<int> runs{0};
    std::atomic<int> caught{0};
    std::atomic<int> wrong_values{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&] {
        start.arrive_and_wait();
        for (;;) {
          try {
            const test::Counted& value = cell.get_or_init([&] {
              const int run = runs.fetch_add(1);
              if (run < kFailures) throw test::Boom{};
              return test::Counted(run);
            });
            if (value.value != kFailures) wrong_values.fetch_add(1);
            return;
          } catch (const test::Boom&) {
            caught.fetch_add(1);  // and try again
          }
        }
      });
    }
    for (auto& thread : threads) thread.join();
    CHECK(runs.load() == kFailures + 1);
    CHECK(caught.load() == kFailures);
    CHECK(wrong_values.load() == 0);
    CHECK(test::Counted::alive.load() == 1);
  }
  CHECK(test::Counted::alive.load() == 0);
}
#endif
