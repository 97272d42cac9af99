// Threads in SetOnce's waiter list: a node on the waiting thread's stack, and the blocking waits.
// SPDX-License-Identifier: MIT
//
// The blocking operations: wait, timed wait, stop-token wait, and a set()
// that waits for another setter's claim.
#pragma once

#include <cstdint>

#include "../errors.hpp"
#include "atomic.hpp"
#include "config.hpp"
#include "reentrancy.hpp"
#include "stop_token.hpp"
#include "wait.hpp"
#include "waiter_list.hpp"

ONCE_NAMESPACE_BEGIN
namespace detail {

/// A blocked thread's node. Where it sleeps:
///
///  * a value waiter (wait, wait_until) sleeps on the list word itself, so
///    that publish() wakes every such thread with one system call, however
///    many there are (as a condition variable's broadcast does);
///  * a claim waiter (a set() that found the claim held) and a stop-token
///    waiter sleep on `state_`, a word of their own: a claim handover wakes
///    exactly one thread, and a stop request exactly the stopped one.
///
/// `state_` (this node's own word):
///
///     kAwake      --about to sleep on the list word (CAS)----> kOnList
///     kAwake/kOnList --about to sleep on its own word (CAS)--> kOnOwn
///     any        --the waker (wake_thread: exchange)---------> kWoken   final
///
/// The waker's exchange tells it where the thread sleeps: on its own word it
/// wakes that word at once; on the list word it returns true, and publish()
/// wakes the list word once after its whole batch. A thread on the list word
/// that finds the list set but itself not yet woken (publish() is still
/// resuming earlier waiters) moves to its own word, so it never spins.
template <template <class> class Atom = Atomic>
class BasicThreadParker : public BasicWaiterNode<Atom> {
  using Node = BasicWaiterNode<Atom>;
  using List = BasicWaiterList<Atom>;
  using Wait = WaitOps<Atom>;

 public:
  explicit BasicThreadParker(bool claim_waiter) noexcept {
    this->wake = &wake_thread;
    this->wants_claim = claim_waiter;
    this->is_thread = true;
  }
  BasicThreadParker(const BasicThreadParker&) = delete;
  BasicThreadParker& operator=(const BasicThreadParker&) = delete;

  /// Sleeps on the list word until woken; with a deadline, returns false if
  /// it passed first (the node may still be queued: the caller dequeues it).
  bool park_on_list(const List& list, const Deadline* deadline = nullptr) noexcept {
    std::int32_t state = kAwake;
    // Acquire on failure pairs with wake_thread's release exchange (kWoken).
    if (!state_.compare_exchange_strong(state, kOnList, memory_order_acquire, memory_order_acquire)) {
      return true;
    }
    for (;;) {
      // Our own word first: once woken, the cell may be gone, so it is not read.
      if (state_.load(memory_order_acquire) == kWoken) return true;  // pairs with wake_thread
      const std::uintptr_t seen = list.load_acquire();
      if (seen == List::kSet) {
        park_on_own();  // publish() has our node and will get to it
        return true;
      }
      if (deadline == nullptr) {
        list.sleep(seen);
      } else {
        if (Wait::reached(*deadline)) return false;
        list.sleep_until(seen, *deadline);
      }
    }
  }

  /// Sleeps on this node's own word until woken.
  void park_on_own() noexcept {
    std::int32_t state = state_.load(memory_order_acquire);  // pairs with wake_thread
    while (state != kWoken) {
      // Acquire on failure pairs with wake_thread's release exchange.
      if (state_.compare_exchange_weak(state, kOnOwn, memory_order_acquire, memory_order_acquire)) break;
    }
    while (state_.load(memory_order_acquire) != kWoken) Wait::wait(state_, kOnOwn);  // pairs with wake_thread
  }

  /// Why it was woken (valid once a park returned true).
  WakeReason reason() const noexcept { return reason_; }
  bool cancelled() const noexcept { return cancelled_; }

  /// For a stop callback that took the node off the list (dequeue() true):
  /// wakes the thread, which then reports "stopped".
  void wake_cancelled() noexcept {
    cancelled_ = true;
    wake_own(this);
  }

 private:
  static constexpr std::int32_t kAwake = 0;
  static constexpr std::int32_t kOnList = 1;
  static constexpr std::int32_t kOnOwn = 2;
  static constexpr std::int32_t kWoken = 3;

  static bool wake_thread(Node* node, WakeReason reason) noexcept {
    auto* const self = static_cast<BasicThreadParker*>(node);
    self->reason_ = reason;
    return wake_own(self);
  }

  static bool wake_own(BasicThreadParker* self) noexcept {
    Atom<std::int32_t>* const state = &self->state_;
    // Release pairs with the parks' acquire loads: the thread reads the
    // reason and the value after seeing kWoken. It may return, and its node
    // vanish, as soon as it does: from here on only the word's address is used.
    const std::int32_t old = state->exchange(kWoken, memory_order_release);
    if (old == kOnOwn) Wait::notify_all(state);
    return old == kOnList;
  }

  Atom<std::int32_t> state_{kAwake};
  WakeReason reason_ = WakeReason::kSet;
  bool cancelled_ = false;
};

using ThreadParker = BasicThreadParker<>;

/// A thread about to block on `list` while a claim is held must not be the
/// thread constructing the value (a set() or wait() from inside the value's
/// constructor), or it would sleep forever.
template <template <class> class Atom>
void check_not_constructing(const BasicWaiterList<Atom>& list) {
  if (list.claim_held() && initializing_on_this_thread(&list)) throw_recursive_init_error();
}

/// Blocks until the list is set.
template <template <class> class Atom>
ONCE_COLD void wait_until_set(BasicWaiterList<Atom>& list) {
  check_not_constructing(list);
  BasicThreadParker<Atom> parker(false);
  if (list.enqueue(&parker) == ClaimResult::kSet) return;
  parker.park_on_list(list);
}

/// As wait_until_set, giving up once `deadline` has passed. Returns whether
/// the list is set.
template <template <class> class Atom>
ONCE_COLD bool wait_until_set(BasicWaiterList<Atom>& list, const Deadline& deadline) {
  if (WaitOps<Atom>::reached(deadline)) return list.is_set();
  check_not_constructing(list);
  BasicThreadParker<Atom> parker(false);
  if (list.enqueue(&parker) == ClaimResult::kSet) return true;
  if (parker.park_on_list(list, &deadline)) return true;
  if (list.dequeue(&parker)) return false;  // off the list before any set(): a timeout
  // A set() took the list first and will wake this node: wait for that, so
  // the node outlives its use. The value is there: report it.
  parker.park_on_own();
  return true;
}

/// As wait_until_set, giving up when stop is requested on `token` (false).
/// The stop callback takes the node off the list and wakes this thread's
/// own word: one wake-up, no polling.
template <template <class> class Atom, class Token>
ONCE_COLD bool wait_until_set(BasicWaiterList<Atom>& list, const Token& token) {
  struct OnStop {
    BasicWaiterList<Atom>* list;
    BasicThreadParker<Atom>* parker;
    void operator()() const noexcept {
      // A set() that took the node first wakes it with the value instead.
      if (list->dequeue(parker)) parker->wake_cancelled();
    }
  };
  if (token.stop_requested()) return list.is_set();
  check_not_constructing(list);
  BasicThreadParker<Atom> parker(false);
  if (list.enqueue(&parker) == ClaimResult::kSet) return true;
  {
    // Runs OnStop inline if stop was requested meanwhile. Its destructor
    // waits for a callback running on another thread, so the node outlives it.
    const stop_callback_t<Token, OnStop> on_stop(token, OnStop{&list, &parker});
    parker.park_on_own();
  }
  return !parker.cancelled();
}

/// Blocks until this thread holds the claim (true) or the value is there
/// (false): a claim held by another setter or a coroutine ends in the value
/// (false) or is handed over, oldest claim waiter first.
template <template <class> class Atom>
bool claim_blocking(BasicWaiterList<Atom>& list) {
  switch (list.try_claim()) {
    case ClaimResult::kSet:
      return false;
    case ClaimResult::kClaimed:
      return true;
    default:
      break;
  }
  return claim_blocking_slow(list);
}

template <template <class> class Atom>
ONCE_COLD bool claim_blocking_slow(BasicWaiterList<Atom>& list) {
  if (initializing_on_this_thread(&list)) throw_recursive_init_error();  // set() inside the constructor
  BasicThreadParker<Atom> parker(true);
  switch (list.enqueue(&parker)) {
    case ClaimResult::kSet:
      return false;
    case ClaimResult::kClaimed:
      return true;
    default:
      break;
  }
  parker.park_on_own();
  return parker.reason() == WakeReason::kClaimGranted;
}

/// The claim held by a thread's set(), released (handed over) unless dismissed.
template <template <class> class Atom>
class ThreadClaim {
 public:
  explicit ThreadClaim(BasicWaiterList<Atom>& list) noexcept : list_(&list), frame_(&list) { frame_.push(); }
  ~ThreadClaim() {
    if (list_ != nullptr) list_->release_claim();
  }
  ThreadClaim(const ThreadClaim&) = delete;
  ThreadClaim& operator=(const ThreadClaim&) = delete;
  void dismiss() noexcept { list_ = nullptr; }

 private:
  BasicWaiterList<Atom>* list_;
  InitFrameScope frame_;  // set() or wait() on this cell from inside `construct` throws
};

/// A thread's set(): takes the claim (waiting for another holder to finish),
/// runs `construct()`, publishes. False if the value was there first. If
/// `construct` throws, the claim goes to the oldest claim waiter, value
/// waiters keep waiting, and the exception propagates.
template <template <class> class Atom, class Construct>
bool set_with(BasicWaiterList<Atom>& list, Construct& construct) {
  if (!claim_blocking(list)) return false;
  {
    ThreadClaim<Atom> claim(list);
    construct();
    claim.dismiss();
  }
  return list.publish();
}

}  // namespace detail
ONCE_NAMESPACE_END
