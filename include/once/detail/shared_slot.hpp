// SharedSlot<T>: the publication protocol behind OnceShared.
// SPDX-License-Identifier: MIT
//
// A pointer published by one compare-and-swap, the owning std::shared_ptr
// taken in by the winner, and a state word that initializers hold and
// waiters sleep on. OnceShared is the public face; this class is the part
// whose interleavings matter, templated on the atomic (as BasicOnceState is)
// so that a deterministic scheduler can run it.
#pragma once

#include <new>
#include <utility>

#include "../errors.hpp"
#include "atomic.hpp"
#include "config.hpp"
#include "once_state.hpp"
#include "shared_ptr.hpp"
#include "storage.hpp"

ONCE_STORAGE_WARNINGS_BEGIN
ONCE_NAMESPACE_BEGIN
namespace detail {

template <class T, template <class> class Atom = Atomic>
class SharedSlot {
 public:
  constexpr SharedSlot() noexcept = default;
  SharedSlot(const SharedSlot&) = delete;
  SharedSlot& operator=(const SharedSlot&) = delete;

  ~SharedSlot() {
    ONCE_ASSERT(!state_.is_running(), "a OnceShared must not be destroyed while its initializer runs");
    ONCE_ASSERT(state_.is_complete() || ptr_.load(memory_order_relaxed) == nullptr,
                "a OnceShared must not be destroyed while a store into it is still running");
    if (state_.is_complete()) std::destroy_at(std::addressof(owner_.value_));
  }

  /// The published pointer, or nullptr.
  ONCE_ALWAYS_INLINE T* get() const noexcept {
    // Acquire pairs with the release of the publishing CAS (publish, or
    // initialize's): the object behind the pointer is fully visible.
    return ptr_.load(memory_order_acquire);
  }

  /// Complete: owner_ holds the reference and the state word says so.
  ONCE_ALWAYS_INLINE bool is_complete() const noexcept { return state_.is_complete(); }

  /// The pointer of a slot that this thread has seen complete. Relaxed: the
  /// acquire that saw kComplete pairs with complete(), which the winner
  /// issues after its publishing CAS.
  ONCE_ALWAYS_INLINE T* completed_pointer() const noexcept { return ptr_.load(memory_order_relaxed); }

  /// The owning pointer of a slot that this thread has seen complete.
  ONCE_ALWAYS_INLINE const std::shared_ptr<T>& completed_owner() const noexcept { return owner_.value_; }

  /// Whoever wins the CAS on ptr_ owns the rest of the publication: taking
  /// its reference into owner_, then completing the state word.
  template <class SharedPtr>
  bool publish(SharedPtr&& value) {
    T* const pointer = value.get();  // converts U* to T* exactly as the shared_ptr<T> constructor below does
    if (pointer == nullptr) throw_invalid_argument("once: OnceShared::store: a null pointer is not a value");
    T* expected = nullptr;
    // Success: release pairs with the acquire load in get() (and the other
    // loads of ptr_ that hand out the pointer): the caller's writes to the
    // object happen before any reader's use of it. Failure: nothing of ours
    // is published, and the caller learns only "already set" (a get() it
    // makes next acquires for itself), so relaxed.
    if (!ptr_.compare_exchange_strong(expected, pointer, memory_order_release, memory_order_relaxed)) {
      return false;
    }
    // Cannot throw (shared_ptr copy, move and conversion are noexcept), so
    // the slot is never left published but incomplete.
    ::new (static_cast<void*>(std::addressof(owner_.value_))) std::shared_ptr<T>(std::forward<SharedPtr>(value));
    // Release (inside complete) pairs with the acquire in load() and in
    // get_or_init: owner_ is constructed before anyone copies it. The last
    // touch of *this: a waiter that sees it complete may destroy the slot.
    state_.complete();
    return true;
  }

  /// load() on a slot not yet seen complete.
  ONCE_COLD std::shared_ptr<T> load_slow() const noexcept {
    // Relaxed: only whether some thread has published matters here; the
    // reference itself is read after the acquire in the wait below.
    if (ptr_.load(memory_order_relaxed) == nullptr) return {};
    // A winner is between its CAS and complete(), running no user code. It
    // is never this thread: publish completes before returning, and an
    // initializer on this thread publishes only after its f() returned. So
    // even inside this slot's own initializer this wait cannot deadlock, and
    // OnceState::wait()'s reentrancy check (which would throw out of this
    // noexcept function) must not apply.
    state_.wait_for_imminent_complete();
    return owner_.value_;
  }

  /// get_or_init (kMayDecline false: `f` returns a shared_ptr) and
  /// get_or_try_init (true: `f` returns an optional-like of one, empty for
  /// "not now") on a slot not yet seen complete. Returns the slot's pointer
  /// once complete, or nullptr if this call's `f` declined.
  template <bool kMayDecline, class F>
  ONCE_COLD T* initialize(F&& f) {
    T* made_here = nullptr;
    bool declined = false;
    auto init = [&]() -> bool {
      // This thread holds the state word. A store may have published since
      // the caller looked, or while an earlier initializer ran: then f must
      // not run. Relaxed: declining reads nothing through the pointer.
      if (ptr_.load(memory_order_relaxed) != nullptr) return false;
      std::shared_ptr<T> made;
      if constexpr (kMayDecline) {
        auto result = std::forward<F>(f)();
        if (!result) {
          declined = true;
          return false;
        }
        made = *std::move(result);
      } else {
        made = std::forward<F>(f)();
      }
      if (made == nullptr) {
        throw_invalid_argument(kMayDecline ? "once: OnceShared::get_or_try_init: the initializer returned null"
                                           : "once: OnceShared::get_or_init: the initializer returned null");
      }
      T* expected = nullptr;
      // Orders as in publish(). On failure a store won while f ran: decline,
      // and `made` is released on the way out.
      if (!ptr_.compare_exchange_strong(expected, made.get(), memory_order_release, memory_order_relaxed)) {
        return false;
      }
      made_here = made.get();
      ::new (static_cast<void*>(std::addressof(owner_.value_))) std::shared_ptr<T>(std::move(made));
      return true;  // the state word's commit completes the slot
    };
    // Skip claiming the word if a winner is already finishing.
    if (ptr_.load(memory_order_relaxed) == nullptr && state_.initialize(init)) {
      return made_here;  // not ptr_: after completing, this thread must not read *this again
    }
    if (declined) return nullptr;
    // Another thread published: either it completed (initialize saw
    // kComplete) or it is a store between its CAS and complete(), never on
    // this thread (see load_slow). Waiting needs no reentrancy check.
    state_.wait_for_imminent_complete();
    return completed_pointer();  // the wait's acquire pairs with complete()
  }

  /// The state word, for the blocking waits (which OnceState provides).
  const BasicOnceState<Atom>& state() const noexcept { return state_; }

  /// Exclusive access only: the owning pointer, leaving the slot empty.
  std::shared_ptr<T> take() noexcept {
    ONCE_ASSERT(!state_.is_running(), "take() needs exclusive access, but the slot's initializer is running");
    ONCE_ASSERT(state_.is_complete() || ptr_.load(memory_order_relaxed) == nullptr,
                "take() needs exclusive access, but a store into the slot is still running");
    if (!state_.is_complete()) return {};
    std::shared_ptr<T> taken = std::move(owner_.value_);
    std::destroy_at(std::addressof(owner_.value_));
    ptr_.store(nullptr, memory_order_relaxed);
    state_.set_exclusive(false);
    return taken;
  }

  /// Exclusive access only: an empty slot takes `value` (non-null).
  void set_exclusive(std::shared_ptr<T>&& value) noexcept {
    T* const pointer = value.get();
    ::new (static_cast<void*>(std::addressof(owner_.value_))) std::shared_ptr<T>(std::move(value));
    ptr_.store(pointer, memory_order_relaxed);
    state_.set_exclusive(true);
  }

 private:
  // The slot's states, as (ptr_, state_); W is the state word's waiters flag.
  //
  //   (null, kEmpty[+W])     empty
  //   (null, kRunning[+W])   an initializer's f() runs; get_or_init callers sleep
  //   (p, kEmpty|kRunning[+W])
  //                          a store or initializer won the CAS with p and is
  //                          constructing owner_: get() already returns p,
  //                          load() and get_or_init wait for kComplete
  //   (p, kComplete)         set: owner_ holds the reference, p == owner_.get()
  //
  //   empty/running --CAS ptr_ null->p (release)--> published --owner_, complete()--> set
  //   running       --f throws or declines--------> empty (state rollback; ptr_ untouched)
  //   set           --take / destruction, exclusive access--> empty
  //
  // A store may win while an initializer runs; complete() then replaces
  // kRunning with kComplete, and the initializer's later rollback only clears
  // kRunning, so the slot stays complete.

  Atom<T*> ptr_{nullptr};       // the published pointer: get()'s one load
  BasicOnceState<Atom> state_;  // initializer exclusivity, and "owner_ constructed"
  Storage<std::shared_ptr<T>> owner_;
};

}  // namespace detail
ONCE_NAMESPACE_END
ONCE_STORAGE_WARNINGS_END
