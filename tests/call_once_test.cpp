// OnceFlag and call_once: the std::call_once contract and what the library adds.
// SPDX-License-Identifier: MIT
//
// OnceFlag and call_once: the std::call_once contract (one caller runs, the
// others are blocked until it returns; a throw leaves the flag retryable;
// arguments forwarded as std::invoke does) and what the library adds
// (reentrancy errors, waits, constinit, size).
//
// Worker threads record what they see in atomics; assertions run after join.
#include <atomic>
#include <chrono>
#include <functional>
#include <latch>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include <once/call_once.hpp>
#include <once/once.hpp>

// <stop_token> after the library's headers (stop_wait_test includes it
// before): the std::stop_token overloads work with either order.
#include <version>
#if defined(__cpp_lib_jthread)
#include <stop_token>
#endif

#include "catch.hpp"
#include "death.hpp"
#include "test_types.hpp"
#include "threads.hpp"

using namespace std::chrono_literals;

// ---- The type -----------------------------------------------------------------

template <class F, class... Args>
concept can_call_once = requires(once::OnceFlag& flag, F f, Args... args) {
  once::call_once(flag, std::move(f), std::move(args)...);
};

TEST_CASE("OnceFlag: 4 bytes, trivially destructible, neither copyable nor movable", "[call_once]") {
  STATIC_REQUIRE(sizeof(once::OnceFlag) == 4);
  STATIC_REQUIRE(std::is_same_v<once::once_flag, once::OnceFlag>);
  STATIC_REQUIRE(std::is_trivially_destructible_v<once::OnceFlag>);
  STATIC_REQUIRE(std::is_nothrow_default_constructible_v<once::OnceFlag>);
  STATIC_REQUIRE_FALSE(std::is_copy_constructible_v<once::OnceFlag>);
  STATIC_REQUIRE_FALSE(std::is_move_constructible_v<once::OnceFlag>);
  STATIC_REQUIRE_FALSE(std::is_copy_assignable_v<once::OnceFlag>);
  STATIC_REQUIRE_FALSE(std::is_move_assignable_v<once::OnceFlag>);
  // call_once takes only what std::invoke can call with the arguments.
  STATIC_REQUIRE(can_call_once<void (*)()>);
  STATIC_REQUIRE(can_call_once<void (*)(int), int>);
  STATIC_REQUIRE_FALSE(can_call_once<int>);
  STATIC_REQUIRE_FALSE(can_call_once<void (*)(int)>);
  STATIC_REQUIRE_FALSE(can_call_once<void (*)(int&), int>);  // an rvalue does not bind to int&
}

namespace {
constinit once::OnceFlag global_flag;
int global_runs = 0;

int& local_static_runs() {
  static constinit once::once_flag flag;
  static int runs = 0;
  once::call_once(flag, [] { ++runs; });
  return runs;
}
}  // namespace

TEST_CASE("constinit at namespace scope and as a function-local static", "[call_once][constinit]") {
  CHECK_FALSE(global_flag.is_completed());
  once::call_once(global_flag, [] { ++global_runs; });
  once::call_once(global_flag, [] { ++global_runs; });
  CHECK(global_flag.is_completed());
  CHECK(global_runs == 1);
  CHECK(local_static_runs() == 1);
  CHECK(local_static_runs() == 1);
}

// ---- Arguments, as std::invoke ------------------------------------------------------

namespace {
struct Widget {
  int value = 0;
  int calls = 0;
  void add(int n) { value += n, ++calls; }
  void add_const(int n, int& out) const { out = value + n; }
  void rvalue_only(int n) && { value = n; }
};
}  // namespace

TEST_CASE("call_once forwards its arguments as std::invoke does", "[call_once][invoke]") {
  SECTION("values, references and a move-only argument") {
    once::OnceFlag flag;
    int by_ref = 0;
    std::unique_ptr<int> moved = std::make_unique<int>(5);
    std::unique_ptr<int> received;
    once::call_once(
        flag,
        [](int a, int& out, std::unique_ptr<int> p, std::unique_ptr<int>& sink) {
          out = a;
          sink = std::move(p);
        },
        7, by_ref, std::move(moved), received);
    CHECK(by_ref == 7);
    REQUIRE(received != nullptr);
    CHECK(*received == 5);
    CHECK(moved == nullptr);
  }
  SECTION("a later call uses none of its arguments") {
    once::OnceFlag flag;
    once::call_once(flag, [] {});
    auto kept = std::make_unique<int>(1);
    once::call_once(
        flag, [](std::unique_ptr<int>) {}, std::move(kept));
    CHECK(kept != nullptr);
  }
  SECTION("pointers to member functions on an object, a pointer, a reference_wrapper, an rvalue") {
    Widget widget;
    once::OnceFlag a, b, c, d, e;
    once::call_once(a, &Widget::add, widget, 1);
    once::call_once(b, &Widget::add, &widget, 10);
    once::call_once(c, &Widget::add, std::ref(widget), 100);
    int out = 0;
    once::call_once(d, &Widget::add_const, std::cref(widget), 1000, out);
    CHECK(widget.value == 111);
    CHECK(widget.calls == 3);
    CHECK(out == 1111);
    Widget temporary;
    once::call_once(e, &Widget::rvalue_only, std::move(temporary), 9);
    CHECK(temporary.value == 9);
    auto owner = std::make_unique<Widget>();
    once::OnceFlag f;
    once::call_once(f, &Widget::add, owner, 3);  // anything dereferenceable
    CHECK(owner->value == 3);
  }
  SECTION("a pointer to a data member, a function pointer, a std::function") {
    Widget widget;
    once::OnceFlag a, b, c;
    once::call_once(a, &Widget::value, widget);  // INVOKE reads it: allowed, does nothing
    static int seen = 0;
    once::call_once(
        b, +[](int n) { seen = n; }, 4);
    CHECK(seen == 4);
    int from_function = 0;
    std::function<void(int)> function = [&](int n) { from_function = n; };
    once::call_once(c, function, 8);
    CHECK(from_function == 8);
  }
  SECTION("the callable itself is forwarded: an rvalue-only call operator") {
    struct RvalueCall {
      int* out;
      void operator()() && { *out = 1; }
    };
    int out = 0;
    once::OnceFlag flag;
    once::call_once(flag, RvalueCall{&out});
    CHECK(out == 1);
  }
}

// ---- Blocking: one caller runs, the others sleep -----------------------------------

TEST_CASE("while one call_once runs, the others are blocked; none of theirs runs", "[call_once][blocking]") {
  once::OnceFlag flag;
  std::latch entered(1);
  std::latch release(1);
  std::atomic<int> invoked{0};
  std::atomic<int> finished{0};
  std::atomic<int> returned{0};
  std::thread holder([&] {
    once::call_once(flag, [&] {
      invoked.fetch_add(1);
      entered.count_down();
      release.wait();
      finished.fetch_add(1);
    });
    returned.fetch_add(1);
  });
  entered.wait();

  constexpr int kCallers = 3;
  std::vector<std::atomic<int>> tids(kCallers);
  std::vector<std::thread> callers;
  for (int i = 0; i < kCallers; ++i) {
    callers.emplace_back([&, i] {
      tids[static_cast<std::size_t>(i)] = test::current_tid();
      once::call_once(flag, [&] { invoked.fetch_add(1); });
      returned.fetch_add(1);
    });
  }
  std::vector<int> caller_tids;
  for (auto& tid : tids) {
    CHECK(test::eventually([&] { return tid.load() != 0; }));
    caller_tids.push_back(tid.load());
  }
  CHECK(test::eventually_all_asleep(caller_tids));
  CHECK(invoked.load() == 1);
  CHECK(finished.load() == 0);
  CHECK(returned.load() == 0);
  CHECK_FALSE(flag.is_completed());

  release.count_down();
  holder.join();
  for (auto& caller : callers) caller.join();
  CHECK(invoked.load() == 1);
  CHECK(finished.load() == 1);
  CHECK(returned.load() == kCallers + 1);
  CHECK(flag.is_completed());
}

TEST_CASE("wait, wait_for and wait_until block until a call_once completes", "[call_once][blocking]") {
  once::OnceFlag flag;
  CHECK_FALSE(flag.wait_for(10ms));
  CHECK_FALSE(flag.wait_until(std::chrono::steady_clock::now() + 5ms));
  CHECK_FALSE(flag.wait_until(std::chrono::system_clock::now() - 1s));

  std::atomic<int> tid0{0}, tid1{0}, tid2{0};
  std::atomic<int> woke{0};
  std::thread w0([&] {
    tid0 = test::current_tid();
    flag.wait();
    woke.fetch_add(flag.is_completed() ? 1 : 100);
  });
  std::thread w1([&] {
    tid1 = test::current_tid();
    woke.fetch_add(flag.wait_for(1h) ? 1 : 100);
  });
  std::thread w2([&] {
    tid2 = test::current_tid();
    woke.fetch_add(flag.wait_until(std::chrono::system_clock::now() + 1h) ? 1 : 100);
  });
  for (auto* tid : {&tid0, &tid1, &tid2}) CHECK(test::eventually([&] { return tid->load() != 0; }));
  CHECK(test::eventually_all_asleep({tid0.load(), tid1.load(), tid2.load()}));
  CHECK(woke.load() == 0);
  once::call_once(flag, [] {});
  w0.join();
  w1.join();
  w2.join();
  CHECK(woke.load() == 3);
  CHECK(flag.wait_for(0s));
}

// ---- Failure and reentrancy ------------------------------------------------------

#if ONCE_HAS_EXCEPTIONS
TEST_CASE("a call_once that throws leaves the flag unset; the next call runs", "[call_once][throw]") {
  once::OnceFlag flag;
  int runs = 0;
  CHECK_THROWS_AS(once::call_once(flag,
                                  [&] {
                                    ++runs;
                                    throw test::Boom();
                                  }),
                  test::Boom);
  CHECK_FALSE(flag.is_completed());
  CHECK_FALSE(flag.wait_for(0s));
  once::call_once(flag, [&] { ++runs; });
  CHECK(flag.is_completed());
  once::call_once(flag, [&] { ++runs; });
  CHECK(runs == 2);
}

TEST_CASE("a throw hands the flag to exactly one sleeping caller", "[call_once][throw][blocking]") {
  once::OnceFlag flag;
  std::latch entered(1);
  std::latch release(1);
  std::atomic<int> runs{0};
  std::atomic<int> threw{0};
  std::thread holder([&] {
    try {
      once::call_once(flag, [&] {
        runs.fetch_add(1);
        entered.count_down();
        release.wait();
        throw test::Boom();
      });
    } catch (const test::Boom&) {
      threw.fetch_add(1);
    }
  });
  entered.wait();
  constexpr int kCallers = 3;
  std::vector<std::atomic<int>> tids(kCallers);
  std::vector<std::thread> callers;
  for (int i = 0; i < kCallers; ++i) {
    callers.emplace_back([&, i] {
      tids[static_cast<std::size_t>(i)] = test::current_tid();
      once::call_once(flag, [&] { runs.fetch_add(1); });
    });
  }
  std::vector<int> caller_tids;
  for (auto& tid : tids) {
    CHECK(test::eventually([&] { return tid.load() != 0; }));
    caller_tids.push_back(tid.load());
  }
  CHECK(test::eventually_all_asleep(caller_tids));
  release.count_down();
  holder.join();
  for (auto& caller : callers) caller.join();
  CHECK(threw.load() == 1);
  CHECK(runs.load() == 2);  // the thrower and exactly one successor
  CHECK(flag.is_completed());
}

TEST_CASE("call_once on its own flag from inside f throws recursive_init_error", "[call_once][reentrancy]") {
  once::OnceFlag flag;
  int threw = 0;
  once::call_once(flag, [&] {
    try {
      once::call_once(flag, [] {});
    } catch (const once::recursive_init_error&) {
      ++threw;
    }
    try {
      flag.wait();
    } catch (const once::recursive_init_error&) {
      ++threw;
    }
    try {
      static_cast<void>(flag.wait_for(1h));
    } catch (const once::recursive_init_error&) {
      ++threw;
    }
  });
  CHECK(threw == 3);
  CHECK(flag.is_completed());
}

TEST_CASE("an escaping recursive_init_error leaves the flag retryable; cycles through cells throw",
          "[call_once][reentrancy]") {
  once::OnceFlag flag;
  CHECK_THROWS_AS(once::call_once(flag, [&] { once::call_once(flag, [] {}); }), once::recursive_init_error);
  CHECK_FALSE(flag.is_completed());
  once::call_once(flag, [] {});
  CHECK(flag.is_completed());

  once::OnceFlag cyclic;
  once::OnceLock<int> lock;
  CHECK_THROWS_AS(once::call_once(cyclic,
                                  [&] {
                                    lock.get_or_init([&] {
                                      once::call_once(cyclic, [] {});
                                      return 1;
                                    });
                                  }),
                  once::recursive_init_error);
  CHECK_FALSE(cyclic.is_completed());
  CHECK_FALSE(lock.has_value());
}
#endif  // ONCE_HAS_EXCEPTIONS

#if !ONCE_HAS_EXCEPTIONS && ONCE_TEST_CAN_FORK
TEST_CASE("without exceptions, reentrancy aborts with a message naming the rule", "[call_once][reentrancy]") {
  const test::Death death = test::die_in_child([] {
    once::OnceFlag flag;
    once::call_once(flag, [&] { once::call_once(flag, [] {}); });
  });
  CHECK(death.aborted);
  CHECK(death.stderr_text.find("recursive initialization") != std::string::npos);
}
#endif

TEST_CASE("a noexcept f and a flag in a class: the std patterns compile and work", "[call_once]") {
  struct Service {
    mutable once::once_flag ready;
    mutable int connects = 0;
    void use() const {
      once::call_once(ready, [this]() noexcept { ++connects; });
    }
  };
  Service service;
  service.use();
  service.use();
  CHECK(service.connects == 1);
  STATIC_REQUIRE_FALSE(std::is_copy_constructible_v<Service>);  // "done" is never copied along
}

#if defined(__cpp_lib_jthread)
TEST_CASE("wait(std::stop_token) with <stop_token> included after the library", "[call_once][stop_wait]") {
  once::OnceFlag flag;
  std::stop_source source;
  source.request_stop();
  CHECK_FALSE(flag.wait(source.get_token()));
  once::call_once(flag, [] {});
  CHECK(flag.wait(source.get_token()));
  CHECK(flag.wait(std::stop_token{}));
}
#endif
