// Reentrancy: an initializer that needs its own cell gets recursive_init_error, and the cell survives it.
// SPDX-License-Identifier: MIT
//
// The error comes instead of a deadlock (OnceLock, OnceShared) or a read of a
// value that does not exist (OnceCell). SetOnce's reentrancy is in
// set_once_contract_test.cpp, OnceFlag's in call_once_test.cpp.
#include <chrono>
#include <latch>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include <once/once.hpp>

#include "catch.hpp"
#include "test_types.hpp"

#if ONCE_HAS_EXCEPTIONS

using once::recursive_init_error;

TEMPLATE_TEST_CASE("every initializing call on its own cell throws", "[reentrancy]", once::OnceCell<int>,
                   once::OnceLock<int>) {
  TestType cell;
  auto reenter_with = [&](auto&& reentrant_call) {
    bool threw = false;
    int value = cell.get_or_init([&] {
      try {
        reentrant_call();
      } catch (const recursive_init_error&) {
        threw = true;
      }
      return 1;  // the outer initialization still completes
    });
    CHECK(threw);
    CHECK(value == 1);
    cell.reset();
  };
  reenter_with([&] { cell.get_or_init([] { return 2; }); });
  reenter_with([&] { cell.get_or_try_init([] { return std::optional<int>(2); }); });
  reenter_with([&] { cell.set(2); });
  reenter_with([&] { cell.try_emplace(2); });
}

TEST_CASE("wait and timed waits inside the cell's own initializer throw", "[reentrancy]") {
  once::OnceLock<int> cell;
  int threw = 0;
  cell.get_or_init([&] {
    try {
      cell.wait();
    } catch (const recursive_init_error&) {
      ++threw;
    }
    try {
      cell.wait_for(std::chrono::hours(1));
    } catch (const recursive_init_error&) {
      ++threw;
    }
    try {
      cell.wait_until(std::chrono::system_clock::now() + std::chrono::hours(1));
    } catch (const recursive_init_error&) {
      ++threw;
    }
    return 1;
  });
  CHECK(threw == 3);
}

TEMPLATE_TEST_CASE("an escaping recursive_init_error leaves the cell empty and retryable", "[reentrancy]",
                   once::OnceCell<int>, once::OnceLock<int>) {
  TestType cell;
  CHECK_THROWS_AS(cell.get_or_init([&] { return cell.get_or_init([] { return 1; }) + 1; }), recursive_init_error);
  CHECK_FALSE(cell.has_value());
  CHECK(cell.get_or_init([] { return 3; }) == 3);
}

TEMPLATE_TEST_CASE("a cycle of cells throws", "[reentrancy]", once::OnceCell<int>, once::OnceLock<int>) {
  TestType a;
  TestType b;
  auto init_b = [&] { return a.get_or_init([] { return 0; }) + 1; };
  auto init_a = [&] { return b.get_or_init(init_b) + 1; };
  CHECK_THROWS_AS(a.get_or_init(init_a), recursive_init_error);
  CHECK_FALSE(a.has_value());
  CHECK_FALSE(b.has_value());
}

TEST_CASE("a cycle through a mix of types throws", "[reentrancy]") {
  once::OnceLock<int> lock;
  once::OnceCell<int> cell;
  CHECK_THROWS_AS(lock.get_or_init([&] { return cell.get_or_init([&] { return lock.wait(); }); }),
                  recursive_init_error);
}

namespace {
bool lazy_needs_itself = true;
once::LazyLock<int> self_referential_lock = []() -> int { return lazy_needs_itself ? *self_referential_lock + 1 : 9; };
once::LazyCell<int> self_referential_cell = []() -> int { return lazy_needs_itself ? *self_referential_cell + 1 : 8; };
}  // namespace

TEST_CASE("a lazy value that needs itself throws, then can be forced", "[reentrancy]") {
  lazy_needs_itself = true;
  CHECK_THROWS_AS(*self_referential_lock, recursive_init_error);
  CHECK_THROWS_AS(*self_referential_cell, recursive_init_error);
  CHECK_FALSE(self_referential_lock.has_value());
  CHECK_FALSE(self_referential_cell.has_value());
  lazy_needs_itself = false;
  CHECK(*self_referential_lock == 9);
  CHECK(*self_referential_cell == 8);
}

TEST_CASE("a nested initialization of other cells is not reentrancy", "[reentrancy]") {
  once::OnceLock<int> outer;
  once::OnceLock<int> inner;
  once::OnceCell<int> inner_cell;
  CHECK(outer.get_or_init(
            [&] { return inner.get_or_init([&] { return inner_cell.get_or_init([] { return 1; }); }); }) == 1);
}

TEST_CASE("another thread waiting on the cell is not reentrancy", "[reentrancy]") {
  once::OnceLock<int> cell;
  int from_other_thread = 0;
  cell.get_or_init([&] {
    std::thread other([&] { from_other_thread = cell.wait_for(std::chrono::milliseconds(20)) == nullptr ? -1 : 1; });
    other.join();  // times out: the value is not there yet, and that is not an error
    return 1;
  });
  CHECK(from_other_thread == -1);
}

// The error's message names what the library can know. A OnceLock finds its
// own thread's running initializer on a stack of frames, so reentrancy is
// certain; a OnceCell sees only its state word, which looks the same when a
// second thread uses the cell (a misuse), so its message names both.
namespace {
std::string reentrancy_message(auto& cell) {
  std::string message;
  cell.get_or_init([&] {
    try {
      cell.get_or_init([] { return 2; });
    } catch (const recursive_init_error& error) {
      message = error.what();
    }
    return 1;
  });
  return message;
}
}  // namespace

TEST_CASE("a OnceLock's reentrancy error names reentrancy only", "[reentrancy][message]") {
  once::OnceLock<int> lock;
  const std::string message = reentrancy_message(lock);
  CHECK(message.find("recursive initialization") != std::string::npos);
  CHECK(message.find("needs the value of that same cell") != std::string::npos);
  CHECK(message.find("another thread") == std::string::npos);
}

TEST_CASE("a OnceCell's reentrancy error names both reentrancy and another thread", "[reentrancy][message]") {
  once::OnceCell<int> cell;
  const std::string message = reentrancy_message(cell);
  CHECK(message.find("recursive initialization") != std::string::npos);
  CHECK(message.find("another thread is using the cell at the same time") != std::string::npos);
  CHECK(message.find("OnceLock or LazyLock") != std::string::npos);
}

TEST_CASE("a OnceCell used by a second thread mid-initialization names the misuse", "[reentrancy][message]") {
  // The misuse made deterministic and race-free: the latches order the second
  // thread's look at the cell between the first thread's writes.
  once::OnceCell<int> cell;
  std::latch initializing(1);
  std::latch looked(1);
  std::string message;
  std::thread second([&] {
    initializing.wait();
    try {
      cell.get_or_init([] { return 2; });
    } catch (const recursive_init_error& error) {
      message = error.what();
    }
    looked.count_down();
  });
  const int value = cell.get_or_init([&] {
    initializing.count_down();
    looked.wait();
    return 1;
  });
  second.join();
  CHECK(value == 1);
  CHECK(message.find("another thread is using the cell at the same time") != std::string::npos);
}

// ---- OnceShared: the reads and store never throw -------------------------------

TEST_CASE("OnceShared: waiting calls throw, store and the reads do not", "[once_shared][reentrancy]") {
  using once::recursive_init_error;
  once::OnceShared<int> slot;

  SECTION("get_or_init and get_or_make_shared inside their own initializer throw") {
    int threw = 0;
    int& value = slot.get_or_init([&] {
      try {
        slot.get_or_init([] { return std::make_shared<int>(2); });
      } catch (const recursive_init_error&) {
        ++threw;
      }
      try {
        slot.get_or_make_shared(3);
      } catch (const recursive_init_error&) {
        ++threw;
      }
      return std::make_shared<int>(1);  // the outer initialization still completes
    });
    CHECK(threw == 2);
    CHECK(value == 1);
  }

  SECTION("an escaping recursive_init_error leaves the slot empty and retryable") {
    CHECK_THROWS_AS(slot.get_or_init([&] { return std::make_shared<int>(slot.get_or_make_shared(1) + 1); }),
                    recursive_init_error);
    CHECK(slot.get() == nullptr);
    CHECK(slot.get_or_make_shared(5) == 5);
  }

  SECTION("get and load inside the initializer see an empty slot") {
    bool empty_inside = false;
    slot.get_or_init([&] {
      empty_inside = slot.get() == nullptr && slot.load() == nullptr;
      return std::make_shared<int>(1);
    });
    CHECK(empty_inside);
  }

  SECTION("a store inside the initializer wins; the initializer's result is released") {
    auto stored = std::make_shared<int>(10);
    std::weak_ptr<int> made_inside;
    int seen_inside = 0;
    bool stored_inside = false;
    int& value = slot.get_or_init([&] {
      stored_inside = slot.store(stored);
      // The slot is set now: the nested call returns at once, no error.
      seen_inside = slot.get_or_init([] { return std::make_shared<int>(11); });
      auto made = std::make_shared<int>(12);
      made_inside = made;
      return made;
    });
    CHECK(stored_inside);
    CHECK(seen_inside == 10);
    CHECK(&value == stored.get());
    CHECK(made_inside.expired());
    CHECK(stored.use_count() == 2);
  }
}

TEST_CASE("OnceShared: a cycle through a OnceLock throws", "[once_shared][reentrancy]") {
  once::OnceShared<int> shared;
  once::OnceLock<int> lock;
  CHECK_THROWS_AS(shared.get_or_init([&] {
    return std::make_shared<int>(lock.get_or_init([&] { return shared.get_or_make_shared(1) + 1; }));
  }),
                  once::recursive_init_error);
  CHECK(shared.get() == nullptr);
  CHECK_FALSE(lock.has_value());
}

TEST_CASE("OnceShared: wait inside the slot's own initializer throws", "[once_shared][reentrancy]") {
  once::OnceShared<int> slot;
  bool threw = false;
  slot.get_or_init([&] {
    try {
      slot.wait();
    } catch (const once::recursive_init_error&) {
      threw = true;
    }
    return std::make_shared<int>(1);
  });
  CHECK(threw);
}

#else
TEST_CASE("reentrancy tests need exceptions", "[reentrancy]") { SUCCEED("built without exceptions"); }
#endif
