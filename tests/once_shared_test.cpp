// OnceShared: the contract, parity with OnceLock, and store racing a running initializer.
// SPDX-License-Identifier: MIT
//
// The contract: store, load, get, take, null, aliasing, const T, copy and
// move; parity with OnceLock: has_value, waits, get_or_try_init, construction
// full; and, on threads, the deterministic interplay of store with a running
// initializer. OnceShared's reentrancy, constinit and size, timed waits and
// stress are in the files named for them.
//
// Worker threads record what they see in atomics; the assertions run after
// the threads are joined (Catch2's macros are not thread-safe).
#include <atomic>
#include <chrono>
#include <latch>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include <once/once_shared.hpp>

#include "catch.hpp"
#include "test_types.hpp"
#include "threads.hpp"

using namespace std::chrono_literals;
using test::Counted;

namespace {

struct Base {
  virtual ~Base() = default;
  int base_value = 1;
};
struct Derived : Base {
  int derived_value = 2;
};

struct Config {
  std::string name;
  int workers = 0;
};

}  // namespace

// ---- The contract, on one thread -------------------------------------------------

TEST_CASE("an empty slot", "[once_shared]") {
  once::OnceShared<int> slot;
  CHECK(slot.get() == nullptr);
  CHECK(slot.load() == nullptr);
  CHECK(slot.take() == nullptr);
  const once::OnceShared<int>& const_slot = slot;
  CHECK(const_slot.get() == nullptr);
  CHECK(const_slot.load() == nullptr);
}

TEST_CASE("store sets the slot once; a losing store leaves its argument untouched", "[once_shared]") {
  Counted::reset_counts();
  {
    once::OnceShared<Counted> slot;
    auto first = std::make_shared<Counted>(1);
    CHECK(slot.store(first));
    CHECK(first.use_count() == 2);  // the caller's and the slot's
    CHECK(slot.get() == first.get());
    CHECK(slot.get()->value == 1);

    auto second = std::make_shared<Counted>(2);
    CHECK_FALSE(slot.store(second));
    CHECK(second.use_count() == 1);  // not copied

    auto third = std::make_shared<Counted>(3);
    CHECK_FALSE(slot.store(std::move(third)));
    REQUIRE(third != nullptr);  // not moved from
    CHECK(third.use_count() == 1);
    CHECK(third->value == 3);

    CHECK(slot.get() == first.get());
    CHECK(first.use_count() == 2);
  }
  CHECK(Counted::alive.load() == 0);
}

TEST_CASE("store by move hands the slot the caller's reference", "[once_shared]") {
  once::OnceShared<Counted> slot;
  auto value = std::make_shared<Counted>(5);
  const std::weak_ptr<Counted> watch = value;
  Counted* raw = value.get();
  CHECK(slot.store(std::move(value)));
  CHECK(value == nullptr);  // NOLINT(bugprone-use-after-move): moved into the slot
  CHECK(watch.use_count() == 1);
  CHECK(slot.get() == raw);
}

TEST_CASE("load returns an owning copy; get touches no reference count", "[once_shared]") {
  once::OnceShared<Counted> slot;
  auto value = std::make_shared<Counted>(7);
  REQUIRE(slot.store(value));
  CHECK(value.use_count() == 2);
  {
    const Counted* raw = slot.get();
    CHECK(raw == value.get());
    CHECK(value.use_count() == 2);
    std::shared_ptr<Counted> copy = slot.load();
    CHECK(copy == value);
    CHECK(value.use_count() == 3);
  }
  CHECK(value.use_count() == 2);
}

TEST_CASE("the destructor releases the slot's reference", "[once_shared]") {
  Counted::reset_counts();
  std::weak_ptr<Counted> watch;
  std::shared_ptr<Counted> outlives;
  {
    once::OnceShared<Counted> slot;
    slot.get_or_make_shared(8);
    watch = slot.load();
    CHECK(watch.use_count() == 1);
  }
  CHECK(watch.expired());
  CHECK(Counted::alive.load() == 0);

  {
    once::OnceShared<Counted> slot;
    slot.get_or_make_shared(9);
    outlives = slot.load();  // the reason load() exists: a reference that outlives the slot
  }
  REQUIRE(outlives != nullptr);
  CHECK(outlives.use_count() == 1);
  CHECK(outlives->value == 9);
  outlives.reset();
  CHECK(Counted::alive.load() == 0);
}

TEST_CASE("take empties the slot, which can then be set again", "[once_shared]") {
  once::OnceShared<Counted> slot;
  auto first = std::make_shared<Counted>(1);
  REQUIRE(slot.store(first));
  std::shared_ptr<Counted> taken = slot.take();
  CHECK(taken == first);
  CHECK(first.use_count() == 2);  // first and taken: the slot's reference moved out, not copied
  CHECK(slot.get() == nullptr);
  CHECK(slot.load() == nullptr);
  CHECK(slot.take() == nullptr);

  CHECK(slot.get_or_make_shared(2).value == 2);
  CHECK(slot.take()->value == 2);
  auto third = std::make_shared<Counted>(3);
  CHECK(slot.store(third));
  CHECK(slot.get() == third.get());
}

TEST_CASE("get_or_init runs its function only while the slot is empty", "[once_shared]") {
  once::OnceShared<std::string> slot;
  int calls = 0;
  auto make = [&] {
    ++calls;
    return std::make_shared<std::string>("made");
  };
  std::string& value = slot.get_or_init(make);
  CHECK(value == "made");
  CHECK(&slot.get_or_init(make) == &value);
  CHECK(calls == 1);
  CHECK(slot.get() == &value);
  CHECK(slot.load().use_count() == 2);  // the slot's and the temporary's
  CHECK_FALSE(slot.store(std::make_shared<std::string>("late")));
  CHECK(*slot.get() == "made");
}

TEST_CASE("get_or_init takes anything that converts to shared_ptr<T>", "[once_shared]") {
  once::OnceShared<Base> from_derived;
  Base& base = from_derived.get_or_init([] { return std::make_shared<Derived>(); });
  CHECK(dynamic_cast<Derived*>(&base) != nullptr);

  once::OnceShared<int> from_unique;
  CHECK(from_unique.get_or_init([] { return std::make_unique<int>(4); }) == 4);
  CHECK(from_unique.load().use_count() == 2);
}

TEST_CASE("get_or_make_shared uses its arguments only when it makes the value", "[once_shared]") {
  once::OnceShared<std::string> slot;
  std::string first(50, 'x');
  CHECK(slot.get_or_make_shared(std::move(first)) == std::string(50, 'x'));
  std::string second(50, 'y');
  CHECK(slot.get_or_make_shared(std::move(second)) == std::string(50, 'x'));
  CHECK(second == std::string(50, 'y'));  // NOLINT(bugprone-use-after-move): not moved from

  once::OnceShared<Config> config;
  Config& made = config.get_or_make_shared(Config{"svc", 4});
  CHECK(made.name == "svc");
  CHECK(made.workers == 4);
}

TEST_CASE("aliasing shared_ptrs: the slot keeps the whole owner alive", "[once_shared]") {
  Counted::reset_counts();
  struct Pair {
    Counted first{1};
    Counted second{2};
  };
  {
    once::OnceShared<Counted> slot;
    auto owner = std::make_shared<Pair>();
    const std::weak_ptr<Pair> watch = owner;
    std::shared_ptr<Counted> alias(owner, &owner->second);
    REQUIRE(slot.store(alias));
    CHECK(slot.get() == &owner->second);
    owner.reset();
    alias.reset();
    CHECK_FALSE(watch.expired());  // only the slot holds it now
    CHECK(slot.get()->value == 2);
    std::shared_ptr<Counted> loaded = slot.load();
    CHECK(loaded.get() == slot.get());
    CHECK(watch.use_count() == 2);  // the load shares ownership of the whole Pair
    loaded.reset();
    CHECK(Counted::alive.load() == 2);
  }
  CHECK(Counted::alive.load() == 0);
}

TEST_CASE("a non-owning shared_ptr that points somewhere is a value", "[once_shared]") {
  static int lent = 42;  // static storage: lent, not owned
  once::OnceShared<int> slot;
  const std::shared_ptr<int> non_owning(std::shared_ptr<int>(), &lent);
  REQUIRE(non_owning.use_count() == 0);
  CHECK(slot.store(non_owning));
  CHECK(slot.get() == &lent);
  CHECK(slot.load().get() == &lent);
  CHECK(slot.load().use_count() == 0);  // handed back as it was given
  CHECK(slot.take().get() == &lent);
}

TEST_CASE("OnceShared<const T> and converting stores", "[once_shared]") {
  once::OnceShared<const Config> config;
  STATIC_REQUIRE(std::is_same_v<decltype(config.get()), const Config*>);
  STATIC_REQUIRE(std::is_same_v<decltype(config.load()), std::shared_ptr<const Config>>);

  auto mutable_config = std::make_shared<Config>(Config{"a", 1});
  CHECK(config.store(mutable_config));  // shared_ptr<Config> -> shared_ptr<const Config>
  CHECK(config.get() == mutable_config.get());
  CHECK(mutable_config.use_count() == 2);

  auto late = std::make_shared<Config>(Config{"b", 2});
  CHECK_FALSE(config.store(std::move(late)));
  REQUIRE(late != nullptr);  // a converting move that loses leaves the argument intact
  CHECK(late.use_count() == 1);

  once::OnceShared<const std::string> made;
  CHECK(made.get_or_make_shared(3u, 'z') == "zzz");
  CHECK(made.get_or_init([] { return std::make_shared<std::string>("unused"); }) == "zzz");

  once::OnceShared<Base> base;
  auto derived = std::make_shared<Derived>();
  CHECK(base.store(derived));
  CHECK(base.get() == static_cast<Base*>(derived.get()));
  auto other = std::make_shared<Derived>();
  CHECK_FALSE(base.store(std::move(other)));
  CHECK(other != nullptr);  // NOLINT(bugprone-use-after-move): not moved from
}

TEST_CASE("copy and move", "[once_shared]") {
  Counted::reset_counts();
  {
    once::OnceShared<Counted> source;
    source.get_or_make_shared(1);

    once::OnceShared<Counted> copy(source);
    CHECK(copy.get() == source.get());
    CHECK(source.load().use_count() == 3);  // source, copy, the temporary

    once::OnceShared<Counted> moved(std::move(source));
    CHECK(source.get() == nullptr);  // NOLINT(bugprone-use-after-move): a move takes the source
    CHECK(moved.get() == copy.get());

    once::OnceShared<Counted> assigned;
    assigned.get_or_make_shared(2);
    assigned = copy;
    CHECK(assigned.get() == copy.get());
    CHECK(assigned.get()->value == 1);
    CHECK(Counted::alive.load() == 1);  // the 2 was released

    const once::OnceShared<Counted>& same = assigned;
    assigned = same;  // self-assignment keeps the value
    CHECK(assigned.get() == copy.get());

    once::OnceShared<Counted> empty;
    assigned = empty;
    CHECK(assigned.get() == nullptr);
    assigned = std::move(moved);
    CHECK(moved.get() == nullptr);  // NOLINT(bugprone-use-after-move)
    CHECK(assigned.get() == copy.get());
    CHECK(copy.load().use_count() == 3);  // copy, assigned, the temporary

    once::OnceShared<Counted> from_empty(empty);
    CHECK(from_empty.get() == nullptr);
    CHECK(from_empty.get_or_make_shared(3).value == 3);
  }
  CHECK(Counted::alive.load() == 0);
}

#if ONCE_HAS_EXCEPTIONS
TEST_CASE("a null pointer is never a value", "[once_shared][null]") {
  once::OnceShared<int> slot;
  CHECK_THROWS_AS(slot.store(std::shared_ptr<int>()), std::invalid_argument);
  const std::shared_ptr<int> empty;
  CHECK_THROWS_AS(slot.store(empty), std::invalid_argument);
  CHECK_THROWS_AS(slot.store(nullptr), std::invalid_argument);
  // Owns something, points nowhere: refused too.
  auto owner = std::make_shared<int>(1);
  const std::shared_ptr<int> owning_null(owner, static_cast<int*>(nullptr));
  CHECK_THROWS_AS(slot.store(owning_null), std::invalid_argument);
  CHECK(owner.use_count() == 2);  // owner and owning_null: the slot took nothing
  CHECK(slot.get() == nullptr);
  CHECK(slot.load() == nullptr);

  // A full slot throws too, and keeps its value.
  auto value = std::make_shared<int>(2);
  REQUIRE(slot.store(value));
  CHECK_THROWS_AS(slot.store(std::shared_ptr<int>()), std::invalid_argument);
  CHECK(slot.get() == value.get());
  CHECK(value.use_count() == 2);
}

TEST_CASE("an initializer that returns null throws and leaves the slot empty", "[once_shared][null]") {
  once::OnceShared<int> slot;
  CHECK_THROWS_AS(slot.get_or_init([] { return std::shared_ptr<int>(); }), std::invalid_argument);
  CHECK(slot.get() == nullptr);
  CHECK_THROWS_AS(slot.get_or_init([] { return std::unique_ptr<int>(); }), std::invalid_argument);
  CHECK(slot.get() == nullptr);
  CHECK(slot.get_or_init([] { return std::make_shared<int>(3); }) == 3);
}

TEST_CASE("an initializer that throws leaves the slot empty, and the next call retries", "[once_shared]") {
  Counted::reset_counts();
  once::OnceShared<Counted> slot;
  int calls = 0;
  auto failing = [&]() -> std::shared_ptr<Counted> {
    ++calls;
    auto made = std::make_shared<Counted>(1);  // released by the unwinding
    throw test::Boom{};
  };
  CHECK_THROWS_AS(slot.get_or_init(failing), test::Boom);
  CHECK_THROWS_AS(slot.get_or_init(failing), test::Boom);
  CHECK(calls == 2);
  CHECK(slot.get() == nullptr);
  CHECK(slot.load() == nullptr);
  CHECK(Counted::alive.load() == 0);
  CHECK(slot.get_or_make_shared(2).value == 2);
  auto late = std::make_shared<Counted>(3);
  CHECK_FALSE(slot.store(late));
}

#endif  // ONCE_HAS_EXCEPTIONS

// ---- Parity with OnceLock: has_value, waits, get_or_try_init, construction full ---

TEST_CASE("has_value reports a complete slot", "[once_shared][parity]") {
  once::OnceShared<int> slot;
  CHECK_FALSE(slot.has_value());
  CHECK(slot.store(std::make_shared<int>(1)));
  CHECK(slot.has_value());
  static_cast<void>(slot.take());
  CHECK_FALSE(slot.has_value());
}

TEST_CASE("constructed full from a shared_ptr", "[once_shared][parity]") {
  auto value = std::make_shared<Counted>(4);
  const once::OnceShared<Counted> slot(value);
  CHECK(slot.has_value());
  CHECK(slot.get() == value.get());
  CHECK(slot.load() == value);
  CHECK(value.use_count() == 2);  // `value` and the slot
  CHECK(&slot.wait() == value.get());
  STATIC_REQUIRE_FALSE(std::is_convertible_v<std::shared_ptr<int>, once::OnceShared<int>>);
}

TEST_CASE("get_or_try_init: an empty result leaves the slot empty", "[once_shared][parity]") {
  once::OnceShared<int> slot;
  int calls = 0;
  auto decline = [&] {
    ++calls;
    return std::optional<std::shared_ptr<int>>();
  };
  CHECK(slot.get_or_try_init(decline) == nullptr);
  CHECK_FALSE(slot.has_value());
  CHECK(slot.get() == nullptr);
  int* made = slot.get_or_try_init([&] {
    ++calls;
    return std::optional<std::shared_ptr<int>>(std::make_shared<int>(7));
  });
  REQUIRE(made != nullptr);
  CHECK(*made == 7);
  CHECK(slot.get() == made);
  CHECK(slot.get_or_try_init(decline) == made);  // full: f is not called
  CHECK(calls == 2);
}

#if ONCE_HAS_EXCEPTIONS
TEST_CASE("null is never a value: the constructor and get_or_try_init", "[once_shared][parity][null]") {
  CHECK_THROWS_AS(once::OnceShared<int>(std::shared_ptr<int>()), std::invalid_argument);
  once::OnceShared<int> slot;
  CHECK_THROWS_AS(slot.get_or_try_init([] { return std::optional<std::shared_ptr<int>>(std::shared_ptr<int>()); }),
                  std::invalid_argument);
  CHECK_FALSE(slot.has_value());
  CHECK_THROWS_AS(slot.get_or_try_init([]() -> std::optional<std::shared_ptr<int>> { throw test::Boom(); }),
                  test::Boom);
  CHECK_FALSE(slot.has_value());
  CHECK(*slot.get_or_try_init([] { return std::optional(std::make_shared<int>(1)); }) == 1);
}

#endif

TEST_CASE("waiters sleep until a store, a get_or_init or a get_or_try_init sets the slot",
          "[once_shared][parity][blocking]") {
  enum class How { kStore, kInit, kTryInit };
  for (How how : {How::kStore, How::kInit, How::kTryInit}) {
    once::OnceShared<int> slot;
    constexpr int kWaiters = 3;
    std::vector<std::atomic<int>> tids(kWaiters);
    std::atomic<int> wrong{0};
    std::vector<std::thread> waiters;
    for (int i = 0; i < kWaiters; ++i) {
      waiters.emplace_back([&, i] {
        tids[static_cast<std::size_t>(i)] = test::current_tid();
        int* seen = nullptr;
        if (i == 0) seen = &slot.wait();
        if (i == 1) seen = slot.wait_for(1h);
        if (i == 2) seen = slot.wait_until(std::chrono::system_clock::now() + 1h);
        if (seen == nullptr || *seen != 42) wrong.fetch_add(1);
      });
    }
    std::vector<int> waiter_tids;
    for (auto& tid : tids) {
      CHECK(test::eventually([&] { return tid.load() != 0; }));
      waiter_tids.push_back(tid.load());
    }
    CHECK(test::eventually_all_asleep(waiter_tids));
    switch (how) {
      case How::kStore:
        CHECK(slot.store(std::make_shared<int>(42)));
        break;
      case How::kInit:
        CHECK(slot.get_or_init([] { return std::make_shared<int>(42); }) == 42);
        break;
      case How::kTryInit:
        CHECK(*slot.get_or_try_init([] { return std::optional(std::make_shared<int>(42)); }) == 42);
        break;
    }
    for (auto& waiter : waiters) waiter.join();
    CHECK(wrong.load() == 0);
  }
}

// ---- Threads, deterministic -------------------------------------------------------

TEST_CASE("concurrent get_or_init callers sleep while one initializer runs", "[once_shared][blocking]") {
  once::OnceShared<std::string> slot;
  std::latch entered(1);
  std::latch release(1);
  std::atomic<int> calls{0};
  std::atomic<int> wrong{0};
  std::atomic<int> returned{0};
  auto call = [&](bool holder) {
    const std::string& value = slot.get_or_init([&] {
      calls.fetch_add(1);
      if (holder) {
        entered.count_down();
        release.wait();
      }
      return std::make_shared<std::string>(holder ? "held" : "other");
    });
    if (value != "held") wrong.fetch_add(1);
    returned.fetch_add(1);
  };
  std::thread holder(call, true);
  entered.wait();

  constexpr int kWaiters = 3;
  std::vector<std::atomic<int>> tids(kWaiters);
  std::vector<std::thread> waiters;
  for (int i = 0; i < kWaiters; ++i) {
    waiters.emplace_back([&, i] {
      tids[static_cast<std::size_t>(i)] = test::current_tid();
      call(false);
    });
  }
  std::vector<int> waiter_tids;
  for (auto& tid : tids) {
    CHECK(test::eventually([&] { return tid.load() != 0; }));
    waiter_tids.push_back(tid.load());
  }
  CHECK(test::eventually_all_asleep(waiter_tids));
  CHECK(calls.load() == 1);
  CHECK(returned.load() == 0);
  CHECK(slot.get() == nullptr);
  CHECK(slot.load() == nullptr);  // load never blocks on an initializer

  release.count_down();
  holder.join();
  for (auto& waiter : waiters) waiter.join();
  CHECK(calls.load() == 1);
  CHECK(returned.load() == kWaiters + 1);
  CHECK(wrong.load() == 0);
}

TEST_CASE("a store wins while an initializer is held inside f; its result is released", "[once_shared][blocking]") {
  Counted::reset_counts();
  {
    once::OnceShared<Counted> slot;
    std::latch entered(1);
    std::latch release(1);
    std::weak_ptr<Counted> made_by_initializer;
    std::atomic<const Counted*> initializer_got{nullptr};
    std::thread initializer([&] {
      const Counted& value = slot.get_or_init([&] {
        auto made = std::make_shared<Counted>(1);
        made_by_initializer = made;
        entered.count_down();
        release.wait();
        return made;
      });
      initializer_got = &value;
    });
    entered.wait();

    // A second caller sleeps on the running initializer.
    std::atomic<int> sleeper_tid{0};
    std::atomic<int> sleeper_calls{0};
    std::atomic<const Counted*> sleeper_got{nullptr};
    std::thread sleeper([&] {
      sleeper_tid = test::current_tid();
      const Counted& value = slot.get_or_init([&] {
        sleeper_calls.fetch_add(1);
        return std::make_shared<Counted>(3);
      });
      sleeper_got = &value;
    });
    CHECK(test::eventually([&] { return sleeper_tid.load() != 0; }));
    CHECK(test::eventually_all_asleep({sleeper_tid.load()}));
    CHECK(slot.get() == nullptr);

    // The store does not wait for the initializer, and wakes the sleeper.
    auto stored = std::make_shared<Counted>(2);
    CHECK(slot.store(stored));
    CHECK(slot.get() == stored.get());
    CHECK(slot.load() == stored);
    CHECK(test::eventually([&] { return sleeper_got.load() != nullptr; }));
    CHECK(sleeper_got.load() == stored.get());
    CHECK(sleeper_calls.load() == 0);
    CHECK(initializer_got.load() == nullptr);  // still held inside f

    release.count_down();
    initializer.join();
    sleeper.join();
    CHECK(initializer_got.load() == stored.get());
    CHECK(made_by_initializer.expired());  // released unused
    CHECK(stored.use_count() == 2);        // the test's and the slot's
    CHECK(Counted::alive.load() == 1);
    auto late = std::make_shared<Counted>(4);
    CHECK_FALSE(slot.store(late));
  }
  CHECK(Counted::alive.load() == 0);
}
