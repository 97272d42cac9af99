// Read path: the cost of reading an int that was initialized once, for every peer in one binary.
// SPDX-License-Identifier: MIT
//
// Every ratio comes from the same run on the same machine.
//
// Peers (peers.hpp; benchmark names read/<id> and read_chained/<id>, see Method):
//   plain_int              a plain global int, no guard at all: the loop's floor
//   local_static           function-local static: the guard the compiler emits,
//                          the physical limit for a thread-safe lazy value and
//                          the baseline the report divides by
//   OnceLock_get           OnceLock<int>::get(), then the null check
//   OnceLock_get_or_init   OnceLock<int>::get_or_init(f) on a full cell
//   LazyLock_deref         *LazyLock<int, captureless lambda>
//   OnceCell_get           OnceCell<int>::get() (single-threaded, no atomics)
//   LazyCell_deref         *LazyCell<int, captureless lambda>
//   OnceFlag_call_once     once::call_once(once::OnceFlag&, f), then the value
//   std_call_once          std::call_once(std::once_flag&, f), then the value
//   absl_call_once         absl::call_once(absl::once_flag&, f), then the value
//   boost_call_once        boost::call_once(boost::once_flag&, f), then the value
//   atomic_bool_dclp       hand-rolled double-checked std::atomic<bool> + mutex
//   mutex_optional         std::mutex-guarded std::optional<int>
//
// Method. Every peer's object has static storage duration, as real lazily
// initialized globals do, and is initialized before timing starts. One
// benchmark iteration performs kReadsPerIteration reads, unrolled in the
// source, and the report divides by that count (counter reads_per_iter). Per
// read, the object's address passes through an empty asm statement that takes
// and returns it in a register (opaque), so the compiler cannot tell which
// object is read, nor merge two reads into one. Then, two ways to use the int:
//
//   read/<id>          independent reads: the value is handed, in a register,
//                      to an empty asm statement with a "memory" clobber
//                      (consume), so the compiler must assume that every
//                      object may have changed and redo the whole read (state
//                      load, compare, value load) for the next one. Nothing is
//                      hoisted out of the loop, and the reads overlap freely:
//                      this is the throughput of the read path's instructions,
//                      the most demanding view of it. At a fraction of a
//                      nanosecond per read it is also sensitive to code layout
//                      (alignment of the unrolled loop): differences of a cycle
//                      per iteration between the guard-check peers come and go
//                      with unrelated changes.
//   read_chained/<id>  the same reads, each value added to an accumulator
//                      carried from read to read and across iterations (an add
//                      the compiler cannot fold, behind the same "memory"
//                      clobber): the value feeds a dependent computation, as in
//                      real code. The loop runs at one add per read unless the
//                      read path costs more than the out-of-order core can hide
//                      behind it; stable against code layout.
//
// The function-local static has no object to launder: its guard and value sit
// at fixed addresses, and the same "memory" clobber forces their reload. The
// asm statements emit no instruction and apply to every peer alike.
// benchmark::DoNotOptimize is avoided on purpose: with GCC it prefers a memory
// operand, which would add a store and a reload to every read. The peers that
// call into a library (std::call_once goes through pthread_once,
// boost::call_once through libboost_thread) pay that call here.

#include <benchmark/benchmark.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>

#include "common.hpp"
#include "peers.hpp"

namespace {

namespace peers = bench::peers;

constexpr std::size_t kReadsPerIteration = 16;

/// Returns `p` unchanged, but the compiler no longer knows what it points to.
template <class T>
ONCE_BENCH_INLINE T* opaque(T* p) noexcept {
  __asm__ __volatile__("" : "+r"(p));
  return p;
}

/// Adds `value` to the accumulator in a way the compiler cannot reorder or
/// fold: one add instruction, on a chain that runs through every read.
ONCE_BENCH_INLINE int accumulate(int accumulator, int value) noexcept {
  accumulator += value;
  __asm__ __volatile__("" : "+r"(accumulator) : : "memory");
  return accumulator;
}

/// The initializers' result, opaque to the compiler so that no peer's value is
/// a known constant.
[[gnu::noinline]] int make_value() noexcept {
  int value = 42;
  __asm__ __volatile__("" : "+r"(value));
  return value;
}

/// make_value as an empty callable: what the peers capture costs no register.
constexpr auto kMakeValue = [] { return make_value(); };

/// Every peer's cell: a global, filled before timing starts.
template <class Peer>
constinit typename Peer::Cell g_cell{};

/// How a benchmark reads a full cell: get_or_init(kMakeValue), the usual
/// call, or get(), which never initializes.
struct GetOrInit {
  template <class Peer>
  ONCE_BENCH_INLINE static int read(typename Peer::Cell& cell) {
    return Peer::get_or_init(cell, kMakeValue);
  }
};
struct Get {
  template <class Peer>
  ONCE_BENCH_INLINE static int read(typename Peer::Cell& cell) {
    return Peer::get(cell);
  }
};

/// One benchmark: a peer, how it is read, its name and its label.
template <class P, class A>
struct Reader {
  using Peer = P;
  using Access = A;
  const char* id;
  const char* label;
};

// ---------------------------------------------------------------------------

enum class Use { kIndependent, kChained };

template <class Peer, class Access, Use use, std::size_t... I>
ONCE_BENCH_INLINE void read_unrolled(typename Peer::Cell*& cell, int& accumulator, std::index_sequence<I...>) {
  if constexpr (use == Use::kIndependent) {
    ((static_cast<void>(I), cell = opaque(cell), bench::consume(Access::template read<Peer>(*cell))), ...);
  } else {
    ((static_cast<void>(I), cell = opaque(cell),
      accumulator = accumulate(accumulator, Access::template read<Peer>(*cell))),
     ...);
  }
}

template <class Peer, class Access, Use use>
void bm_read(benchmark::State& state, const char* label) {
  typename Peer::Cell* cell = &g_cell<Peer>;
  static_cast<void>(Peer::get_or_init(*cell, kMakeValue));
  int accumulator = 0;
  for (auto _ : state) {
    read_unrolled<Peer, Access, use>(cell, accumulator, std::make_index_sequence<kReadsPerIteration>{});
  }
  bench::consume(accumulator);
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) *
                          static_cast<std::int64_t>(kReadsPerIteration));
  state.counters["reads_per_iter"] = static_cast<double>(kReadsPerIteration);
  state.SetLabel(label);
}

template <class... Readers>
void register_all(Readers... readers) {
  (benchmark::RegisterBenchmark((std::string("read/") + readers.id).c_str(),
                                bm_read<typename Readers::Peer, typename Readers::Access, Use::kIndependent>,
                                readers.label),
   ...);
  (benchmark::RegisterBenchmark((std::string("read_chained/") + readers.id).c_str(),
                                bm_read<typename Readers::Peer, typename Readers::Access, Use::kChained>,
                                readers.label),
   ...);
}

}  // namespace

int main(int argc, char** argv) {
  register_all(Reader<peers::PlainInt, Get>{"plain_int", peers::PlainInt::kLabel},
               Reader<peers::LocalStatic, GetOrInit>{"local_static", peers::LocalStatic::kLabel},
               Reader<peers::OnceLock, Get>{"OnceLock_get", "once::OnceLock::get()"},
               Reader<peers::OnceLock, GetOrInit>{"OnceLock_get_or_init", peers::OnceLock::kLabel},
               Reader<peers::LazyLock<make_value>, GetOrInit>{"LazyLock_deref", peers::LazyLock<make_value>::kLabel},
               Reader<peers::OnceCell, Get>{"OnceCell_get", "once::OnceCell::get() (one thread)"},
               Reader<peers::LazyCell<make_value>, GetOrInit>{"LazyCell_deref", peers::LazyCell<make_value>::kLabel},
               Reader<peers::OnceFlag, GetOrInit>{"OnceFlag_call_once", peers::OnceFlag::kLabel},
               Reader<peers::StdCallOnce, GetOrInit>{"std_call_once", peers::StdCallOnce::kLabel},
#ifdef ONCE_BENCH_HAS_ABSL
               Reader<peers::AbslCallOnce, GetOrInit>{"absl_call_once", peers::AbslCallOnce::kLabel},
#endif
#ifdef ONCE_BENCH_HAS_BOOST
               Reader<peers::BoostCallOnce, GetOrInit>{"boost_call_once", peers::BoostCallOnce::kLabel},
#endif
               Reader<peers::AtomicBoolDclpColdSlowPath, GetOrInit>{"atomic_bool_dclp", peers::AtomicBoolDclp::kLabel},
               Reader<peers::MutexOptional, GetOrInit>{"mutex_optional", peers::MutexOptional::kLabel});
  return bench::run_benchmarks(argc, argv);
}
