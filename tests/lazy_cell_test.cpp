// LazyCell: the single-threaded lazy value.
// SPDX-License-Identifier: MIT
#include <string>
#include <type_traits>

#include <once/lazy_cell.hpp>

#include "catch.hpp"
#include "test_types.hpp"

namespace {
int forty_two() { return 42; }
}  // namespace

TEST_CASE("the value is computed on first access, once", "[lazy_cell]") {
  int calls = 0;
  once::LazyCell lazy = [&] {
    ++calls;
    return std::string("value");
  };
  CHECK_FALSE(lazy.has_value());
  CHECK(lazy.get() == nullptr);
  CHECK(calls == 0);
  CHECK(*lazy == "value");
  CHECK(lazy->size() == 5);
  CHECK(lazy.force() == "value");
  CHECK(calls == 1);
  REQUIRE(lazy.get() != nullptr);
  CHECK(lazy.get() == &*lazy);
}

TEST_CASE("a const LazyCell gives const access and still computes", "[lazy_cell]") {
  const once::LazyCell lazy = [] { return std::string("c"); };
  STATIC_REQUIRE(std::is_same_v<decltype(*lazy), const std::string&>);
  STATIC_REQUIRE(std::is_same_v<decltype(lazy.operator->()), const std::string*>);
  STATIC_REQUIRE(std::is_same_v<decltype(lazy.get()), const std::string*>);
  CHECK(*lazy == "c");
  once::LazyCell mutable_lazy = [] { return 1; };
  STATIC_REQUIRE(std::is_same_v<decltype(*mutable_lazy), int&>);
  *mutable_lazy = 5;
  CHECK(*mutable_lazy == 5);
}

TEST_CASE("a function pointer works as the initializer", "[lazy_cell]") {
  once::LazyCell<int> lazy = forty_two;
  CHECK(*lazy == 42);
  STATIC_REQUIRE(std::is_same_v<decltype(lazy), once::LazyCell<int, int (*)()>>);
}

#if ONCE_HAS_EXCEPTIONS
TEST_CASE("a throwing initializer is called again on the next access", "[lazy_cell]") {
  int calls = 0;
  once::LazyCell lazy = [&] {
    if (++calls == 1) throw test::Boom{};
    return calls;
  };
  CHECK_THROWS_AS(*lazy, test::Boom);
  CHECK_FALSE(lazy.has_value());
  CHECK(*lazy == 2);
  CHECK(*lazy == 2);
}
#endif

TEST_CASE("size, copyability and triviality", "[lazy_cell]") {
  auto init = [] { return 1; };
  using Lazy = once::LazyCell<int, decltype(init)>;
  STATIC_REQUIRE(sizeof(Lazy) == 8);
  STATIC_REQUIRE(std::is_trivially_destructible_v<Lazy>);
  STATIC_REQUIRE_FALSE(std::is_copy_constructible_v<Lazy>);
  STATIC_REQUIRE_FALSE(std::is_move_constructible_v<Lazy>);
  STATIC_REQUIRE_FALSE(std::is_default_constructible_v<Lazy>);
  auto make_string = [] { return std::string(); };
  STATIC_REQUIRE_FALSE(std::is_trivially_destructible_v<once::LazyCell<std::string, decltype(make_string)>>);
}
