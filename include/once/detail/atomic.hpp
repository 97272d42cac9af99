// Atomic<T> and the memory orders: the atomic words of every state machine.
// SPDX-License-Identifier: MIT
//
// With GCC and Clang and the futex or spin backend, Atomic<T> is the few
// operations the library uses, on the compiler's __atomic builtins: the
// instructions std::atomic compiles to, without <atomic>. In C++20 that header
// carries the atomic-wait machinery, which libstdc++ 12 makes about as costly
// to compile as <mutex> (docs/design.md, "Compile time"). Elsewhere, and
// with the portable backend, which sleeps through std::atomic::wait, it is
// std::atomic. The choice follows the backend, which is part of the ABI
// namespace, and the layout is std::atomic's either way.
//
// The code names the orders without std:: (memory_order_acquire): the
// standard ones where Atomic is std::atomic, the builtins' otherwise.
#pragma once

#include <type_traits>

#include "config.hpp"

#if (defined(__GNUC__) || defined(__clang__)) && (ONCE_FUTEX_WAIT || ONCE_SPIN_WAIT)
#define ONCE_STD_ATOMIC 0
#else
#define ONCE_STD_ATOMIC 1
#include <atomic>
#endif

ONCE_NAMESPACE_BEGIN
namespace detail {

#if ONCE_STD_ATOMIC

template <class T>
using Atomic = std::atomic<T>;
using std::memory_order;
using std::memory_order_acq_rel;
using std::memory_order_acquire;
using std::memory_order_relaxed;
using std::memory_order_release;
using std::memory_order_seq_cst;

#else

enum memory_order : int {
  memory_order_relaxed = __ATOMIC_RELAXED,
  memory_order_acquire = __ATOMIC_ACQUIRE,
  memory_order_release = __ATOMIC_RELEASE,
  memory_order_acq_rel = __ATOMIC_ACQ_REL,
  memory_order_seq_cst = __ATOMIC_SEQ_CST,
};

/// std::atomic<T>'s members that the library uses, for an integer, bool or
/// pointer T (fetch_add and fetch_and: integers only). Aligned to its size,
/// as std::atomic is, so that the CPU (and a futex) sees it whole.
template <class T>
class Atomic {
  static_assert(std::is_integral_v<T> || std::is_pointer_v<T>, "once: Atomic holds an integer, bool or pointer");

 public:
  using value_type = T;
  static constexpr bool is_always_lock_free = __atomic_always_lock_free(sizeof(T), nullptr);

  constexpr Atomic() noexcept : value_() {}
  constexpr Atomic(T value) noexcept : value_(value) {}  // NOLINT(google-explicit-constructor): as std::atomic
  Atomic(const Atomic&) = delete;
  Atomic& operator=(const Atomic&) = delete;

  ONCE_ALWAYS_INLINE T load(memory_order order = memory_order_seq_cst) const noexcept {
    return __atomic_load_n(&value_, order);
  }
  ONCE_ALWAYS_INLINE void store(T value, memory_order order = memory_order_seq_cst) noexcept {
    __atomic_store_n(&value_, value, order);
  }
  ONCE_ALWAYS_INLINE T exchange(T value, memory_order order = memory_order_seq_cst) noexcept {
    return __atomic_exchange_n(&value_, value, order);
  }
  ONCE_ALWAYS_INLINE bool compare_exchange_strong(T& expected, T desired, memory_order success,
                                                  memory_order failure) noexcept {
    return __atomic_compare_exchange_n(&value_, &expected, desired, false, success, failure);
  }
  ONCE_ALWAYS_INLINE bool compare_exchange_weak(T& expected, T desired, memory_order success,
                                                memory_order failure) noexcept {
    return __atomic_compare_exchange_n(&value_, &expected, desired, true, success, failure);
  }
  ONCE_ALWAYS_INLINE T fetch_add(T operand, memory_order order = memory_order_seq_cst) noexcept {
    return __atomic_fetch_add(&value_, operand, order);
  }
  ONCE_ALWAYS_INLINE T fetch_and(T operand, memory_order order = memory_order_seq_cst) noexcept {
    return __atomic_fetch_and(&value_, operand, order);
  }

 private:
  alignas(sizeof(T)) T value_;  // NOLINT(bugprone-sizeof-expression): aligned to its size, as std::atomic
};

#endif

}  // namespace detail
ONCE_NAMESPACE_END
