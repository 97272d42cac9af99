// OnceState: the 4-byte state word and its state machine, behind every type but SetOnce.
// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>

#include "../errors.hpp"
#include "atomic.hpp"
#include "config.hpp"
#include "reentrancy.hpp"
#include "wait.hpp"

ONCE_NAMESPACE_BEGIN
namespace detail {

// ---------------------------------------------------------------------------
// The state word's values, shared by OnceState and its single-threaded twin.
//
// kComplete is a value of its own, never combined with a flag, so the read
// path compares against one immediate. kEmpty is zero so that an empty cell
// with static storage duration sits in .bss.
inline constexpr std::int32_t kEmpty = 0;
inline constexpr std::int32_t kRunning = 1;  // an initializer holds the cell
inline constexpr std::int32_t kWaiters = 2;  // a thread may sleep on the word: notify when it changes
inline constexpr std::int32_t kComplete = 4;
// The other 28 bits count stop requests that woke the word's sleepers (a
// wrapping counter; only ever changed while the word is not kComplete).
inline constexpr std::int32_t kWakeUnit = 8;
inline constexpr std::int32_t kWakeCount = ~(kWakeUnit - 1) & 0x7fffffff;

// ---------------------------------------------------------------------------
/// The thread-safe once state: a 4-byte word, blocking through wait.hpp.
///
/// Transitions (W is the kWaiters flag; it may accompany kEmpty or kRunning):
///
///     kEmpty[+W] --claim (CAS, one thread wins)-----------> kRunning[+W]
///     kRunning   --a waiter sets W, then sleeps-----------> kRunning+W
///     kEmpty     --wait() sets W, then sleeps-------------> kEmpty+W
///     kRunning[+W] --initializer succeeds: exchange-------> kComplete   (notify if W)
///     kRunning[+W] --initializer throws or declines-------> kEmpty[+W]  (notify if W)
///     anything   --complete() from outside (OnceShared)---> kComplete   (notify if W)
///     kComplete  --reset / take, exclusive access only----> kEmpty
///     not kComplete --a waiter gives up (timeout, stop)---> the same without W (notify if W)
///     not kComplete --a stop request (wake_sleepers)------> the wake count + 1 (notify if W)
///
/// The first successful initialization costs one CAS and one exchange, and no
/// system call unless someone slept. A thread that finds the word held first
/// re-reads it a few times (spin_while_equal, wait.hpp) before it sets W and
/// sleeps, so an initializer that is just finishing costs no system call on
/// either side. After a failure every sleeper wakes; the first to claim the
/// word runs its initializer and the others sleep again.
///
/// W means "someone may sleep": set by sleepers, cleared only by the
/// transitions above. A waiter that gives up clears it and wakes the others,
/// which set it again (docs/design.md, "The waiters flag").
///
/// The wake count lets a stop request end a wait without polling: the stop
/// callback bumps it and wakes the sleepers (docs/design.md, "Stop-token waits").
///
/// `Atom` and WaitOps<Atom> are Atomic (atomic.hpp) and wait.hpp in every build but
/// the model checker's (tests/model), which runs this very code.
template <template <class> class Atom = Atomic>
class BasicOnceState {
  using Word = Atom<std::int32_t>;
  using Wait = WaitOps<Atom>;

 public:
  constexpr BasicOnceState() noexcept = default;
  constexpr explicit BasicOnceState(bool complete) noexcept : word_(complete ? kComplete : kEmpty) {}

  /// The read path: one acquire load, one compare with an immediate.
  ONCE_ALWAYS_INLINE bool is_complete() const noexcept {
    // Acquire pairs with the release exchange in complete(): whoever sees
    // kComplete also sees everything the initializer wrote, the value first.
    return word_.load(memory_order_acquire) == kComplete;
  }

  /// Runs `init()` (returning bool: true = commit, false = decline) on this
  /// thread if the word is not complete and nobody else is running one;
  /// otherwise sleeps until it is complete, or until the running initializer
  /// fails and this thread can try its own. Returns whether this call's
  /// `init` ran and committed. An exception from `init` rolls the state back
  /// and propagates.
  template <class Init>
  bool initialize(Init& init) {
    // The common case first, written out here so that it compiles into the
    // caller's (cold) slow path with `init` inlined: an empty word that nobody
    // waits on, claimed by one CAS (no load first: the caller has just seen
    // the word incomplete). Acquire: as the claim in run_once. The
    // reentrancy frame is built before the CAS and pushed after it.
    {
      InitFrameScope frame(this);
      std::int32_t state = kEmpty;
      if (word_.compare_exchange_strong(state, kRunning, memory_order_acquire, memory_order_acquire)) [[likely]] {
        frame.push();
        return run_claimed(init);
      }
    }
    // Complete, held by another initializer, flagged by sleepers, or nudged by
    // a stop request: the general loop, type-erased and compiled once. It
    // gets a copy of `init` (a lambda holding references), so that `init`
    // itself never has its address taken and stays in registers above.
    Init general = init;
    return run_once(&general, [](void* context) -> bool { return (*static_cast<Init*>(context))(); });
  }

  /// Blocks until complete. Throws recursive_init_error if this thread holds
  /// the word (the caller is inside the initializer it would wait for).
  ONCE_COLD void wait() const {
    std::int32_t state = word_.load(memory_order_acquire);  // pairs with complete()
    while (state != kComplete) state = sleep_once(state, nullptr);
  }

  /// Blocks until complete, for a caller that knows completion is imminent:
  /// another thread has already committed to calling complete() and runs no
  /// user code before it (OnceShared: a store or initializer that has won
  /// the pointer CAS and is taking its reference in). Unlike wait(), it makes
  /// no reentrancy check and so never throws: this thread may be running the
  /// word's initializer, but it is not the thread that will complete the
  /// word, so sleeping cannot deadlock.
  ONCE_COLD void wait_for_imminent_complete() const noexcept {
    std::int32_t state = word_.load(memory_order_acquire);  // pairs with complete()
    while (state != kComplete) state = sleep_once_unchecked(state, nullptr);
  }

  /// As wait(), giving up once `deadline` has passed. Returns is_complete().
  ONCE_COLD bool wait_until(const Deadline& deadline) const {
    std::int32_t state = word_.load(memory_order_acquire);  // pairs with complete()
    for (;;) {
      if (state == kComplete) return true;
      if (Wait::reached(deadline)) return give_up(state);
      state = sleep_once(state, &deadline);
    }
  }

  /// As wait(), also returning (false) once `stop.stop_requested()`. The
  /// caller has registered wake_sleepers() as the stop's callback, before
  /// calling this, so that a request made while this thread sleeps wakes it.
  template <class Stop>
  ONCE_COLD bool wait_unless_stopped(const Stop& stop) const {
    std::int32_t state = word_.load(memory_order_acquire);  // pairs with complete()
    for (;;) {
      if (state == kComplete) return true;  // complete and stopped both: the value wins
      if (stop.stop_requested()) return give_up(state);
      state = sleep_once(state, nullptr);
    }
  }

  /// A stop request's callback: makes every sleeper's wait return, without
  /// changing what the word means (it bumps the wake count). Does nothing
  /// once complete.
  void wake_sleepers() const noexcept {
    Word* const word = &word_;
    std::int32_t state = word->load(memory_order_relaxed);
    std::int32_t bumped = 0;
    do {
      if (state == kComplete) return;
      const auto next = static_cast<std::uint32_t>(state) + static_cast<std::uint32_t>(kWakeUnit);  // wraps
      bumped = (state & ~kWakeCount) | (static_cast<std::int32_t>(next & 0x7fffffffU) & kWakeCount);
      // Release pairs with the acquire reload in sleep_once (and the spin's):
      // a waiter that sees the bumped word also sees its stop request, which
      // happened before this callback ran.
    } while (!word->compare_exchange_weak(state, bumped, memory_order_release, memory_order_relaxed));
    if ((state & kWaiters) != 0) Wait::notify_all(word);
  }

  /// Marks the word complete and wakes every sleeper. The initializer's
  /// commit, and OnceShared::store, which publishes without running one.
  ONCE_ALWAYS_INLINE void complete() noexcept {
    Word* const word = &word_;
    // Release pairs with the acquire loads that test for kComplete
    // (is_complete, run_once, sleep_once): it publishes the value.
    const std::int32_t old = word->exchange(kComplete, memory_order_release);
    // A waiter that sees kComplete may destroy *this at once: from here on,
    // only the address is used, and only to wake the sleepers.
    if ((old & kWaiters) != 0) Wait::notify_all(word);
  }

  /// Exclusive access only (construction, assignment, take, reset).
  void set_exclusive(bool complete) noexcept { word_.store(complete ? kComplete : kEmpty, memory_order_relaxed); }

  /// For precondition checks: an initializer holds the word.
  bool is_running() const noexcept { return (word_.load(memory_order_relaxed) & kRunning) != 0; }

 private:
  using InitFn = bool (*)(void* context);

  /// Rolls the word back if the initializer throws. Dismissed once it
  /// returns, so that on that path it compiles to nothing: the commit (one
  /// exchange and a test) is written out after it, with no flag to store.
  class RollBackOnUnwind {
   public:
    explicit RollBackOnUnwind(BasicOnceState& state) noexcept : state_(&state) {}
    ONCE_ALWAYS_INLINE ~RollBackOnUnwind() {
      if (state_ != nullptr) state_->roll_back();
    }
    RollBackOnUnwind(const RollBackOnUnwind&) = delete;
    RollBackOnUnwind& operator=(const RollBackOnUnwind&) = delete;
    void dismiss() noexcept { state_ = nullptr; }

   private:
    BasicOnceState* state_;
  };

  /// Runs `init` on a word this thread has just claimed (kRunning set by its
  /// CAS) and pushed on its stack of running initializers, and commits or
  /// rolls back, also when `init` throws. The caller pops the frame after:
  /// that touches only this thread's stack, never the word.
  template <class Init>
  ONCE_ALWAYS_INLINE bool run_claimed(Init& init) {
    bool committed = false;
    {
      RollBackOnUnwind unwinding(*this);
      committed = init();
      unwinding.dismiss();  // its destructor, right below, is then a test of a known null
    }
    if (committed) [[likely]] {
      complete();
    } else {
      roll_back();
    }
    return committed;
  }

  bool run_claimed_erased(void* context, InitFn init) {
    InitFrameScope frame(this);
    frame.push();
    auto erased = [context, init] { return init(context); };
    return run_claimed(erased);
  }

  ONCE_COLD bool run_once(void* context, InitFn init) {
    // Acquire pairs with complete() (seeing kComplete means the value is
    // there) and with roll_back() (a failed attempt's writes are visible to
    // the next one).
    std::int32_t state = word_.load(memory_order_acquire);
    for (;;) {
      if (state == kComplete) return false;
      if ((state & kRunning) == 0) {
        // The claim keeps the waiters flag, so the commit still wakes them.
        if (word_.compare_exchange_weak(state, state | kRunning, memory_order_acquire, memory_order_acquire)) {
          return run_claimed_erased(context, init);
        }
        continue;  // lost the race or failed spuriously; `state` holds the fresh value
      }
      state = sleep_once(state, nullptr);
    }
  }

  /// A waiter that stops waiting before completion: takes W off the word (it
  /// may have set it itself) and, if it was there, wakes the sleepers so
  /// those still waiting set it again. Returns whether the word turned out
  /// complete after all.
  bool give_up(std::int32_t state) const noexcept {
    Word* const word = &word_;
    for (;;) {
      if (state == kComplete) return true;
      if ((state & kWaiters) == 0) return false;
      // W publishes nothing (see sleep_once). Acquire is for the failure
      // case: a kComplete found there is reported, and the caller then reads
      // the value (pairs with complete()).
      if (word->compare_exchange_weak(state, state & ~kWaiters, memory_order_acquire, memory_order_acquire)) {
        Wait::notify_all(word);
        return false;
      }
    }
  }

  /// Back to kEmpty after a failed or declined initializer, waking sleepers so
  /// one of them can take over. Only clears kRunning: if OnceShared::store
  /// completed the word meanwhile, it stays complete.
  ONCE_COLD void roll_back() noexcept {
    Word* const word = &word_;
    // Release pairs with the acquire claim in run_once.
    const std::int32_t old = word->fetch_and(~kRunning, memory_order_release);
    if ((old & kWaiters) != 0) Wait::notify_all(word);
  }

  /// Sleeps once while the word holds `state` (not complete), having first
  /// made sure the flag that makes a completer wake us is set. Returns the
  /// word's new value. Never sleeps on an initializer running on this thread.
  std::int32_t sleep_once(std::int32_t state, const Deadline* deadline) const {
    if ((state & kRunning) != 0 && initializing_on_this_thread(this)) throw_recursive_init_error();
    return sleep_once_unchecked(state, deadline);
  }

  /// sleep_once without the reentrancy check, for a caller that knows the
  /// thread that will change the word is not this one.
  std::int32_t sleep_once_unchecked(std::int32_t state, const Deadline* deadline) const noexcept {
    // A short spin first: an initializer that is about to finish then
    // completes without a system call on either side. The acquire inside
    // pairs with complete() and roll_back().
    if (const std::int32_t now = Wait::spin_while_equal(word_, state); now != state) return now;
    if ((state & kWaiters) == 0) {
      // The flag itself publishes nothing; it only obliges the completer to
      // notify. Acquire is for the failure case, where the fresh value may be
      // kComplete (and GCC rejects a failure order stronger than success's).
      if (!word_.compare_exchange_strong(state, state | kWaiters, memory_order_acquire, memory_order_acquire)) {
        return state;
      }
      state |= kWaiters;
    }
    // The kernel (or std::atomic::wait) re-checks the word against `state`
    // atomically with going to sleep, so a completion between the flag and
    // the sleep is never lost.
    if (deadline == nullptr) {
      Wait::wait(word_, state);
    } else {
      Wait::wait_until(word_, state, *deadline);
    }
    return word_.load(memory_order_acquire);  // pairs with complete()
  }

  mutable Word word_{kEmpty};
};

using OnceState = BasicOnceState<>;

// ---------------------------------------------------------------------------
/// The single-threaded twin of OnceState, for OnceCell and LazyCell: the same
/// states without atomics or sleeping. Finding an initializer running means
/// reentrancy, or a misuse this word cannot tell from it: another thread
/// initializing the cell at the same time. The error names both.
class LocalOnceState {
 public:
  constexpr LocalOnceState() noexcept = default;
  constexpr explicit LocalOnceState(bool complete) noexcept : word_(complete ? kComplete : kEmpty) {}

  ONCE_ALWAYS_INLINE bool is_complete() const noexcept { return word_ == kComplete; }

  template <class Init>
  bool initialize(Init& init) {
    if (word_ == kComplete) return false;
    if (word_ == kRunning) throw_single_threaded_cell_busy();
    word_ = kRunning;
    const RollBackUnlessComplete guard{word_};
    const bool committed = init();
    if (committed) word_ = kComplete;
    return committed;
  }

  void set_exclusive(bool complete) noexcept { word_ = complete ? kComplete : kEmpty; }
  bool is_running() const noexcept { return word_ == kRunning; }

 private:
  struct RollBackUnlessComplete {
    std::int32_t& word;
    ~RollBackUnlessComplete() {
      if (word != kComplete) word = kEmpty;
    }
  };

  std::int32_t word_ = kEmpty;
};

}  // namespace detail
ONCE_NAMESPACE_END
