// Stress: all threads released together on fresh cells, round after round.
// Worker threads record what they see in atomics; the assertions run after
// the threads are joined (Catch2's macros are not thread-safe).
#include <algorithm>
#include <array>
#include <atomic>
#include <barrier>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <once/once_lock.hpp>

#include "catch.hpp"
#include "stress.hpp"
#include "test_types.hpp"

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
