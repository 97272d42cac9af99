// OnceShared: the contract (store, load, get, take, null, aliasing, const T,
// reentrancy, copy and move, constinit, size), the deterministic interplay of
// store with a running initializer, and stress on fresh slots.
//
// Worker threads record what they see in atomics or in per-thread records;
// the assertions run after the threads are joined (Catch2's macros are not
// thread-safe).
#include <algorithm>
#include <atomic>
#include <barrier>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <latch>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include <once/once_lock.hpp>
#include <once/once_shared.hpp>

#include "catch.hpp"
#include "stress.hpp"
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

TEST_CASE("reentrancy: waiting calls throw, store and the reads do not", "[once_shared][reentrancy]") {
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

TEST_CASE("reentrancy: a cycle through another cell throws", "[once_shared][reentrancy]") {
  once::OnceShared<int> shared;
  once::OnceLock<int> lock;
  CHECK_THROWS_AS(shared.get_or_init([&] {
    return std::make_shared<int>(lock.get_or_init([&] { return shared.get_or_make_shared(1) + 1; }));
  }),
                  once::recursive_init_error);
  CHECK(shared.get() == nullptr);
  CHECK_FALSE(lock.has_value());
}
#endif  // ONCE_HAS_EXCEPTIONS

// ---- constinit and size ----------------------------------------------------------

namespace {
constinit once::OnceShared<const Config> global_config;
constinit once::OnceShared<int> global_int;

const Config& local_static_config() {
  static constinit once::OnceShared<const Config> local;
  return local.get_or_make_shared(Config{"local", 2});
}
}  // namespace

TEST_CASE("constinit at namespace scope and as a function-local static", "[once_shared][constinit]") {
  CHECK(global_int.get() == nullptr);
  CHECK(global_int.get_or_make_shared(6) == 6);
  CHECK(global_config.store(std::make_shared<Config>(Config{"global", 1})));
  CHECK(global_config.get()->name == "global");
  CHECK(local_static_config().name == "local");
  CHECK(&local_static_config() == &local_static_config());
}

TEST_CASE("size: the pointer, the state word and a shared_ptr", "[once_shared][constinit]") {
  STATIC_REQUIRE(sizeof(once::OnceShared<int>) == 4 * sizeof(void*));
  STATIC_REQUIRE(sizeof(once::OnceShared<const Config>) == 4 * sizeof(void*));
  STATIC_REQUIRE(std::is_nothrow_default_constructible_v<once::OnceShared<int>>);
}

// ---- Parity with OnceLock: has_value, waits, get_or_try_init, full construction ----

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

TEST_CASE("wait inside the slot's own initializer throws", "[once_shared][parity][reentrancy]") {
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
#endif

TEST_CASE("timed waits: nullptr on timeout, the value once set", "[once_shared][parity][timed]") {
  once::OnceShared<int> slot;
  const auto start = std::chrono::steady_clock::now();
  CHECK(slot.wait_for(20ms) == nullptr);
  CHECK(std::chrono::steady_clock::now() - start >= 20ms);
  CHECK(slot.wait_until(std::chrono::system_clock::now() + 5ms) == nullptr);
  CHECK(slot.wait_until(std::chrono::steady_clock::now() - 1s) == nullptr);
  auto value = std::make_shared<int>(3);
  CHECK(slot.store(value));
  CHECK(slot.wait_for(0s) == value.get());
  CHECK(slot.wait_until(std::chrono::steady_clock::now()) == value.get());
}

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

// The capability load() and get_or_init stand on: a wait for another thread's
// imminent complete() must work, without a reentrancy error, from inside the
// word's own initializer (where OnceState::wait() would throw).
TEST_CASE("OnceState: waiting for an imminent completion inside the initializer", "[once_shared][once_state]") {
  once::detail::OnceState state;
  const int initializer_tid = test::current_tid();
  bool waited = false;
  bool completer_saw_sleeper = false;
  auto init = [&]() -> bool {
    std::thread completer([&] {
      completer_saw_sleeper = test::eventually_all_asleep({initializer_tid});
      state.complete();
    });
    state.wait_for_imminent_complete();
    waited = true;
    completer.join();
    return false;  // decline: the roll-back must leave the word complete
  };
  CHECK_FALSE(state.initialize(init));
  CHECK(waited);
  CHECK(completer_saw_sleeper);
  CHECK(state.is_complete());
  CHECK_FALSE(state.is_running());
}

// ---- Stress ------------------------------------------------------------------------

namespace {

enum class Op { kStoreCopy, kStoreMove, kGetOrInit, kGetOrMakeShared };
constexpr int kOps = 4;
constexpr int kSlotsPerRound = 16;

/// What one thread did and saw on one slot in one round.
struct Record {
  Op op = Op::kStoreCopy;
  std::shared_ptr<Counted> candidate;  // the stores' argument
  bool stored = false;                 // the store returned true
  bool made = false;                   // this thread's initializer returned a value
  const Counted* before = nullptr;     // get() before the operation: null or the final value
  const Counted* after = nullptr;      // get_or_init's result, or get() after a store
  const Counted* loaded = nullptr;     // load() after the operation
  int value_seen = 0;                  // the value read through `after`
};

}  // namespace

TEST_CASE("stress: stores and initializers race on fresh slots", "[once_shared][stress]") {
  // At least two threads per operation on every slot: two initializers can
  // then race each other as well as the stores.
  const int threads = std::max(2 * kOps, test::stress_threads());
  const int round_count = test::stress_rounds(5000);
  Counted::reset_counts();

  std::vector<once::OnceShared<Counted>> slots(kSlotsPerRound);
  std::vector<std::vector<Record>> records(static_cast<std::size_t>(threads), std::vector<Record>(kSlotsPerRound));
  std::atomic<int> not_one_winner{0};     // a slot set by no one or by two
  std::atomic<int> wrong_observation{0};  // a thread saw a value other than the final one
  std::atomic<int> argument_touched{0};   // a losing store's argument copied or moved
  std::atomic<int> bad_use_count{0};
  std::atomic<int> leaked{0};  // values alive after a round's slots were emptied
  std::atomic<int> extra_initializer_runs{0};
  std::atomic<long> operations{0};  // proves the rounds ran
  std::atomic<int> thrown{0};
  std::atomic<int> caught{0};
  // Every candidate carries an id that says who made it: thread * kSlotsPerRound + slot + 1.
  auto id_of = [](int t, int k) { return t * kSlotsPerRound + k + 1; };

  // Checks the round just run (threads idle), then empties everything and
  // prepares round `round`.
  auto check_and_prepare = [&](int round) {
    if (round > 0) {
      for (int k = 0; k < kSlotsPerRound; ++k) {
        auto& slot = slots[static_cast<std::size_t>(k)];
        const Counted* final_value = slot.get();
        if (final_value == nullptr) {
          not_one_winner.fetch_add(1);
          continue;
        }
        const int winner = (final_value->value - 1) / kSlotsPerRound;
        int winners = 0;
        int initializers_made = 0;
        for (int t = 0; t < threads; ++t) {
          const Record& r = records[static_cast<std::size_t>(t)][static_cast<std::size_t>(k)];
          if (r.made && r.op == Op::kGetOrInit) ++initializers_made;
          const bool won = r.stored || (r.made && t == winner && final_value->value == id_of(t, k));
          winners += won ? 1 : 0;
          if (won != (t == winner)) not_one_winner.fetch_add(1);
          if (r.after != final_value || r.loaded != final_value || r.value_seen != final_value->value) {
            wrong_observation.fetch_add(1);
          }
          if (r.before != nullptr && r.before != final_value) wrong_observation.fetch_add(1);
          switch (r.op) {
            case Op::kStoreCopy:
              // The thread's own reference, plus the slot's if it won.
              if (r.candidate.use_count() != (r.stored ? 2 : 1)) bad_use_count.fetch_add(1);
              break;
            case Op::kStoreMove:
              if (r.stored ? r.candidate != nullptr : r.candidate.use_count() != 1) argument_touched.fetch_add(1);
              break;
            default:
              break;
          }
        }
        if (winners != 1) not_one_winner.fetch_add(1);
        // One initializer at a time, and none once a pointer is published:
        // at most one f per slot returns a value (the others threw, or never ran).
        if (initializers_made > 1) extra_initializer_runs.fetch_add(1);
        if (slot.load().use_count() !=
            (records[static_cast<std::size_t>(winner)][static_cast<std::size_t>(k)].op == Op::kStoreCopy ? 3 : 2)) {
          bad_use_count.fetch_add(1);  // the slot holds exactly one reference
        }
        static_cast<void>(slot.take());
      }
      for (auto& thread_records : records) {
        for (auto& r : thread_records) r = Record{};
      }
      if (Counted::alive.load() != 0) leaked.fetch_add(1);
      Counted::reset_counts();
    }
    if (round >= round_count) return;
    for (int t = 0; t < threads; ++t) {
      for (int k = 0; k < kSlotsPerRound; ++k) {
        Record& r = records[static_cast<std::size_t>(t)][static_cast<std::size_t>(k)];
        r.op = static_cast<Op>((t + k + round) % kOps);  // every operation on every slot, in turn
      }
    }
  };

  test::run_rounds(threads, round_count, check_and_prepare, [&](int round, int t) {
    std::uint32_t random = static_cast<std::uint32_t>(round * 7919 + t * 104729 + 1);
    for (int k = 0; k < kSlotsPerRound; ++k) {
      auto& slot = slots[static_cast<std::size_t>(k)];
      Record& r = records[static_cast<std::size_t>(t)][static_cast<std::size_t>(k)];
      // Made here, not before the round: only the store's release then
      // orders the object's construction before other threads read it.
      if (r.op == Op::kStoreCopy || r.op == Op::kStoreMove) r.candidate = std::make_shared<Counted>(id_of(t, k));
      r.before = slot.get();
      const Counted* result = nullptr;
      switch (r.op) {
        case Op::kStoreCopy:
          r.stored = slot.store(r.candidate);
          result = slot.get();  // non-null on this thread once store returned, whoever won
          break;
        case Op::kStoreMove:
          r.stored = slot.store(std::move(r.candidate));  // on false, r.candidate must be intact
          result = slot.get();
          break;
        case Op::kGetOrInit:
          for (;;) {
#if ONCE_HAS_EXCEPTIONS
            try {
#endif
              result = &slot.get_or_init([&] {
                random = random * 1664525u + 1013904223u;  // an LCG: cheap, deterministic per thread
#if ONCE_HAS_EXCEPTIONS
                if ((random >> 16) % 4 == 0) {
                  thrown.fetch_add(1);
                  throw test::Boom{};
                }
#endif
                // Sometimes give a store the time to win while f runs.
                if ((random >> 16) % 4 == 1) std::this_thread::yield();
                r.made = true;
                return std::make_shared<Counted>(id_of(t, k));
              });
              break;
#if ONCE_HAS_EXCEPTIONS
            } catch (const test::Boom&) {
              caught.fetch_add(1);  // and try again
            }
#endif
          }
          break;
        case Op::kGetOrMakeShared:
          result = &slot.get_or_make_shared(id_of(t, k));
          r.made = result->value == id_of(t, k);
          break;
      }
      r.after = result;
      r.value_seen = result == nullptr ? -1 : result->value;
      r.loaded = slot.load().get();
      operations.fetch_add(1, std::memory_order_relaxed);
    }
  });

  slots.clear();
  CHECK(operations.load() == static_cast<long>(threads) * round_count * kSlotsPerRound);
  CHECK(not_one_winner.load() == 0);
  CHECK(wrong_observation.load() == 0);
  CHECK(argument_touched.load() == 0);
  CHECK(bad_use_count.load() == 0);
  CHECK(leaked.load() == 0);
  CHECK(extra_initializer_runs.load() == 0);
  CHECK(thrown.load() == caught.load());
  CHECK(Counted::alive.load() == 0);
}

// load() from inside an initializer while another thread's store is between
// publishing its pointer and completing the slot: load() must wait that
// window out, not throw recursive_init_error (which, out of a noexcept
// function, would terminate the program). The window is a few instructions
// wide, so the round count is what makes hitting it likely.
TEST_CASE("stress: load inside an initializer while a store races in", "[once_shared][stress]") {
  const int round_count = test::stress_rounds(20000);
  std::unique_ptr<once::OnceShared<int>> slot;
  std::atomic<bool> in_initializer{false};
  std::atomic<int> wrong{0};
  std::atomic<int> store_lost{0};
  std::atomic<int> initializer_leaked{0};
  std::weak_ptr<int> made_inside;
  std::shared_ptr<int> stored;

  test::run_rounds(
      2, round_count,
      [&](int round) {
        if (round > 0 && !made_inside.expired()) initializer_leaked.fetch_add(1);
        slot = std::make_unique<once::OnceShared<int>>();
        stored = std::make_shared<int>(round);
        in_initializer = false;
      },
      [&](int round, int t) {
        if (t == 0) {
          int& value = slot->get_or_init([&] {
            in_initializer.store(true);
            // Until the store lands (it never blocks on us). Spinning keeps
            // calling load() while the window is open; the yields keep a
            // descheduled storer from costing a whole time slice per round.
            std::shared_ptr<int> seen;
            for (int spins = 0; (seen = slot->load()) == nullptr; ++spins) {
              if (spins > 1000) std::this_thread::yield();
            }
            if (*seen != round) wrong.fetch_add(1);
            auto made = std::make_shared<int>(-1);
            made_inside = made;
            return made;
          });
          if (value != round) wrong.fetch_add(1);
        } else {
          for (int spins = 0; !in_initializer.load(); ++spins) {
            if (spins > 1000) std::this_thread::yield();
          }
          if (!slot->store(stored)) store_lost.fetch_add(1);
        }
      });
  slot.reset();
  CHECK(wrong.load() == 0);
  CHECK(store_lost.load() == 0);
  CHECK(initializer_leaked.load() == 0);
  CHECK(made_inside.expired());
}
