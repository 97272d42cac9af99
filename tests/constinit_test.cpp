// Constant initialization of every type, and the size and triviality promises.
// SPDX-License-Identifier: MIT
//
// Every type can be constant-initialized at namespace scope and as a
// function-local static (SetOnce and OnceFlag: in their own files). Most of
// this file is checked by the compiler: a `constinit` that is not a constant
// initializer does not compile.
#include <memory>
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

// ---- OnceShared -------------------------------------------------------------------

namespace {
struct Config {
  std::string name;
  int workers = 0;
};

constinit once::OnceShared<const Config> global_config;
constinit once::OnceShared<int> global_int;

const Config& local_static_config() {
  static constinit once::OnceShared<const Config> local;
  return local.get_or_make_shared(Config{"local", 2});
}
}  // namespace

TEST_CASE("OnceShared: constinit at namespace scope and as a function-local static", "[once_shared][constinit]") {
  CHECK(global_int.get() == nullptr);
  CHECK(global_int.get_or_make_shared(6) == 6);
  CHECK(global_config.store(std::make_shared<Config>(Config{"global", 1})));
  CHECK(global_config.get()->name == "global");
  CHECK(local_static_config().name == "local");
  CHECK(&local_static_config() == &local_static_config());
}

TEST_CASE("OnceShared size: the pointer, the state word and a shared_ptr", "[once_shared][constinit]") {
  STATIC_REQUIRE(sizeof(once::OnceShared<int>) == 4 * sizeof(void*));
  STATIC_REQUIRE(sizeof(once::OnceShared<const Config>) == 4 * sizeof(void*));
  STATIC_REQUIRE(std::is_nothrow_default_constructible_v<once::OnceShared<int>>);
}
