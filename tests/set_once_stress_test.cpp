// SetOnce: races between set, wait, stop and claims, many rounds.
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
        if (!test::eventually([&] { return finished.load() >= round + 1; }, 30s)) {
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
    CHECK(test::eventually([&] { return total_resumed.load() >= round_count; }));
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
    CHECK(test::eventually([&] { return thread_tids_ready.load() == kThreads; }));
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
    CHECK(test::eventually([&] { return resumed.load() >= kWaiters; }));
    CHECK(cancelled.load() >= cancelled_before);
  }
  CHECK(resumed.load() == kWaiters);
  CHECK(wrong.load() == 0);
  int not_once = 0;
  for (auto& count : resumptions) not_once += count.load() == 1 ? 0 : 1;
  CHECK(not_once == 0);
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

#if defined(__cpp_lib_jthread)
namespace {

/// One round of the claim race: what each party saw.
struct ClaimRound {
  std::optional<once::SetOnce<int>> cell;
  std::optional<std::stop_source> stop;
  std::atomic<int> claimant{0};        // resumptions of the claiming coroutine
  std::atomic<int> claim_outcome{-1};  // 0 cancelled, 1 held (and set 1), 2 saw the value
  std::atomic<int> thread_set{-1};     // the thread's set(2): 1 stored, 0 declined
  std::atomic<int> waiter{0};          // resumptions of the stoppable value waiter
  std::atomic<int> waiter_saw{-1};     // 0 cancelled, else the value
  std::atomic<int> plain{0};           // resumptions of the plain waiter
  std::atomic<int> plain_saw{-1};
};

test::Detached claim_and_set(ClaimRound& round) {
  auto claim = co_await round.cell->claim(round.stop->get_token());
  if (claim) {
    claim.set(1);
    round.claim_outcome = 1;
  } else {
    round.claim_outcome = claim.cancelled() ? 0 : 2;
  }
  round.claimant.fetch_add(1);
}

test::Detached stoppable_waiter(ClaimRound& round) {
  const int* value = co_await round.cell->async_wait(round.stop->get_token());
  round.waiter_saw = value == nullptr ? 0 : *value;
  round.waiter.fetch_add(1);
}

test::Detached plain_waiter(ClaimRound& round) {
  round.plain_saw = co_await *round.cell;
  round.plain.fetch_add(1);
}

}  // namespace

TEST_CASE("claim, cancel and set race: one value, every waiter resumed once", "[set_once][stress][claim]") {
  const int round_count = test::stress_rounds(100000);
  ClaimRound round;
  int bad_rounds = 0;
  int held_rounds = 0;
  int cancelled_rounds = 0;
  const auto check = [&] {
    const int value = *round.cell->get();
    bool ok = round.claimant.load() == 1 && round.waiter.load() == 1 && round.plain.load() == 1;
    ok = ok && (value == 1 || value == 2) && round.plain_saw.load() == value;
    ok = ok && (round.waiter_saw.load() == 0 || round.waiter_saw.load() == value);
    ok = ok && (round.claim_outcome.load() == 1) == (value == 1);  // the claimant set 1 iff it held
    ok = ok && (round.thread_set.load() == 1) == (value == 2);
    bad_rounds += ok ? 0 : 1;
    held_rounds += round.claim_outcome.load() == 1 ? 1 : 0;
    cancelled_rounds += round.claim_outcome.load() == 0 ? 1 : 0;
  };
  test::run_rounds(
      3, round_count,
      [&](int index) {
        if (index > 0) check();
        round.cell.reset();
        round.cell.emplace();
        round.stop.emplace();
        round.claimant = 0;
        round.claim_outcome = -1;
        round.thread_set = -1;
        round.waiter = 0;
        round.waiter_saw = -1;
        round.plain = 0;
        round.plain_saw = -1;
      },
      [&](int index, int thread) {
        jitter(index * 3 + thread);
        switch (thread) {
          case 0:
            plain_waiter(round);
            claim_and_set(round);
            break;
          case 1:
            stoppable_waiter(round);
            round.stop->request_stop();
            break;
          default:
            round.thread_set = round.cell->set(2) ? 1 : 0;
            break;
        }
      });
  CHECK(bad_rounds == 0);
  // Not assertions about the scheduler, just a record that the race went both ways.
  INFO("rounds where the coroutine held the claim: " << held_rounds
                                                     << ", where it was cancelled: " << cancelled_rounds);
  CHECK(held_rounds + cancelled_rounds <= round_count);
}

TEST_CASE("claim handover races: a failing holder, claim waiters, a thread set()", "[set_once][stress][claim]") {
  // The coroutine claims and fails (dropping the claim) while a thread's set()
  // and a coroutine get_or_init wait for it: exactly one of them stores.
  const int round_count = test::stress_rounds(20000);
  std::optional<once::SetOnce<int>> cell;
  std::atomic<int> inits{0};
  std::atomic<int> thread_stored{0};
  std::atomic<int> resumed{0};
  int bad_rounds = 0;
  test::run_rounds(
      2, round_count,
      [&](int index) {
        if (index > 0) {
          const int value = *cell->get();
          const bool ok = resumed.load() == 2 && inits.load() + thread_stored.load() == 1 &&
                          (value == 3) == (thread_stored.load() == 1) && (value == 4) == (inits.load() == 1);
          bad_rounds += ok ? 0 : 1;
        }
        cell.reset();
        cell.emplace();
        inits = 0;
        thread_stored = 0;
        resumed = 0;
      },
      [&](int index, int thread) {
        jitter(index + thread);
        if (thread == 0) {
          [](once::SetOnce<int>& c, std::atomic<int>& n) -> test::Detached {
            { auto claim = co_await c.claim(); }  // dropped: hands over if it held it
            n.fetch_add(1);
          }(*cell, resumed);
          [](once::SetOnce<int>& c, std::atomic<int>& calls, std::atomic<int>& n) -> test::Detached {
            co_await c.get_or_init([&] {
              calls.fetch_add(1);
              return 4;
            });
            n.fetch_add(1);
          }(*cell, inits, resumed);
        } else {
          if (cell->set(3)) thread_stored = 1;
        }
      });
  CHECK(bad_rounds == 0);
}
#endif
