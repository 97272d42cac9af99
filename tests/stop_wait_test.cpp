// wait(stop_token) on OnceLock, OnceShared and OnceFlag: a stop request wakes a blocked waiter.
// SPDX-License-Identifier: MIT
//
// wait(stop_token) on OnceLock, OnceShared and OnceFlag: a stop request wakes
// a blocked waiter (which then returns "stopped"), the value wins over a stop
// once it is there, and a token that can never stop is a plain wait. Run with
// std::stop_token where the standard library has it, and everywhere with the
// tests' own token type (tests/support/stop.hpp), which reaches the same code
// through the concept's `callback_type` branch.
//
// Promptness is shown, not timed: the waiter is asleep in the kernel before
// the request and returns after it, with no value set, so the stop callback
// is what woke it (there is no periodic re-check that could).
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <thread>
#include <vector>
#include <version>

#if defined(__cpp_lib_jthread)
#include <stop_token>
#endif

#include <once/call_once.hpp>
#include <once/once_lock.hpp>
#include <once/once_shared.hpp>

#include "catch.hpp"
#include "stop.hpp"
#include "threads.hpp"

namespace {

constexpr int kValue = 42;

// Each case: `wait(token)` true when it returned the value, false when
// stopped (and it checks that a returned value is the right one).
struct LockCase {
  once::OnceLock<int> cell;
  template <class Token>
  int wait(const Token& token) {
    const int* value = cell.wait(token);
    return value == nullptr ? 0 : *value == kValue ? 1 : -1;
  }
  void set() { cell.set(kValue); }
};

struct SharedCase {
  once::OnceShared<int> slot;
  template <class Token>
  int wait(const Token& token) {
    const int* value = slot.wait(token);
    return value == nullptr ? 0 : *value == kValue ? 1 : -1;
  }
  void set() { slot.store(std::make_shared<int>(kValue)); }
};

struct FlagCase {
  once::OnceFlag flag;
  template <class Token>
  int wait(const Token& token) {
    return flag.wait(token) ? 1 : 0;
  }
  void set() {
    once::call_once(flag, [] {});
  }
};

template <class Case, class Source>
struct Combo {
  using case_type = Case;
  using source_type = Source;
};

/// Starts a thread that waits on `c` with `token` and records the result;
/// returns once that thread is asleep in the kernel.
template <class Case, class Token>
struct Waiter {
  std::atomic<int> tid{0};
  std::atomic<int> result{-2};  // -2: not returned yet
  std::thread thread;

  Waiter(Case& c, Token token) {
    thread = std::thread([this, &c, token] {
      tid = test::current_tid();
      result = c.wait(token);
    });
    CHECK(test::eventually([&] { return tid.load() != 0; }));
  }

  /// Joins the thread; a waiter that never returns (a lost wake-up) ends the
  /// test program with a message instead of hanging it.
  void join() {
    if (!test::eventually([&] { return result.load() != -2; })) {
      std::fprintf(stderr, "stop_wait_test: a waiter never returned (lost wake-up)\n");
      std::fflush(stderr);
      std::_Exit(1);
    }
    thread.join();
  }
};

}  // namespace

#if defined(__cpp_lib_jthread)
#define ONCE_STOP_COMBOS                                                                                           \
  (Combo<LockCase, std::stop_source>), (Combo<SharedCase, std::stop_source>), (Combo<FlagCase, std::stop_source>), \
      (Combo<LockCase, test::StopSource>), (Combo<SharedCase, test::StopSource>), (Combo<FlagCase, test::StopSource>)
#else
#define ONCE_STOP_COMBOS \
  (Combo<LockCase, test::StopSource>), (Combo<SharedCase, test::StopSource>), (Combo<FlagCase, test::StopSource>)
#endif

TEMPLATE_TEST_CASE("a stop requested before the wait: stopped at once", "[stop_wait]", ONCE_STOP_COMBOS) {
  typename TestType::case_type c;
  typename TestType::source_type source;
  source.request_stop();
  CHECK(c.wait(source.get_token()) == 0);
}

TEMPLATE_TEST_CASE("the value wins over a stop once it is there", "[stop_wait]", ONCE_STOP_COMBOS) {
  typename TestType::case_type c;
  typename TestType::source_type source;
  c.set();
  CHECK(c.wait(source.get_token()) == 1);
  source.request_stop();
  CHECK(c.wait(source.get_token()) == 1);  // stop after completion: still the value
}

TEMPLATE_TEST_CASE("request_stop wakes a blocked waiter, which returns stopped", "[stop_wait][blocking]",
                   ONCE_STOP_COMBOS) {
  using Case = typename TestType::case_type;
  using Source = typename TestType::source_type;
  Case c;
  Source source;
  Waiter<Case, decltype(source.get_token())> waiter(c, source.get_token());
  CHECK(test::eventually_all_asleep({waiter.tid.load()}));
  CHECK(waiter.result.load() == -2);
  source.request_stop();
  waiter.join();
  CHECK(waiter.result.load() == 0);
  // The word is usable as before: the value still comes, with nobody waiting.
  c.set();
  CHECK(c.wait(source.get_token()) == 1);
}

TEMPLATE_TEST_CASE("a blocked waiter whose stop never comes gets the value", "[stop_wait][blocking]",
                   ONCE_STOP_COMBOS) {
  using Case = typename TestType::case_type;
  using Source = typename TestType::source_type;
  Case c;
  Source source;
  Waiter<Case, decltype(source.get_token())> waiter(c, source.get_token());
  CHECK(test::eventually_all_asleep({waiter.tid.load()}));
  c.set();
  waiter.join();
  CHECK(waiter.result.load() == 1);
}

TEMPLATE_TEST_CASE("stopping one waiter leaves the others asleep until the value", "[stop_wait][blocking]",
                   ONCE_STOP_COMBOS) {
  using Case = typename TestType::case_type;
  using Source = typename TestType::source_type;
  using Token = decltype(std::declval<Source&>().get_token());
  Case c;
  Source stopped;
  Source kept1;
  Source kept2;
  Waiter<Case, Token> a(c, stopped.get_token());
  Waiter<Case, Token> b(c, kept1.get_token());
  Waiter<Case, Token> d(c, kept2.get_token());
  CHECK(test::eventually_all_asleep({a.tid.load(), b.tid.load(), d.tid.load()}));
  stopped.request_stop();
  a.join();
  CHECK(a.result.load() == 0);
  // The stop's wake-up reached every sleeper; the others must sleep again.
  CHECK(test::eventually_all_asleep({b.tid.load(), d.tid.load()}));
  CHECK(b.result.load() == -2);
  CHECK(d.result.load() == -2);
  c.set();
  b.join();
  d.join();
  CHECK(b.result.load() == 1);
  CHECK(d.result.load() == 1);
}

TEST_CASE("a token on which no stop can be requested is a plain wait", "[stop_wait][blocking]") {
  LockCase c;
  Waiter<LockCase, test::StopToken> waiter(c, test::StopToken{});
  CHECK(test::eventually_all_asleep({waiter.tid.load()}));
  c.set();
  waiter.join();
  CHECK(waiter.result.load() == 1);
#if defined(__cpp_lib_jthread)
  FlagCase f;
  Waiter<FlagCase, std::stop_token> std_waiter(f, std::stop_token{});
  CHECK(test::eventually_all_asleep({std_waiter.tid.load()}));
  f.set();
  std_waiter.join();
  CHECK(std_waiter.result.load() == 1);
#endif
}

#if ONCE_HAS_EXCEPTIONS
TEST_CASE("wait(stop_token) inside the cell's own initializer throws", "[stop_wait][reentrancy]") {
  once::OnceLock<int> cell;
  test::StopSource source;
  bool threw = false;
  cell.get_or_init([&] {
    try {
      static_cast<void>(cell.wait(source.get_token()));
    } catch (const once::recursive_init_error&) {
      threw = true;
    }
    return 1;
  });
  CHECK(threw);
}
#endif

TEMPLATE_TEST_CASE("stress: stop requests race the value", "[stop_wait][stress]", ONCE_STOP_COMBOS) {
  using Case = typename TestType::case_type;
  using Source = typename TestType::source_type;
  constexpr int kRounds = 300;
  constexpr int kWaiters = 3;
  int wrong = 0;
  int stopped_without_request = 0;
  for (int round = 0; round < kRounds; ++round) {
    Case c;
    std::vector<Source> sources(kWaiters);
    std::atomic<int> results[kWaiters];
    std::vector<std::thread> threads;
    for (int i = 0; i < kWaiters; ++i) {
      threads.emplace_back([&, i] { results[i] = c.wait(sources[static_cast<std::size_t>(i)].get_token()); });
    }
    std::thread stopper([&] { sources[static_cast<std::size_t>(round % kWaiters)].request_stop(); });
    std::thread setter([&] { c.set(); });
    for (auto& thread : threads) thread.join();
    stopper.join();
    setter.join();
    for (int i = 0; i < kWaiters; ++i) {
      if (results[i] < 0) ++wrong;
      if (results[i] == 0 && i != round % kWaiters) ++stopped_without_request;
    }
  }
  CHECK(wrong == 0);
  CHECK(stopped_without_request == 0);
}
