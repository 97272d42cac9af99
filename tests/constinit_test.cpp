// Every type can be constant-initialized at namespace scope and as a
// function-local static, and the size and triviality promises hold. Most of
// this file is checked by the compiler: a `constinit` that is not a constant
// initializer does not compile.
#include <string>
#include <type_traits>

#include <once/once.hpp>

#include "catch.hpp"

namespace {

int compute() { return 11; }

constinit once::OnceCell<int> cell_int;
constinit once::OnceCell<std::string> cell_string;
constinit once::OnceLock<int> lock_int;
constinit once::OnceLock<std::string> lock_string;
constinit once::OnceLock<int> lock_full(std::in_place, 3);
constinit once::LazyCell lazy_cell = [] { return std::string("cell"); };
constinit once::LazyLock lazy_lock = [] { return std::string("lock"); };
constinit once::LazyLock<int> lazy_pointer = compute;

// Constant-initialized objects with no value yet sit in zero-initialized memory.
int function_local() {
  static constinit once::OnceLock<int> local;
  return local.get_or_init([] { return 5; });
}

}  // namespace

TEST_CASE("constinit globals work", "[constinit]") {
  CHECK(cell_int.get_or_init([] { return 1; }) == 1);
  CHECK(cell_string.get_or_init([] { return std::string("s"); }) == "s");
  CHECK(lock_int.get_or_init([] { return 2; }) == 2);
  CHECK(lock_string.get_or_init([] { return std::string("t"); }) == "t");
  CHECK(*lock_full.get() == 3);
  CHECK(*lazy_cell == "cell");
  CHECK(*lazy_lock == "lock");
  CHECK(*lazy_pointer == 11);
  CHECK(function_local() == 5);
}

TEST_CASE("size promises", "[constinit]") {
  auto captureless = [] { return 0; };
  STATIC_REQUIRE(sizeof(once::OnceLock<int>) == 8);
  STATIC_REQUIRE(sizeof(once::OnceCell<int>) == 8);
  STATIC_REQUIRE(sizeof(once::LazyLock<int, decltype(captureless)>) == 8);
  STATIC_REQUIRE(sizeof(once::LazyCell<int, decltype(captureless)>) == 8);
}

TEST_CASE("trivially destructible exactly when the value (and function) are", "[constinit]") {
  auto captureless = [] { return 0; };
  std::string captured;
  auto capturing = [captured] { return 0; };
  STATIC_REQUIRE(std::is_trivially_destructible_v<once::OnceCell<int>>);
  STATIC_REQUIRE(std::is_trivially_destructible_v<once::OnceLock<int>>);
  STATIC_REQUIRE(std::is_trivially_destructible_v<once::LazyCell<int, decltype(captureless)>>);
  STATIC_REQUIRE(std::is_trivially_destructible_v<once::LazyLock<int, decltype(captureless)>>);
  STATIC_REQUIRE_FALSE(std::is_trivially_destructible_v<once::OnceCell<std::string>>);
  STATIC_REQUIRE_FALSE(std::is_trivially_destructible_v<once::OnceLock<std::string>>);
  auto make_string = [] { return std::string(); };
  STATIC_REQUIRE_FALSE(std::is_trivially_destructible_v<once::LazyLock<std::string, decltype(make_string)>>);
  STATIC_REQUIRE_FALSE(std::is_trivially_destructible_v<once::LazyLock<int, decltype(capturing)>>);
}
