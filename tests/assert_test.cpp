// Precondition checks: misuse the library can see aborts in debug builds with a message naming the rule.
// SPDX-License-Identifier: MIT
#include <memory>
#include <string>

#include <once/once.hpp>

#include "catch.hpp"
#include "death.hpp"

#if ONCE_TEST_CAN_FORK && defined(ONCE_ENABLE_ASSERTS) && ONCE_ENABLE_ASSERTS

TEMPLATE_TEST_CASE("reset() or take() from inside the cell's own initializer aborts", "[assert]",
                   once::OnceCell<std::string>, once::OnceLock<std::string>) {
  const test::Death reset = test::die_in_child([] {
    TestType cell;
    cell.get_or_init([&] {
      cell.reset();
      return std::string("never");
    });
  });
  CHECK(reset.aborted);
  CHECK(reset.stderr_text.find("reset() needs exclusive access") != std::string::npos);

  const test::Death take = test::die_in_child([] {
    TestType cell;
    cell.get_or_init([&] {
      static_cast<void>(cell.take());
      return std::string("never");
    });
  });
  CHECK(take.aborted);
  CHECK(take.stderr_text.find("take() needs exclusive access") != std::string::npos);
}

TEST_CASE("destroying a cell while its initializer runs aborts", "[assert]") {
  const test::Death death = test::die_in_child([] {
    auto* cell = new once::OnceLock<std::string>;
    cell->get_or_init([&] {
      delete cell;
      return std::string("never");
    });
  });
  CHECK(death.aborted);
  CHECK(death.stderr_text.find("must not be destroyed while its initializer runs") != std::string::npos);
}

TEST_CASE("the checks do not fire on correct use", "[assert]") {
  const test::Death none = test::die_in_child([] {
    once::OnceLock<std::string> cell;
    cell.get_or_init([] { return std::string("fine"); });
    cell.reset();
    cell.set(std::string("again"));
    static_cast<void>(cell.take());
  });
  CHECK_FALSE(none.aborted);
  CHECK(none.stderr_text.empty());
}

#else
TEST_CASE("precondition checks need a debug build on Linux", "[assert]") { SUCCEED("checks compiled out"); }
#endif
