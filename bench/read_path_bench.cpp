// once: initialize-once primitives for C++20.
// SPDX-License-Identifier: MIT
//
// Read path: the cost of reading a value that was initialized once, for every
// way a C++ program can do it, in one binary so that every ratio comes from the
// same run on the same machine.
//
// Peers (benchmark names read/<id> and read_chained/<id>, see Method):
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

#include "common.hpp"

#ifdef ONCE_BENCH_HAS_ABSL
#include <absl/base/call_once.h>
#endif
#ifdef ONCE_BENCH_HAS_BOOST
#include <boost/thread/once.hpp>
#endif

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>

#include <once/call_once.hpp>
#include <once/lazy_cell.hpp>
#include <once/lazy_lock.hpp>
#include <once/once_cell.hpp>
#include <once/once_lock.hpp>

namespace {

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

// ---------------------------------------------------------------------------
// Peers. Each has an Object with static storage duration, object() which
// initializes it and returns its address, and read(Object*) which is what a
// caller writes to get the value.

struct PlainInt {
  static constexpr const char* kId = "plain_int";
  static constexpr const char* kLabel = "plain int, no guard (floor)";
  using Object = int;
  static inline constinit int value = 0;
  static Object* object() {
    value = make_value();
    return &value;
  }
  ONCE_BENCH_INLINE static int read(Object* object) { return *object; }
};

struct LocalStatic {
  static constexpr const char* kId = "local_static";
  static constexpr const char* kLabel = "function-local static";
  using Object = int;  // no object: the guard and value are the function's own
  static Object* object() {
    static_cast<void>(value());
    return nullptr;
  }
  ONCE_BENCH_INLINE static int read(Object*) { return value(); }

 private:
  ONCE_BENCH_INLINE static int& value() {
    static int v = make_value();
    return v;
  }
};

struct OnceLockGet {
  static constexpr const char* kId = "OnceLock_get";
  static constexpr const char* kLabel = "once::OnceLock::get()";
  using Object = once::OnceLock<int>;
  static inline constinit Object cell{};
  static Object* object() {
    cell.get_or_init(make_value);
    return &cell;
  }
  ONCE_BENCH_INLINE static int read(Object* object) {
    const int* value = object->get();
    return value != nullptr ? *value : 0;
  }
};

struct OnceLockGetOrInit {
  static constexpr const char* kId = "OnceLock_get_or_init";
  static constexpr const char* kLabel = "once::OnceLock::get_or_init(f)";
  using Object = once::OnceLock<int>;
  static inline constinit Object cell{};
  static Object* object() {
    cell.get_or_init(make_value);
    return &cell;
  }
  ONCE_BENCH_INLINE static int read(Object* object) { return object->get_or_init(make_value); }
};

struct LazyLockDeref {
  static constexpr const char* kId = "LazyLock_deref";
  static constexpr const char* kLabel = "*once::LazyLock";
  static constexpr auto kInit = [] { return make_value(); };
  using Object = once::LazyLock<int, std::remove_const_t<decltype(kInit)>>;
  static inline constinit Object lazy{kInit};
  static Object* object() {
    static_cast<void>(*lazy);
    return &lazy;
  }
  ONCE_BENCH_INLINE static int read(Object* object) { return **object; }
};

struct OnceCellGet {
  static constexpr const char* kId = "OnceCell_get";
  static constexpr const char* kLabel = "once::OnceCell::get() (one thread)";
  using Object = once::OnceCell<int>;
  static inline constinit Object cell{};
  static Object* object() {
    cell.get_or_init(make_value);
    return &cell;
  }
  ONCE_BENCH_INLINE static int read(Object* object) {
    const int* value = object->get();
    return value != nullptr ? *value : 0;
  }
};

struct LazyCellDeref {
  static constexpr const char* kId = "LazyCell_deref";
  static constexpr const char* kLabel = "*once::LazyCell (one thread)";
  static constexpr auto kInit = [] { return make_value(); };
  using Object = once::LazyCell<int, std::remove_const_t<decltype(kInit)>>;
  static inline constinit Object lazy{kInit};
  static Object* object() {
    static_cast<void>(*lazy);
    return &lazy;
  }
  ONCE_BENCH_INLINE static int read(Object* object) { return **object; }
};

struct OnceFlagPair {
  once::OnceFlag flag;
  int value = 0;
};

struct OnceFlagCallOnce {
  static constexpr const char* kId = "OnceFlag_call_once";
  static constexpr const char* kLabel = "once::call_once + once::OnceFlag";
  using Object = OnceFlagPair;
  static inline constinit Object pair{};
  static Object* object() {
    static_cast<void>(read(&pair));
    return &pair;
  }
  ONCE_BENCH_INLINE static int read(Object* object) {
    once::call_once(object->flag, [object] { object->value = make_value(); });
    return object->value;
  }
};

struct StdOncePair {
  std::once_flag flag;
  int value = 0;
};

struct StdCallOnce {
  static constexpr const char* kId = "std_call_once";
  static constexpr const char* kLabel = "std::call_once + std::once_flag";
  using Object = StdOncePair;
  static inline constinit Object pair{};
  static Object* object() {
    static_cast<void>(read(&pair));
    return &pair;
  }
  ONCE_BENCH_INLINE static int read(Object* object) {
    std::call_once(object->flag, [object] { object->value = make_value(); });
    return object->value;
  }
};

#ifdef ONCE_BENCH_HAS_ABSL
struct AbslOncePair {
  absl::once_flag flag;
  int value = 0;
};

struct AbslCallOnce {
  static constexpr const char* kId = "absl_call_once";
  static constexpr const char* kLabel = "absl::call_once + absl::once_flag";
  using Object = AbslOncePair;
  static inline constinit Object pair{};
  static Object* object() {
    static_cast<void>(read(&pair));
    return &pair;
  }
  ONCE_BENCH_INLINE static int read(Object* object) {
    absl::call_once(object->flag, [object] { object->value = make_value(); });
    return object->value;
  }
};
#endif

#ifdef ONCE_BENCH_HAS_BOOST
struct BoostOncePair {
  boost::once_flag flag = BOOST_ONCE_INIT;
  int value = 0;
};

struct BoostCallOnce {
  static constexpr const char* kId = "boost_call_once";
  static constexpr const char* kLabel = "boost::call_once + boost::once_flag";
  using Object = BoostOncePair;
  static inline constinit Object pair{};
  static Object* object() {
    static_cast<void>(read(&pair));
    return &pair;
  }
  ONCE_BENCH_INLINE static int read(Object* object) {
    boost::call_once(object->flag, [object] { object->value = make_value(); });
    return object->value;
  }
};
#endif

struct DclpGuarded {
  std::atomic<bool> ready{false};
  std::mutex mutex;
  int value = 0;
};

struct AtomicBoolDclp {
  static constexpr const char* kId = "atomic_bool_dclp";
  static constexpr const char* kLabel = "std::atomic<bool> double-checked + std::mutex";
  using Object = DclpGuarded;
  static inline constinit Object guarded{};
  static Object* object() {
    static_cast<void>(read(&guarded));
    return &guarded;
  }
  ONCE_BENCH_INLINE static int read(Object* object) {
    // Acquire pairs with the release store in init_slow.
    if (!object->ready.load(std::memory_order_acquire)) [[unlikely]]
      init_slow(object);
    return object->value;
  }

 private:
  [[gnu::noinline, gnu::cold]] static void init_slow(Object* object) {
    const std::lock_guard<std::mutex> lock(object->mutex);
    if (!object->ready.load(std::memory_order_relaxed)) {
      object->value = make_value();
      object->ready.store(true, std::memory_order_release);
    }
  }
};

struct MutexGuarded {
  std::mutex mutex;
  std::optional<int> value;
};

struct MutexOptional {
  static constexpr const char* kId = "mutex_optional";
  static constexpr const char* kLabel = "std::mutex + std::optional";
  using Object = MutexGuarded;
  static inline constinit Object guarded{};
  static Object* object() {
    static_cast<void>(read(&guarded));
    return &guarded;
  }
  ONCE_BENCH_INLINE static int read(Object* object) {
    const std::lock_guard<std::mutex> lock(object->mutex);
    if (!object->value) object->value.emplace(make_value());
    return *object->value;
  }
};

// ---------------------------------------------------------------------------

enum class Use { kIndependent, kChained };

template <class Peer, Use use, std::size_t... I>
ONCE_BENCH_INLINE void read_unrolled(typename Peer::Object*& object, int& accumulator, std::index_sequence<I...>) {
  if constexpr (use == Use::kIndependent) {
    ((static_cast<void>(I), object = opaque(object), bench::consume(Peer::read(object))), ...);
  } else {
    ((static_cast<void>(I), object = opaque(object), accumulator = accumulate(accumulator, Peer::read(object))), ...);
  }
}

template <class Peer, Use use>
void bm_read(benchmark::State& state) {
  typename Peer::Object* object = Peer::object();
  int accumulator = 0;
  for (auto _ : state) {
    read_unrolled<Peer, use>(object, accumulator, std::make_index_sequence<kReadsPerIteration>{});
  }
  bench::consume(accumulator);
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) *
                          static_cast<std::int64_t>(kReadsPerIteration));
  state.counters["reads_per_iter"] = static_cast<double>(kReadsPerIteration);
  state.SetLabel(Peer::kLabel);
}

template <class... Peers>
void register_all() {
  (benchmark::RegisterBenchmark((std::string("read/") + Peers::kId).c_str(), bm_read<Peers, Use::kIndependent>), ...);
  (benchmark::RegisterBenchmark((std::string("read_chained/") + Peers::kId).c_str(), bm_read<Peers, Use::kChained>),
   ...);
}

}  // namespace

int main(int argc, char** argv) {
  register_all<PlainInt, LocalStatic, OnceLockGet, OnceLockGetOrInit, LazyLockDeref, OnceCellGet, LazyCellDeref,
               OnceFlagCallOnce, StdCallOnce,
#ifdef ONCE_BENCH_HAS_ABSL
               AbslCallOnce,
#endif
#ifdef ONCE_BENCH_HAS_BOOST
               BoostCallOnce,
#endif
               AtomicBoolDclp, MutexOptional>();
  return bench::run_benchmarks(argc, argv);
}
