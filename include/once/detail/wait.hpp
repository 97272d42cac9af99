// The one place where the library sleeps and wakes: wait, wait_until and notify_all on a 4-byte word.
// SPDX-License-Identifier: MIT
//
// Three backends, chosen at compile time (config.hpp; docs/design.md, "Wait
// backends", says what each costs):
//  * futex (Linux): the system call on the word, private to the process,
//    with absolute deadlines (FUTEX_WAIT_BITSET) on CLOCK_MONOTONIC or
//    CLOCK_REALTIME; 32-bit targets pass 64-bit time through futex_time64.
//  * portable (elsewhere, or ONCE_FORCE_PORTABLE_WAIT): std::atomic::wait and
//    notify_all; a timed wait polls with a backoff from 1 us doubling to 1 ms.
//  * spin (no OS, or ONCE_FORCE_SPIN_WAIT): re-reads the word after the pause
//    hint and ONCE_SPIN_WAIT_HOOK(); notify_all calls ONCE_SPIN_WAKE_HOOK().
//
// Every function here may return spuriously: callers re-check their word.
// The conversions from the caller's std::chrono types to a Deadline are in
// deadline.hpp.
#pragma once

#include <cstdint>

#include "atomic.hpp"
#include "config.hpp"

#if ONCE_FUTEX_WAIT
#include <linux/futex.h>
#include <sched.h>
#include <sys/syscall.h>
#include <time.h>  // NOLINT(modernize-deprecated-headers): POSIX clock_gettime, ::timespec
#include <unistd.h>

#include <climits>
#else
#include "chrono.hpp"  // the portable and spin backends read the clocks through <chrono>
#if !ONCE_SPIN_WAIT
#if __has_include(<sched.h>) && __has_include(<time.h>) && __has_include(<unistd.h>)
// POSIX: nanosleep and sched_yield, what <thread>'s sleep_for and yield call.
#include <sched.h>
#include <time.h>  // NOLINT(modernize-deprecated-headers): POSIX nanosleep
#define ONCE_POSIX_SLEEP 1
#else
#include <thread>
#define ONCE_POSIX_SLEEP 0
#endif
#endif
#endif

ONCE_NAMESPACE_BEGIN
namespace detail {

/// The word every blocking type sleeps on. Exactly a 4-byte int: that is what
/// a futex is, and what libstdc++ and libc++ wait on without a proxy table.
using WaitWord = Atomic<std::int32_t>;
static_assert(sizeof(WaitWord) == 4 && WaitWord::is_always_lock_free);

/// A test hook: with ONCE_COUNT_WAIT_CALLS defined (in a test program's only
/// translation unit that includes the library), every sleep and every wake
/// below, each one a system call on the futex backend, is counted here.
#if defined(ONCE_COUNT_WAIT_CALLS)
struct WaitCallCounts {
  Atomic<long> sleeps{0};
  Atomic<long> wakes{0};
};
inline WaitCallCounts wait_call_counts;
#define ONCE_COUNT_WAIT_CALL(kind) ::once::detail::wait_call_counts.kind.fetch_add(1, memory_order_relaxed)
#else
#define ONCE_COUNT_WAIT_CALL(kind) static_cast<void>(0)
#endif

/// A pointer-sized word that threads may also sleep on: SetOnce's waiter
/// list (waiter_list.hpp). The futex backend watches its low 32 bits.
using ListWord = Atomic<std::uintptr_t>;
static_assert(sizeof(ListWord) == sizeof(std::uintptr_t) && ListWord::is_always_lock_free);

/// The two clocks a deadline can be kept on. Any other clock is mapped onto
/// the steady one by `until` (deadline.hpp).
enum class WaitClock : bool { kSteady, kSystem };

/// An absolute deadline: nanoseconds since the epoch of `clock`, saturated to
/// the range of std::int64_t (so `time_point::max()` means "never").
struct Deadline {
  WaitClock clock;
  std::int64_t ns;
};

/// The current time on `clock`, in nanoseconds since its epoch: the same
/// clocks as std::chrono::steady_clock and system_clock (CLOCK_MONOTONIC and
/// CLOCK_REALTIME on Linux), read without <chrono>.
inline std::int64_t now_ns(WaitClock clock) noexcept {
#if ONCE_FUTEX_WAIT
  ::timespec now{};
  ::clock_gettime(clock == WaitClock::kSteady ? CLOCK_MONOTONIC : CLOCK_REALTIME, &now);
  return static_cast<std::int64_t>(now.tv_sec) * 1'000'000'000 + static_cast<std::int64_t>(now.tv_nsec);
#else
  using namespace std::chrono;
  return clock == WaitClock::kSteady ? duration_cast<nanoseconds>(steady_clock::now().time_since_epoch()).count()
                                     : duration_cast<nanoseconds>(system_clock::now().time_since_epoch()).count();
#endif
}

inline bool reached(const Deadline& deadline) noexcept { return now_ns(deadline.clock) >= deadline.ns; }

/// Tells the CPU that this thread is spinning on a memory location: a hint,
/// never a sleep. Where a target has no such hint it is nothing.
inline void cpu_relax() noexcept {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  __asm__ __volatile__("yield");
#elif defined(__arm__) && ((defined(__ARM_ARCH) && __ARM_ARCH >= 7) || defined(__ARM_ARCH_6K__) || \
                           defined(__ARM_ARCH_6KZ__) || defined(__ARM_ARCH_6M__))
  // ARMv6K and later, A and M profiles, ARM and Thumb: `yield` is a hint (a
  // no-op on cores that ignore it).
  __asm__ __volatile__("yield");
#elif defined(__riscv)
  // Zihintpause's `pause`, spelled as its encoding (fence w,0) so that
  // assemblers without the extension accept it; cores without it run it as
  // a fence that orders nothing.
  __asm__ __volatile__(".insn i 0x0f, 0, x0, x0, 0x010");
#endif
}

#if ONCE_SPIN_WAIT
/// One turn of a spinning wait (the spin backend has no other): the pause
/// hint, then the program's hook (an RTOS yield, a WFE).
inline void spin_turn() noexcept {
  cpu_relax();
#if defined(ONCE_SPIN_WAIT_HOOK)
  ONCE_SPIN_WAIT_HOOK();
#endif
}
#endif

/// Gives the processor to another thread: for a spin that has gone on long
/// enough that the thread it waits for was probably preempted.
inline void yield_thread() noexcept {
#if ONCE_FUTEX_WAIT || ONCE_POSIX_SLEEP
  static_cast<void>(::sched_yield());
#elif ONCE_SPIN_WAIT
  spin_turn();
#else
  std::this_thread::yield();
#endif
}

/// One step of waiting out a lock held for a few instructions: the pause
/// hint for the first `kSpinsBeforeYield` steps, then yielding.
inline void spin_pause(int step) noexcept {
  constexpr int kSpinsBeforeYield = 64;
  if (step < kSpinsBeforeYield) {
    cpu_relax();
  } else {
    yield_thread();
  }
}

/// How many times a thread about to sleep first re-reads its word. An
/// initializer that is just finishing (a contended first initialization)
/// then completes without either side making a system call: measured in
/// bench/init_bench.cpp, two threads racing through fresh OnceLocks went
/// from 28 to 20 ns per cell, with no further gain from 64 or 256. It is a
/// few hundred nanoseconds of CPU at most, negligible next to a sleep.
inline constexpr int kSpinsBeforeSleep = 16;

/// The bounded spin before a sleep: returns as soon as `word` no longer
/// holds `expected` (with the new value), or `expected` after the last spin.
inline std::int32_t spin_while_equal(const WaitWord& word, std::int32_t expected) noexcept {
  for (int spin = 0; spin < kSpinsBeforeSleep; ++spin) {
    cpu_relax();
    // Acquire: the caller acts on the new value as it would on a reload
    // after sleeping (OnceState: pairs with complete() and roll_back()).
    const std::int32_t now = word.load(memory_order_acquire);
    if (now != expected) return now;
  }
  return expected;
}

#if ONCE_FUTEX_WAIT

// 32-bit targets take 64-bit time through futex_time64; 64-bit ones through futex.
#if defined(SYS_futex_time64) && !defined(__LP64__)
struct FutexTimespec {
  std::int64_t tv_sec;
  std::int64_t tv_nsec;
};
inline constexpr long kSysFutex = SYS_futex_time64;
#else
using FutexTimespec = ::timespec;
inline constexpr long kSysFutex = SYS_futex;
#endif

inline void futex_wait(const void* address, std::int32_t expected, int op, const FutexTimespec* abs_time) noexcept {
  ONCE_COUNT_WAIT_CALL(sleeps);
  // The result is ignored on purpose: a wake-up, EAGAIN (the word had already
  // changed), EINTR and ETIMEDOUT all mean "re-check the word and the clock",
  // which every caller does.
  static_cast<void>(::syscall(kSysFutex, address, op, expected, abs_time, nullptr, FUTEX_BITSET_MATCH_ANY));
}

inline void futex_wait_until(const void* address, std::int32_t expected, const Deadline& deadline) noexcept {
  if (deadline.ns <= 0) return;  // before the clock's epoch: long past
  FutexTimespec abs_time{};
  abs_time.tv_sec = static_cast<decltype(abs_time.tv_sec)>(deadline.ns / 1'000'000'000);
  abs_time.tv_nsec = static_cast<decltype(abs_time.tv_nsec)>(deadline.ns % 1'000'000'000);
  const int op = FUTEX_WAIT_BITSET_PRIVATE | (deadline.clock == WaitClock::kSystem ? FUTEX_CLOCK_REALTIME : 0);
  futex_wait(address, expected, op, &abs_time);
}

inline void futex_wake_all(const void* address) noexcept {
  ONCE_COUNT_WAIT_CALL(wakes);
  static_cast<void>(::syscall(kSysFutex, address, FUTEX_WAKE_PRIVATE, INT_MAX, nullptr, nullptr, 0));
}

/// Sleeps while `word == expected`, until woken (or spuriously).
inline void wait(const WaitWord& word, std::int32_t expected) noexcept {
  futex_wait(&word, expected, FUTEX_WAIT_PRIVATE, nullptr);
}

/// As `wait`, but returns by `deadline` at the latest.
inline void wait_until(const WaitWord& word, std::int32_t expected, const Deadline& deadline) noexcept {
  futex_wait_until(&word, expected, deadline);
}

/// Wakes every thread sleeping on `word`. Takes the address, not a reference,
/// and never reads through it: the caller's object may already have been
/// destroyed by a waiter that saw the new value before this call.
inline void notify_all(WaitWord* word) noexcept { futex_wake_all(word); }

/// The 32 bits of a pointer-sized word that a futex watches: the low half,
/// where SetOnce keeps the flags that tell "set" from "not yet" (waiter_list.hpp).
/// The kernel reads them atomically, as the CPU writes them with the whole word.
inline const void* low_half(const ListWord* word) noexcept {
  const char* const bytes = reinterpret_cast<const char*>(word);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
  return bytes + (sizeof(std::uintptr_t) - sizeof(std::int32_t));
#else
  return bytes;
#endif
}

inline std::int32_t low_half(std::uintptr_t value) noexcept {
  return static_cast<std::int32_t>(static_cast<std::uint32_t>(value & 0xffffffffu));
}

/// Sleeps while the low half of `word` equals that of `expected`. A change
/// confined to the high half does not end the sleep: callers wait for a
/// value whose low half differs from every value they sleep on.
inline void wait(const ListWord& word, std::uintptr_t expected) noexcept {
  futex_wait(low_half(&word), low_half(expected), FUTEX_WAIT_PRIVATE, nullptr);
}

inline void wait_until(const ListWord& word, std::uintptr_t expected, const Deadline& deadline) noexcept {
  futex_wait_until(low_half(&word), low_half(expected), deadline);
}

/// Wakes every thread sleeping on `word`; uses only the address, as above.
inline void notify_all(ListWord* word) noexcept { futex_wake_all(low_half(word)); }

#elif ONCE_SPIN_WAIT

// Nobody sleeps: a waiter spins (spin_turn: the pause hint, then the
// program's hook) until its word changes. These serve the 4-byte state words
// and SetOnce's pointer-sized list word alike.
template <class Word>
inline void wait(const Word& word, typename Word::value_type expected) noexcept {
  ONCE_COUNT_WAIT_CALL(sleeps);
  while (word.load(memory_order_relaxed) == expected) spin_turn();
}

template <class Word>
inline void wait_until(const Word& word, typename Word::value_type expected, const Deadline& deadline) noexcept {
  ONCE_COUNT_WAIT_CALL(sleeps);
  while (word.load(memory_order_relaxed) == expected && !reached(deadline)) spin_turn();
}

// Nobody sleeps, so there is nobody to wake, unless the program's waiters
// wait for an event (WFE) that its wake hook signals (SEV). The word is not
// read: the caller's object may already be gone, as with the futex backend.
template <class Word>
inline void notify_all(Word* word) noexcept {
  ONCE_COUNT_WAIT_CALL(wakes);
  static_cast<void>(word);
#if defined(ONCE_SPIN_WAKE_HOOK)
  ONCE_SPIN_WAKE_HOOK();
#endif
}

#else  // portable backend

template <class Word>
inline void wait(const Word& word, typename Word::value_type expected) noexcept {
  ONCE_COUNT_WAIT_CALL(sleeps);
  word.wait(expected, memory_order_relaxed);
}

template <class Word>
inline void wait_until(const Word& word, typename Word::value_type expected, const Deadline& deadline) noexcept {
  using namespace std::chrono;
  constexpr nanoseconds kMaxBackoff = milliseconds(1);
  nanoseconds backoff = microseconds(1);
  while (word.load(memory_order_relaxed) == expected) {
    const std::int64_t remaining = deadline.ns - now_ns(deadline.clock);
    if (remaining <= 0) return;
    ONCE_COUNT_WAIT_CALL(sleeps);
    const nanoseconds nap = nanoseconds(remaining) < backoff ? nanoseconds(remaining) : backoff;
#if ONCE_POSIX_SLEEP
    // nap is at most kMaxBackoff, so it fits tv_nsec. An interruption (EINTR)
    // only ends this nap early: the loop re-checks the word and the clock.
    ::timespec request{};
    request.tv_nsec = static_cast<decltype(request.tv_nsec)>(nap.count());
    static_cast<void>(::nanosleep(&request, nullptr));
#else
    std::this_thread::sleep_for(nap);
#endif
    backoff = backoff * 2 < kMaxBackoff ? backoff * 2 : kMaxBackoff;
  }
}

// Like std::atomic::notify_all, which it calls: libstdc++ and libc++ use only
// the address here (to find the waiters), so the caller's object may already
// be gone, as with the futex backend.
template <class Word>
inline void notify_all(Word* word) noexcept {
  ONCE_COUNT_WAIT_CALL(wakes);
  word->notify_all();
}

#endif

/// The wait layer as the state machines see it, for a word of type
/// Atom<std::int32_t>. In every build this is the functions above on a
/// detail::Atomic word; the model checker (tests/model) specializes it for its
/// own atomic, so that it runs the real state machine code, sleeping and
/// waking included, under its scheduler.
template <template <class> class Atom>
struct WaitOps;

template <>
struct WaitOps<Atomic> {
  static std::int32_t spin_while_equal(const WaitWord& word, std::int32_t expected) noexcept {
    return detail::spin_while_equal(word, expected);
  }
  static void wait(const WaitWord& word, std::int32_t expected) noexcept { detail::wait(word, expected); }
  static void wait_until(const WaitWord& word, std::int32_t expected, const Deadline& deadline) noexcept {
    detail::wait_until(word, expected, deadline);
  }
  static void notify_all(WaitWord* word) noexcept { detail::notify_all(word); }
  static bool reached(const Deadline& deadline) noexcept { return detail::reached(deadline); }
  /// A step of a spin on a lock word (SetOnce's list lock).
  static void spin_pause(int step) noexcept { detail::spin_pause(step); }

  // The same on a pointer-sized word (SetOnce's list word): a sleeper wakes
  // when notified, or at once if the word's low 32 bits no longer match.
  static void wait(const ListWord& word, std::uintptr_t expected) noexcept { detail::wait(word, expected); }
  static void wait_until(const ListWord& word, std::uintptr_t expected, const Deadline& deadline) noexcept {
    detail::wait_until(word, expected, deadline);
  }
  static void notify_all(ListWord* word) noexcept { detail::notify_all(word); }
};

}  // namespace detail
ONCE_NAMESPACE_END
