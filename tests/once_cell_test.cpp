// OnceCell: what the shared contract (cell_contract_test.cpp) does not cover.
// SPDX-License-Identifier: MIT
#include <cstdint>
#include <string>
#include <type_traits>

#include <once/once_cell.hpp>

#include "catch.hpp"
#include "test_types.hpp"

namespace {

// The intended use: a lazily computed member of a class used by one thread.
class Document {
 public:
  explicit Document(std::string text) : text_(std::move(text)) {}
  std::size_t words() const {
    return words_.get_or_init([&] {
      ++computations;
      std::size_t count = 0;
      bool in_word = false;
      for (char c : text_) {
        const bool letter = c != ' ';
        count += letter && !in_word ? 1 : 0;
        in_word = letter;
      }
      return count;
    });
  }
  mutable int computations = 0;

 private:
  std::string text_;
  mutable once::OnceCell<std::size_t> words_;
};

}  // namespace

TEST_CASE("a lazily computed member is computed once", "[once_cell]") {
  const Document doc("the quick brown fox");
  CHECK(doc.words() == 4);
  CHECK(doc.words() == 4);
  CHECK(doc.computations == 1);
}

TEST_CASE("over-aligned values are aligned", "[once_cell]") {
  struct alignas(64) Wide {
    int v;
  };
  once::OnceCell<Wide> cell;
  const Wide& value = cell.get_or_init([] { return Wide{3}; });
  CHECK(reinterpret_cast<std::uintptr_t>(&value) % 64 == 0);
  CHECK(value.v == 3);
  STATIC_REQUIRE(alignof(once::OnceCell<Wide>) == 64);
}

TEST_CASE("a cell of const T", "[once_cell]") {
  once::OnceCell<const std::string> cell;
  const std::string& value = cell.get_or_init([] { return std::string("fixed"); });
  CHECK(value == "fixed");
  STATIC_REQUIRE(std::is_same_v<decltype(cell.get()), const std::string*>);
  cell.reset();
  CHECK_FALSE(cell.has_value());
}

TEST_CASE("cells nest", "[once_cell]") {
  once::OnceCell<once::OnceCell<int>> outer;
  once::OnceCell<int>& inner = outer.get_or_init([] { return once::OnceCell<int>(std::in_place, 1); });
  CHECK(*inner.get() == 1);
}

TEST_CASE("a OnceCell holds no atomic: it is trivially copyable state plus the value", "[once_cell]") {
  STATIC_REQUIRE(sizeof(once::OnceCell<int>) == 8);
  STATIC_REQUIRE(std::is_trivially_destructible_v<once::OnceCell<int>>);
  STATIC_REQUIRE_FALSE(std::is_trivially_destructible_v<once::OnceCell<std::string>>);
}
