// The peers the benchmarks compare: each way to compute an int once, defined once behind one interface.
// SPDX-License-Identifier: MIT
//
// A cell peer holds an int that is computed once:
//
//   struct Peer {
//     static constexpr const char* kLabel;  // the C++ a user writes, as the report shows it
//     static constexpr bool kThreadSafe;    // may threads race for one cell
//     static constexpr bool kFresh;         // a new Cell starts empty (false: one value per program)
//     using Cell = ...;                     // default-constructs empty, constinit-able
//     template <class F>
//     static int get_or_init(Cell&, F&& f);  // the value; f() computes it if the cell is empty
//     static int get(const Cell&);          // optional: the value without initializing (0 if empty)
//   };
//
// The benchmark files pick the peers they measure and give each its name
// (read/<id>, init/<id>, waiters/<id>, ...). Fast paths are ONCE_BENCH_INLINE,
// so that a benchmark measures the caller's inlined copy of them; slow paths
// of the hand-written peers are out of line, as their authors would write them.
//
// The event peers (one-shot signals) are in events.hpp, included here.
#pragma once

#include "common.hpp"
#include "events.hpp"

#ifdef ONCE_BENCH_HAS_ABSL
#include <absl/base/call_once.h>
#endif
#ifdef ONCE_BENCH_HAS_BOOST
#include <boost/thread/once.hpp>
#endif

#include <atomic>
#include <mutex>
#include <optional>
#include <type_traits>
#include <utility>

#include <once/call_once.hpp>
#include <once/lazy_cell.hpp>
#include <once/lazy_lock.hpp>
#include <once/once_cell.hpp>
#include <once/once_lock.hpp>
#include <once/set_once.hpp>

namespace bench::peers {

// ---- Yardsticks ---------------------------------------------------------------

/// An int and a flag set by hand, one thread. get() reads the int with no
/// check at all: the floor of a read loop.
struct PlainInt {
  static constexpr const char* kLabel = "plain int, no guard (floor)";
  static constexpr bool kThreadSafe = false;
  static constexpr bool kFresh = true;
  struct Cell {
    int value = 0;
    bool full = false;
  };
  template <class F>
  ONCE_BENCH_INLINE static int get_or_init(Cell& cell, F&& f) {
    if (!cell.full) {
      cell.value = std::forward<F>(f)();
      cell.full = true;
    }
    return cell.value;
  }
  ONCE_BENCH_INLINE static int get(const Cell& cell) { return cell.value; }
};

/// A function-local static: the guard the compiler emits. There is one value
/// per program (per type F), so a Cell is only a placeholder.
struct LocalStatic {
  static constexpr const char* kLabel = "function-local static";
  static constexpr bool kThreadSafe = true;
  static constexpr bool kFresh = false;
  struct Cell {};
  template <class F>
  ONCE_BENCH_INLINE static int get_or_init(Cell&, F&& f) {
    static int value = std::forward<F>(f)();
    return value;
  }
};

/// The naive once: whoever loses the race spins until the value is there.
/// (No exception safety: a yardstick, not a library.)
struct SpinOnce {
  static constexpr const char* kLabel = "spin-wait once (yardstick)";
  static constexpr bool kThreadSafe = true;
  static constexpr bool kFresh = true;
  struct Cell {
    static constexpr int kEmpty = 0, kRunning = 1, kDone = 2;
    std::atomic<int> state{kEmpty};
    int value = 0;
  };
  template <class F>
  static int get_or_init(Cell& cell, F&& f) {
    // Acquire pairs with the release store of kDone.
    int state = cell.state.load(std::memory_order_acquire);
    if (state == Cell::kEmpty && cell.state.compare_exchange_strong(state, Cell::kRunning, std::memory_order_acquire)) {
      cell.value = std::forward<F>(f)();
      cell.state.store(Cell::kDone, std::memory_order_release);
      return cell.value;
    }
    while (cell.state.load(std::memory_order_acquire) != Cell::kDone) cpu_relax();
    return cell.value;
  }
};

// ---- This library --------------------------------------------------------------

/// A cell of this library: get_or_init(f) fills it, get() reads it without
/// initializing.
template <class C, bool kIsThreadSafe>
struct LibraryCell {
  static constexpr bool kThreadSafe = kIsThreadSafe;
  static constexpr bool kFresh = true;
  using Cell = C;
  template <class F>
  ONCE_BENCH_INLINE static int get_or_init(Cell& cell, F&& f) {
    return cell.get_or_init(std::forward<F>(f));
  }
  ONCE_BENCH_INLINE static int get(const Cell& cell) {
    const int* value = cell.get();
    return value != nullptr ? *value : 0;
  }
};

struct OnceLock : LibraryCell<once::OnceLock<int>, true> {
  static constexpr const char* kLabel = "once::OnceLock::get_or_init(f)";
};

struct OnceCell : LibraryCell<once::OnceCell<int>, false> {
  static constexpr const char* kLabel = "once::OnceCell::get_or_init(f) (one thread)";
};

/// A lazy value of this library. Its function is part of its type and fixed
/// when it is built, as a user's captureless lambda is: `init` computes the
/// value, and the `f` given to get_or_init is not used.
template <template <class, class> class Lazy, int (*init)(), bool kIsThreadSafe>
struct LibraryLazy {
  static constexpr bool kThreadSafe = kIsThreadSafe;
  static constexpr bool kFresh = true;
  static constexpr auto kInit = [] { return init(); };
  struct Cell {
    Lazy<int, std::remove_const_t<decltype(kInit)>> lazy{kInit};
  };
  template <class F>
  ONCE_BENCH_INLINE static int get_or_init(Cell& cell, F&&) {
    return *cell.lazy;
  }
};

template <int (*init)()>
struct LazyLock : LibraryLazy<once::LazyLock, init, true> {
  static constexpr const char* kLabel = "*once::LazyLock";
};

template <int (*init)()>
struct LazyCell : LibraryLazy<once::LazyCell, init, false> {
  static constexpr const char* kLabel = "*once::LazyCell (one thread)";
};

/// A call_once function and its flag (`Library`: Flag, kLabel, and
/// call(flag, f), which is that library's call_once), with the int it sets.
template <class Library>
struct CallOnce {
  static constexpr const char* kLabel = Library::kLabel;
  static constexpr bool kThreadSafe = true;
  static constexpr bool kFresh = true;
  struct Cell {
    typename Library::Flag flag{};
    int value = 0;
  };
  template <class F>
  ONCE_BENCH_INLINE static int get_or_init(Cell& cell, F&& f) {
    Library::call(cell.flag, [&cell, f] { cell.value = f(); });
    return cell.value;
  }
};

struct OnceCallOnce {
  static constexpr const char* kLabel = "once::call_once + once::OnceFlag";
  using Flag = once::OnceFlag;
  ONCE_BENCH_INLINE static void call(Flag& flag, auto&& g) { once::call_once(flag, std::forward<decltype(g)>(g)); }
};
using OnceFlag = CallOnce<OnceCallOnce>;

/// SetOnce as a blocking OnceLock: emplace() claims the cell, and only the
/// claim holder converts the argument (runs `f`); the other threads queue as
/// claim waiters and sleep until the value is there.
struct SetOnce {
  static constexpr const char* kLabel = "once::SetOnce (emplace from f)";
  static constexpr bool kThreadSafe = true;
  static constexpr bool kFresh = true;
  using Cell = once::SetOnce<int>;
  template <class F>
  static int get_or_init(Cell& cell, F&& f) {
    struct Call {
      F& f;
      operator int() const { return f(); }  // NOLINT(google-explicit-constructor): runs under the claim
    };
    cell.emplace(Call{f});
    return *cell.get();
  }
};

// ---- Other libraries ---------------------------------------------------------------

struct StdLibrary {
  static constexpr const char* kLabel = "std::call_once + std::once_flag";
  using Flag = std::once_flag;
  ONCE_BENCH_INLINE static void call(Flag& flag, auto&& g) { std::call_once(flag, std::forward<decltype(g)>(g)); }
};
using StdCallOnce = CallOnce<StdLibrary>;

#ifdef ONCE_BENCH_HAS_ABSL
struct AbslLibrary {
  static constexpr const char* kLabel = "absl::call_once + absl::once_flag";
  using Flag = absl::once_flag;
  ONCE_BENCH_INLINE static void call(Flag& flag, auto&& g) { absl::call_once(flag, std::forward<decltype(g)>(g)); }
};
using AbslCallOnce = CallOnce<AbslLibrary>;
#endif

#ifdef ONCE_BENCH_HAS_BOOST
/// boost::once_flag{} is BOOST_ONCE_INIT: {0}, or once_flag() in Boost's
/// C++11 mode.
struct BoostLibrary {
  static constexpr const char* kLabel = "boost::call_once + boost::once_flag";
  using Flag = boost::once_flag;
  ONCE_BENCH_INLINE static void call(Flag& flag, auto&& g) { boost::call_once(flag, std::forward<decltype(g)>(g)); }
};
using BoostCallOnce = CallOnce<BoostLibrary>;
#endif

// ---- By hand -----------------------------------------------------------------------

/// Double-checked locking: a std::atomic<bool> checked before and after
/// taking a std::mutex, the slow path out of line. The read path marks it
/// cold too, as the libraries do theirs (it never runs there); first
/// initialization, which runs it for every cell, does not.
template <bool kColdSlowPath>
struct BasicAtomicBoolDclp {
  static constexpr const char* kLabel = "std::atomic<bool> double-checked + std::mutex";
  static constexpr bool kThreadSafe = true;
  static constexpr bool kFresh = true;
  struct Cell {
    std::atomic<bool> ready{false};
    std::mutex mutex;
    int value = 0;
  };
  template <class F>
  ONCE_BENCH_INLINE static int get_or_init(Cell& cell, F&& f) {
    // Acquire pairs with the release store in init().
    if (!cell.ready.load(std::memory_order_acquire)) [[unlikely]] {
      if constexpr (kColdSlowPath) {
        init_cold(cell, f);
      } else {
        init_slow(cell, f);
      }
    }
    return cell.value;
  }

 private:
  template <class F>
  ONCE_BENCH_INLINE static void init(Cell& cell, F& f) {
    const std::lock_guard<std::mutex> lock(cell.mutex);
    if (!cell.ready.load(std::memory_order_relaxed)) {
      cell.value = f();
      cell.ready.store(true, std::memory_order_release);
    }
  }
  template <class F>
  [[gnu::noinline]] static void init_slow(Cell& cell, F f) {
    init(cell, f);
  }
  template <class F>
  [[gnu::noinline, gnu::cold]] static void init_cold(Cell& cell, F f) {
    init(cell, f);
  }
};
using AtomicBoolDclp = BasicAtomicBoolDclp<false>;
using AtomicBoolDclpColdSlowPath = BasicAtomicBoolDclp<true>;

struct MutexOptional {
  static constexpr const char* kLabel = "std::mutex + std::optional";
  static constexpr bool kThreadSafe = true;
  static constexpr bool kFresh = true;
  struct Cell {
    std::mutex mutex;
    std::optional<int> value;
  };
  template <class F>
  ONCE_BENCH_INLINE static int get_or_init(Cell& cell, F&& f) {
    const std::lock_guard<std::mutex> lock(cell.mutex);
    if (!cell.value) cell.value.emplace(std::forward<F>(f)());
    return *cell.value;
  }
};

}  // namespace bench::peers
