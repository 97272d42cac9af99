// LazyLock: the thread-safe lazy value.
// SPDX-License-Identifier: MIT
#include <atomic>
#include <barrier>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

#include <once/lazy_lock.hpp>

#include "catch.hpp"
#include "test_types.hpp"

namespace {
int seven() { return 7; }
std::atomic<int> global_calls{0};
}  // namespace

constinit once::LazyLock global_table = [] {
  global_calls.fetch_add(1);
  return std::vector<int>{1, 2, 3};
};

TEST_CASE("a constinit global is computed once, on first access", "[lazy_lock]") {
  CHECK(global_calls.load() == 0);
  CHECK(global_table->size() == 3);
  CHECK((*global_table)[2] == 3);
  CHECK(global_calls.load() == 1);
}

TEST_CASE("racing threads: the initializer runs once and everyone sees its value", "[lazy_lock]") {
  constexpr int kThreads = 8;
  for (int round = 0; round < 200; ++round) {
    std::atomic<int> calls{0};
    once::LazyLock lazy = [&] {
      calls.fetch_add(1);
      return std::string(64, 'x');
    };
    std::barrier start(kThreads);
    std::atomic<int> wrong{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&] {
        start.arrive_and_wait();
        if (*lazy != std::string(64, 'x')) wrong.fetch_add(1);
      });
    }
    for (auto& thread : threads) thread.join();
    CHECK(calls.load() == 1);
    CHECK(wrong.load() == 0);
  }
}

TEST_CASE("a const LazyLock gives const access", "[lazy_lock]") {
  const once::LazyLock lazy = [] { return std::string("c"); };
  STATIC_REQUIRE(std::is_same_v<decltype(*lazy), const std::string&>);
  STATIC_REQUIRE(std::is_same_v<decltype(lazy.force()), const std::string&>);
  STATIC_REQUIRE(std::is_same_v<decltype(lazy.operator->()), const std::string*>);
  CHECK(lazy.get() == nullptr);
  CHECK(lazy->size() == 1);
  CHECK(lazy.has_value());
}

TEST_CASE("the default F is a function pointer", "[lazy_lock]") {
  once::LazyLock<int> lazy = seven;
  CHECK(*lazy == 7);
  STATIC_REQUIRE(std::is_same_v<decltype(lazy), once::LazyLock<int, int (*)()>>);
  STATIC_REQUIRE(sizeof(lazy) == sizeof(once::OnceLock<int>) + sizeof(int (*)()));  // the OnceLock<int> and the pointer
}

TEST_CASE("a stateful initializer is kept and used", "[lazy_lock]") {
  std::string prefix = "id-";
  once::LazyLock lazy = [prefix] { return prefix + "1"; };
  CHECK(*lazy == "id-1");
}

#if ONCE_HAS_EXCEPTIONS
TEST_CASE("a throwing initializer is called again on the next access (no poisoning)", "[lazy_lock]") {
  std::atomic<int> calls{0};
  once::LazyLock lazy = [&] {
    if (calls.fetch_add(1) == 0) throw test::Boom{};
    return 5;
  };
  CHECK_THROWS_AS(*lazy, test::Boom);
  CHECK_FALSE(lazy.has_value());
  CHECK(*lazy == 5);
  CHECK(calls.load() == 2);
}
#endif

TEST_CASE("size, copyability and triviality", "[lazy_lock]") {
  auto init = [] { return 1; };
  using Lazy = once::LazyLock<int, decltype(init)>;
  STATIC_REQUIRE(sizeof(Lazy) == 8);  // Rust's LazyLock<i32> is 16
  STATIC_REQUIRE(sizeof(Lazy) == sizeof(once::OnceLock<int>));
  STATIC_REQUIRE(std::is_trivially_destructible_v<Lazy>);
  STATIC_REQUIRE_FALSE(std::is_copy_constructible_v<Lazy>);
  STATIC_REQUIRE_FALSE(std::is_move_constructible_v<Lazy>);
  STATIC_REQUIRE_FALSE(std::is_default_constructible_v<Lazy>);
}
