// Stress on OnceLock and OnceShared: all threads released together on fresh cells, round after round.
// SPDX-License-Identifier: MIT
//
// SetOnce's stress is in set_once_stress_test.cpp. Worker threads record what
// they see in atomics; the assertions run after the threads are joined
// (Catch2's macros are not thread-safe).
#include <algorithm>
#include <array>
#include <atomic>
#include <barrier>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <once/once_lock.hpp>
#include <once/once_shared.hpp>

#include "catch.hpp"
#include "stress.hpp"
#include "test_types.hpp"

using test::Counted;

namespace {

// A value much wider than one atomic store: a reader that could see it half
// built would find words that disagree.
struct Payload {
  std::array<std::uint64_t, 16> words{};
  explicit Payload(std::uint64_t seed) { words.fill(seed); }
  bool whole(std::uint64_t seed) const {
    return std::all_of(words.begin(), words.end(), [&](std::uint64_t w) { return w == seed; });
  }
};

constexpr int kCellsPerRound = 16;

std::uint64_t seed_of(int round, int cell) {
  return static_cast<std::uint64_t>(round) * 1000 + 1 + static_cast<std::uint64_t>(cell);
}

}  // namespace

// ---- OnceLock ---------------------------------------------------------------------

TEST_CASE("stress: one initializer per fresh cell, and every reader sees the whole value", "[stress]") {
  const int round_count = test::stress_rounds(4000);
  std::unique_ptr<once::OnceLock<Payload>[]> cells;
  std::array<std::atomic<int>, kCellsPerRound> runs{};
  std::atomic<int> not_once{0};  // cells whose initializer ran other than exactly once
  std::atomic<int> torn{0};

  test::run_rounds(
      test::stress_threads(), round_count,
      [&](int round) {
        for (auto& r : runs) {
          if (round > 0 && r.load() != 1) not_once.fetch_add(1);
          r = 0;
        }
        cells = std::make_unique<once::OnceLock<Payload>[]>(kCellsPerRound);
      },
      [&](int round, int) {
        // Every thread goes through the cells in the same order, so that all
        // of them race for each cell at the same time.
        for (int i = 0; i < kCellsPerRound; ++i) {
          const Payload& value = cells[static_cast<std::size_t>(i)].get_or_init([&] {
            runs[static_cast<std::size_t>(i)].fetch_add(1, std::memory_order_relaxed);
            return Payload(seed_of(round, i));
          });
          if (!value.whole(seed_of(round, i))) torn.fetch_add(1);
        }
      });
  CHECK(not_once.load() == 0);
  CHECK(torn.load() == 0);
}

#if ONCE_HAS_EXCEPTIONS
TEST_CASE("stress: initializers that throw at random", "[stress]") {
  const int round_count = test::stress_rounds(3000);
  std::unique_ptr<once::OnceLock<test::Counted>[]> cells;
  std::array<std::atomic<int>, kCellsPerRound> successes{};
  std::atomic<int> thrown{0};
  std::atomic<int> caught{0};
  std::atomic<int> wrong{0};
  std::atomic<int> bad_success_count{0};
  test::Counted::reset_counts();

  test::run_rounds(
      test::stress_threads(), round_count,
      [&](int round) {
        for (auto& s : successes) {
          if (round > 0 && s.load() != 1) bad_success_count.fetch_add(1);
          s = 0;
        }
        cells = std::make_unique<once::OnceLock<test::Counted>[]>(kCellsPerRound);
      },
      [&](int round, int t) {
        std::uint32_t random = static_cast<std::uint32_t>(round * 7919 + t * 104729 + 1);
        for (int i = 0; i < kCellsPerRound; ++i) {
          for (;;) {
            try {
              const test::Counted& value = cells[static_cast<std::size_t>(i)].get_or_init([&] {
                random = random * 1664525u + 1013904223u;  // an LCG: cheap, deterministic per thread
                if ((random >> 16) % 3 == 0) {
                  thrown.fetch_add(1);
                  throw test::Boom{};
                }
                successes[static_cast<std::size_t>(i)].fetch_add(1);
                return test::Counted(static_cast<int>(seed_of(round, i)));
              });
              if (value.value != static_cast<int>(seed_of(round, i))) wrong.fetch_add(1);
              break;
            } catch (const test::Boom&) {
              caught.fetch_add(1);
            }
          }
        }
      });
  cells.reset();
  CHECK(bad_success_count.load() == 0);
  CHECK(thrown.load() == caught.load());
  CHECK(wrong.load() == 0);
  CHECK(test::Counted::alive.load() == 0);  // nothing leaked, nothing destroyed twice
}
#endif

TEST_CASE("stress: set racing wait never loses a wake-up", "[stress]") {
  const int round_count = test::stress_rounds(20000);
  std::unique_ptr<once::OnceLock<std::uint64_t>> cell;
  std::atomic<int> wrong{0};
  std::atomic<int> set_wins{0};
  std::atomic<int> bad_rounds{0};

  test::run_rounds(
      test::stress_threads(), round_count,
      [&](int round) {
        if (round > 0 && set_wins.load() != 1) bad_rounds.fetch_add(1);
        set_wins = 0;
        cell = std::make_unique<once::OnceLock<std::uint64_t>>();
      },
      [&](int round, int t) {
        const auto expected = static_cast<std::uint64_t>(round);
        if (t % 4 == 0) {
          if (cell->set(expected)) set_wins.fetch_add(1);
        } else if (cell->wait() != expected) {
          wrong.fetch_add(1);
        }
      });
  CHECK(wrong.load() == 0);
  CHECK(bad_rounds.load() == 0);
}

// ---- OnceShared -------------------------------------------------------------------

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

TEST_CASE("stress: OnceShared stores and initializers race on fresh slots", "[once_shared][stress]") {
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
TEST_CASE("stress: OnceShared load inside an initializer while a store races in", "[once_shared][stress]") {
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
