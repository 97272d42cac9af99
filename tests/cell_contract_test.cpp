// The contract OnceCell and OnceLock share, run over both and over several value types.
// SPDX-License-Identifier: MIT
//
// The value types: int, std::string, a move-only type, and a type that counts its
// constructions and destructions.
#include <cstddef>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>

#include <once/once_cell.hpp>
#include <once/once_lock.hpp>

#include "catch.hpp"
#include "test_types.hpp"

using test::Counted;
using test::make;
using test::MoveOnly;
using test::value_of;

#define CELL_TYPES (once::OnceCell, once::OnceLock)
#define VALUE_TYPES (int, std::string, MoveOnly, Counted)

TEMPLATE_PRODUCT_TEST_CASE("a new cell is empty", "[contract]", CELL_TYPES, VALUE_TYPES) {
  TestType cell;
  const TestType& const_cell = cell;
  CHECK_FALSE(cell.has_value());
  CHECK(cell.get() == nullptr);
  CHECK(const_cell.get() == nullptr);
  static_assert(std::is_same_v<decltype(const_cell.get()), const typename TestType::value_type*>);
}

TEMPLATE_PRODUCT_TEST_CASE("get_or_init runs the initializer once", "[contract]", CELL_TYPES, VALUE_TYPES) {
  using T = typename TestType::value_type;
  Counted::reset_counts();
  {
    TestType cell;
    int calls = 0;
    T& first = cell.get_or_init([&] {
      ++calls;
      return make<T>(1);
    });
    T& second = cell.get_or_init([&] {
      ++calls;
      return make<T>(2);
    });
    CHECK(calls == 1);
    CHECK(&first == &second);
    CHECK(value_of(first) == 1);
    CHECK(cell.has_value());
    REQUIRE(cell.get() == &first);
  }
  CHECK(Counted::alive == 0);  // the destructor destroyed the value
}

TEMPLATE_PRODUCT_TEST_CASE("the in-place constructor makes a full cell", "[contract]", CELL_TYPES, VALUE_TYPES) {
  using T = typename TestType::value_type;
  TestType cell(std::in_place, make<T>(7));
  REQUIRE(cell.has_value());
  CHECK(value_of(*cell.get()) == 7);
  CHECK(value_of(cell.get_or_init([] { return make<T>(8); })) == 7);
}

TEMPLATE_PRODUCT_TEST_CASE("get_or_init constructs straight from the initializer's result", "[contract]", CELL_TYPES,
                           (test::Pinned)) {
  // Pinned can be neither copied nor moved: only guaranteed elision makes one.
  TestType cell;
  CHECK(cell.get_or_init([] { return test::Pinned(5); }).value == 5);
}

#if ONCE_HAS_EXCEPTIONS
TEMPLATE_PRODUCT_TEST_CASE("a throwing initializer leaves the cell empty and retryable", "[contract]", CELL_TYPES,
                           VALUE_TYPES) {
  using T = typename TestType::value_type;
  Counted::reset_counts();
  TestType cell;
  CHECK_THROWS_AS(cell.get_or_init([]() -> T { throw test::Boom{}; }), test::Boom);
  CHECK_FALSE(cell.has_value());
  CHECK(cell.get() == nullptr);
  CHECK(value_of(cell.get_or_init([] { return make<T>(3); })) == 3);
  cell.reset();
  CHECK(Counted::alive == 0);
}

TEMPLATE_PRODUCT_TEST_CASE("a throwing constructor leaves the cell empty", "[contract]", CELL_TYPES, (int)) {
  struct ThrowsOnConstruction {
    explicit ThrowsOnConstruction(int v) {
      if (v < 0) throw test::Boom{};
    }
  };
  test::rebind_t<TestType, ThrowsOnConstruction> cell;
  CHECK_THROWS_AS(cell.try_emplace(-1), test::Boom);
  CHECK_FALSE(cell.has_value());
  CHECK(cell.try_emplace(1).second);
}
#endif

TEMPLATE_PRODUCT_TEST_CASE("get_or_try_init: an empty result leaves the cell empty", "[contract]", CELL_TYPES,
                           VALUE_TYPES) {
  using T = typename TestType::value_type;
  TestType cell;
  CHECK(cell.get_or_try_init([] { return std::optional<T>(); }) == nullptr);
  CHECK_FALSE(cell.has_value());

  T* made = cell.get_or_try_init([] { return std::optional<T>(make<T>(4)); });
  REQUIRE(made != nullptr);
  CHECK(value_of(*made) == 4);
  CHECK(made == cell.get());

  bool called = false;
  CHECK(cell.get_or_try_init([&] {
    called = true;
    return std::optional<T>();
  }) == made);
  CHECK_FALSE(called);
}

TEMPLATE_PRODUCT_TEST_CASE("set stores once and leaves a rejected value alone", "[contract]", CELL_TYPES, VALUE_TYPES) {
  using T = typename TestType::value_type;
  TestType cell;
  T first = make<T>(1);
  T second = make<T>(2);
  CHECK(cell.set(std::move(first)));
  CHECK_FALSE(cell.set(std::move(second)));
  CHECK(test::intact(second));  // not moved from
  CHECK(value_of(second) == 2);
  CHECK(value_of(*cell.get()) == 1);
}

TEMPLATE_PRODUCT_TEST_CASE("try_emplace reports whether it constructed", "[contract]", CELL_TYPES, VALUE_TYPES) {
  using T = typename TestType::value_type;
  TestType cell;
  T original = make<T>(5);
  auto [value, emplaced] = cell.try_emplace(std::move(original));
  CHECK(emplaced);
  CHECK(value_of(value) == 5);

  T other = make<T>(6);
  auto [again, emplaced_again] = cell.try_emplace(std::move(other));
  CHECK_FALSE(emplaced_again);
  CHECK(&again == &value);
  CHECK(test::intact(other));
}

TEMPLATE_PRODUCT_TEST_CASE("take empties the cell, which can be set again", "[contract]", CELL_TYPES, VALUE_TYPES) {
  using T = typename TestType::value_type;
  Counted::reset_counts();
  {
    TestType cell;
    CHECK_FALSE(cell.take().has_value());
    cell.set(make<T>(1));
    std::optional<T> taken = cell.take();
    REQUIRE(taken.has_value());
    CHECK(value_of(*taken) == 1);
    CHECK_FALSE(cell.has_value());
    CHECK(cell.set(make<T>(2)));
    CHECK(value_of(*cell.get()) == 2);
  }
  CHECK(Counted::alive == 0);
}

TEMPLATE_PRODUCT_TEST_CASE("reset destroys the value", "[contract]", CELL_TYPES, VALUE_TYPES) {
  using T = typename TestType::value_type;
  Counted::reset_counts();
  TestType cell;
  cell.reset();  // on an empty cell: nothing happens
  cell.set(make<T>(1));
  cell.reset();
  CHECK_FALSE(cell.has_value());
  CHECK(Counted::alive == 0);
  CHECK(cell.set(make<T>(2)));
}

TEMPLATE_PRODUCT_TEST_CASE("copies behave like std::optional", "[contract]", CELL_TYPES, (int, std::string, Counted)) {
  using T = typename TestType::value_type;
  Counted::reset_counts();
  {
    TestType empty;
    TestType full(std::in_place, make<T>(1));

    TestType copy_of_empty(empty);
    TestType copy_of_full(full);
    CHECK_FALSE(copy_of_empty.has_value());
    REQUIRE(copy_of_full.has_value());
    CHECK(value_of(*copy_of_full.get()) == 1);
    CHECK(copy_of_full.get() != full.get());

    TestType target(std::in_place, make<T>(2));
    target = full;  // full = full
    CHECK(value_of(*target.get()) == 1);
    target = empty;  // full = empty
    CHECK_FALSE(target.has_value());
    target = full;  // empty = full
    CHECK(value_of(*target.get()) == 1);
    TestType& self = target;
    target = self;  // self-assignment
    CHECK(value_of(*target.get()) == 1);
    empty = TestType();  // empty = empty
    CHECK_FALSE(empty.has_value());
  }
  CHECK(Counted::alive == 0);
}

TEMPLATE_PRODUCT_TEST_CASE("moves behave like std::optional", "[contract]", CELL_TYPES, VALUE_TYPES) {
  using T = typename TestType::value_type;
  Counted::reset_counts();
  {
    TestType full(std::in_place, make<T>(1));
    TestType moved(std::move(full));
    REQUIRE(moved.has_value());
    CHECK(value_of(*moved.get()) == 1);
    CHECK(full.has_value());  // like std::optional: still full, of a moved-from value

    TestType target;
    target = std::move(moved);
    CHECK(value_of(*target.get()) == 1);
    target = TestType();
    CHECK_FALSE(target.has_value());
  }
  CHECK(Counted::alive == 0);
}

TEMPLATE_PRODUCT_TEST_CASE("copying is offered exactly when T can be copied", "[contract]", CELL_TYPES, (int)) {
  STATIC_REQUIRE(std::is_copy_constructible_v<TestType>);
  using MoveOnlyCell = test::rebind_t<TestType, MoveOnly>;
  STATIC_REQUIRE_FALSE(std::is_copy_constructible_v<MoveOnlyCell>);
  STATIC_REQUIRE_FALSE(std::is_copy_assignable_v<MoveOnlyCell>);
  STATIC_REQUIRE(std::is_move_constructible_v<MoveOnlyCell>);
  STATIC_REQUIRE(std::is_nothrow_move_constructible_v<MoveOnlyCell>);
}

TEMPLATE_PRODUCT_TEST_CASE("cells are as small as their state word and value", "[contract]", CELL_TYPES,
                           (int, char, std::string)) {
  using T = typename TestType::value_type;
  // The 4-byte state word, the value at its alignment, rounded up to the whole's alignment.
  constexpr auto round_up = [](std::size_t n, std::size_t to) { return (n + to - 1) / to * to; };
  constexpr std::size_t align = alignof(T) > 4 ? alignof(T) : 4;
  STATIC_REQUIRE(sizeof(TestType) == round_up(round_up(4, alignof(T)) + sizeof(T), align));
  STATIC_REQUIRE(std::is_trivially_destructible_v<TestType> == std::is_trivially_destructible_v<T>);
}
