// First initialization: the cost of filling a fresh cell, alone and with two threads racing, for every peer.
// SPDX-License-Identifier: MIT
//
// Every peer (peers.hpp) in one binary, so that every ratio comes from the same run.
//
//   init/<id>                            one thread, nobody waiting
//   contended_init/<id>/real_time/threads:2
//                                        two threads racing for every cell
//
// Peers: OnceLock_get_or_init, LazyLock_force, OnceCell_get_or_init (one
// thread only: it has no atomics), OnceFlag_call_once, std_call_once, absl_call_once,
// boost_call_once, atomic_bool_dclp (a std::atomic<bool> checked twice around
// a std::mutex), mutex_optional (a std::mutex-guarded std::optional<int>).
// Every initializer counts its runs in a thread-local counter and returns an
// int; the report's baseline is std_call_once.
//
// Fresh cells. A std::once_flag (or absl's, or boost's) cannot be reset, so
// each benchmark iteration works on a batch of kCells cells that are
// constructed fresh, in place, in a buffer reused from batch to batch (small
// enough to stay in the L1/L2 cache: no allocation and no cache miss is
// timed, for any peer). Cells are packed at their natural size, as in a
// user's array of them (padding each to a cache line was tried: it changes
// the racing figures little). Constructing a batch is timed with it: it is
// part of what any fresh cell costs, a store or two per cell, and far cheaper
// than the atomic read-modify-writes being measured. Pausing the timer around the
// construction would cost more, and be noisier, than the construction
// itself. The report divides each iteration's time by kCells (counter
// cells_per_iter).
//
// Contended method (Google Benchmark ->Threads(2): both threads run the same
// function with their own State, the same number of iterations each, and are
// released together when the loop starts):
//   - the two threads share two batches of cells, A and B, in a per-peer
//     object created once (a function-local static) and always left fresh;
//   - iteration j: both threads call get_or_init on every cell of batch
//     j % 2, in the same order, so they race for each cell: one runs the
//     initializer, the other finds it running (and waits) or complete;
//   - then both meet at a spinning barrier (one per batch, amortized over
//     kCells cells), and each re-creates its own half of the batch just used:
//     nobody touches that batch again until iteration j + 2, which begins only
//     after both threads have passed the barrier of iteration j + 1, so the
//     re-created cells are published to both before either uses them;
//   - every iteration ends with its batch re-created, so both batches are
//     fresh when the next run (or repetition) starts.
// Google Benchmark reports real time per iteration per thread (wall time
// divided by iterations times threads); the report multiplies by the thread
// count and divides by kCells: wall time for the pair to get through a cell.
// Counter inits_per_cell (summed over both threads) must be exactly 1.

#include <benchmark/benchmark.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <string>
#include <thread>

#include "common.hpp"
#include "peers.hpp"

namespace {

namespace peers = bench::peers;

constexpr std::size_t kCells = 256;  // per batch, i.e. per benchmark iteration

/// How many initializers this thread has run.
thread_local std::int64_t t_inits = 0;

/// Every peer's initializer: counts its run and returns its value.
ONCE_BENCH_INLINE int initial_value(int value) noexcept {
  ++t_inits;
  return value;
}

/// A LazyLock's function: captureless, as a LazyLock's usually is, so it
/// cannot see the cell's index.
int lazy_initial_value() noexcept { return initial_value(1); }

// ---------------------------------------------------------------------------

/// kCells cells of one peer, constructed and destroyed in place, so that a
/// batch is re-created fresh without allocating.
template <class Cell>
class Batch {
 public:
  Batch() : slots_(new Slot[kCells]) { construct(0, kCells); }
  ~Batch() { destroy(0, kCells); }
  Batch(const Batch&) = delete;
  Batch& operator=(const Batch&) = delete;

  Cell& operator[](std::size_t i) noexcept { return slots_[i].cell; }

  /// Replaces cells [begin, end) with fresh, empty ones.
  void renew(std::size_t begin, std::size_t end) {
    destroy(begin, end);
    construct(begin, end);
  }

 private:
  union Slot {
    Slot() noexcept {}
    ~Slot() {}
    Cell cell;
  };

  void construct(std::size_t begin, std::size_t end) {
    for (std::size_t i = begin; i < end; ++i) ::new (static_cast<void*>(&slots_[i].cell)) Cell();
  }
  void destroy(std::size_t begin, std::size_t end) noexcept {
    for (std::size_t i = begin; i < end; ++i) slots_[i].cell.~Cell();
  }

  std::unique_ptr<Slot[]> slots_;
};

/// A reusable barrier for the two racing threads. Spins (they run on cores of
/// their own), yielding now and then in case one was descheduled.
class SpinBarrier {
 public:
  explicit SpinBarrier(int parties) noexcept : parties_(parties) {}

  void arrive_and_wait() noexcept {
    const unsigned generation = generation_.load(std::memory_order_acquire);
    // acq_rel: the last arriver acquires what the others wrote before arriving.
    if (arrived_.fetch_add(1, std::memory_order_acq_rel) == parties_ - 1) {
      arrived_.store(0, std::memory_order_relaxed);
      // Release pairs with the waiters' acquire load below.
      generation_.store(generation + 1, std::memory_order_release);
      return;
    }
    for (unsigned spins = 1; generation_.load(std::memory_order_acquire) == generation; ++spins) {
      if (spins % 1024 == 0) {
        std::this_thread::yield();
      } else {
        bench::cpu_relax();
      }
    }
  }

 private:
  const int parties_;
  alignas(64) std::atomic<int> arrived_{0};
  alignas(64) std::atomic<unsigned> generation_{0};
};

/// The value of cell `i`, computed as initial_value(i) if the cell is empty.
template <class Peer>
ONCE_BENCH_INLINE int fill(typename Peer::Cell& cell, int v) {
  return Peer::get_or_init(cell, [v] { return initial_value(v); });
}

template <class Peer>
void bm_init(benchmark::State& state, const char* label) {
  Batch<typename Peer::Cell> cells;
  const std::int64_t inits_before = t_inits;
  for (auto _ : state) {
    cells.renew(0, kCells);
    for (std::size_t i = 0; i < kCells; ++i) bench::consume(fill<Peer>(cells[i], static_cast<int>(i)));
  }
  const double total_cells = static_cast<double>(state.iterations()) * static_cast<double>(kCells);
  state.counters["cells_per_iter"] = static_cast<double>(kCells);
  state.counters["inits_per_cell"] = total_cells > 0 ? static_cast<double>(t_inits - inits_before) / total_cells : 0.0;
  state.SetItemsProcessed(static_cast<std::int64_t>(total_cells));
  state.SetLabel(label);
}

/// The two batches the racing threads share, always left fresh.
template <class Peer>
struct SharedBatches {
  Batch<typename Peer::Cell> batch[2];
  SpinBarrier barrier{2};

  static SharedBatches& instance() {
    static SharedBatches shared;
    return shared;
  }
};

template <class Peer>
void bm_contended_init(benchmark::State& state, const char* label) {
  // Both threads get the same object: the function-local static is built once.
  SharedBatches<Peer>& shared = SharedBatches<Peer>::instance();
  const std::size_t half = state.thread_index() == 0 ? 0 : 1;
  const std::size_t renew_begin = half * kCells / 2;
  const std::size_t renew_end = renew_begin + kCells / 2;
  const std::int64_t inits_before = t_inits;
  std::size_t j = 0;
  for (auto _ : state) {
    Batch<typename Peer::Cell>& cells = shared.batch[j % 2];
    for (std::size_t i = 0; i < kCells; ++i) bench::consume(fill<Peer>(cells[i], static_cast<int>(i)));
    shared.barrier.arrive_and_wait();
    cells.renew(renew_begin, renew_end);
    ++j;
  }
  const double total_cells = static_cast<double>(state.iterations()) * static_cast<double>(kCells);
  state.counters["cells_per_iter"] = benchmark::Counter(static_cast<double>(kCells), benchmark::Counter::kAvgThreads);
  // Summed over the threads: exactly 1 when every cell was initialized once.
  state.counters["inits_per_cell"] = total_cells > 0 ? static_cast<double>(t_inits - inits_before) / total_cells : 0.0;
  state.SetLabel(label);
}

/// A peer and its name in init/<id> and contended_init/<id>.
template <class P>
struct Entry {
  using Peer = P;
  const char* id;
};

template <class... Peers>
void register_all(Entry<Peers>... entries) {
  static_assert((Peers::kFresh && ...), "init needs cells that start empty");
  (benchmark::RegisterBenchmark((std::string("init/") + entries.id).c_str(), bm_init<Peers>, Peers::kLabel), ...);
  auto contended = [](auto entry) {
    using Peer = typename decltype(entry)::Peer;
    if constexpr (Peer::kThreadSafe) {
      benchmark::RegisterBenchmark((std::string("contended_init/") + entry.id).c_str(), bm_contended_init<Peer>,
                                   Peer::kLabel)
          ->Threads(2)
          ->UseRealTime();
    }
  };
  (contended(entries), ...);
}

}  // namespace

int main(int argc, char** argv) {
  register_all(Entry<peers::OnceLock>{"OnceLock_get_or_init"},
               Entry<peers::LazyLock<lazy_initial_value>>{"LazyLock_force"},
               Entry<peers::OnceCell>{"OnceCell_get_or_init"}, Entry<peers::OnceFlag>{"OnceFlag_call_once"},
               Entry<peers::StdCallOnce>{"std_call_once"},
#ifdef ONCE_BENCH_HAS_ABSL
               Entry<peers::AbslCallOnce>{"absl_call_once"},
#endif
#ifdef ONCE_BENCH_HAS_BOOST
               Entry<peers::BoostCallOnce>{"boost_call_once"},
#endif
               Entry<peers::AtomicBoolDclp>{"atomic_bool_dclp"}, Entry<peers::MutexOptional>{"mutex_optional"});
  return bench::run_benchmarks(argc, argv);
}
