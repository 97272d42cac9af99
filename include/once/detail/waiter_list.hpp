// BasicWaiterList: SetOnce's state word and its list of waiters.
// SPDX-License-Identifier: MIT
//
// SetOnce's state: one pointer-sized word that holds "set", the claim on
// constructing the value, and the head of one intrusive list of every waiter
// (coroutines resumed inline or through an executor, and threads; waiters
// for the value and waiters for the claim).
//
// Driving it (a model checker, a test): make nodes, give each a `wake`
// function (or, a coroutine to be resumed as it is, its handle), and call enqueue / dequeue / try_claim / release_claim
// / publish from the logical threads. publish() and release_claim() call `wake` on the nodes they take off the list,
// after their last access to the list; `wake` returns true when the node's thread sleeps on the list word itself
// (thread_parker.hpp), which publish() then wakes once. All sleeping and waking goes through WaitOps<Atom> (wait.hpp);
// the words are Atom<std::uintptr_t> (the list) and Atom<std::int32_t> (a node's own).
#pragma once

#include <coroutine>
#include <cstdint>

#include "atomic.hpp"
#include "config.hpp"
#include "wait.hpp"

ONCE_NAMESPACE_BEGIN
namespace detail {

/// Why a waiter was taken off the list: the value is there, or the claim on
/// constructing it was handed to this (claim) waiter.
enum class WakeReason : std::uint8_t { kSet, kClaimGranted };

/// Where a node is. Written by whoever moves it (under the list's lock, or by
/// the set() that pops it from its batch); read by the node's owner to learn
/// whether it must take the node back before destroying it.
enum class NodePlace : std::int32_t {
  kNowhere = 0,  // never queued, taken back, or being woken
  kQueued = 1,   // in the cell's list, or in a set()'s batch not yet popped
};

template <template <class> class Atom>
struct BasicWaiterNode;

/// The waiters a set() detached from the cell, in a frame on that set()'s
/// stack: set() pops them oldest first and wakes each. A coroutine that
/// set() resumed inline may destroy another coroutine still in the batch;
/// that waiter's awaiter then unlinks itself from here (unlink_from_batch),
/// so the batch never leads set() to a destroyed node. The batches being
/// woken on a thread form a stack (a set() inside a resumed waiter nests).
template <template <class> class Atom>
struct WaiterBatch {
  BasicWaiterNode<Atom>* head;  // the oldest not yet popped; `prev` of the head is stale
  WaiterBatch* outer;
};

/// This thread's innermost batch being woken (null when none).
template <template <class> class Atom>
inline constinit thread_local WaiterBatch<Atom>* innermost_batch = nullptr;

/// One waiter: lives in its awaiter (in the coroutine frame) or on a waiting
/// thread's stack. The library never allocates one.
///
/// Links: `next` runs from the oldest waiter to the newest and ends in null;
/// `prev` runs the other way, and the oldest node's `prev` is the newest, so
/// that appending and unlinking from the middle are both O(1).
template <template <class> class Atom>
struct alignas(8) BasicWaiterNode {
  /// Run once by whoever took the node off the list, after that party's last
  /// access to the list: resumes the coroutine or wakes the thread, and may
  /// destroy the node before returning. Returns true if the node's thread
  /// sleeps on the list word, which the waker then has to notify.
  using WakeFn = bool (*)(BasicWaiterNode* self, WakeReason reason) noexcept;

  BasicWaiterNode* next = nullptr;
  BasicWaiterNode* prev = nullptr;
  /// Null for a coroutine that wants nothing but resuming, on the spot, by
  /// whoever takes its node (a value waiter resumed inline, without a stop
  /// token): publish() resumes `coroutine` itself, without the call through `wake`.
  WakeFn wake = nullptr;
  std::coroutine_handle<> coroutine;  // a coroutine's node: the waiting coroutine
  Atom<std::int32_t> place{static_cast<std::int32_t>(NodePlace::kNowhere)};
  bool wants_claim = false;  // a claim waiter: may be handed the claim
  bool is_thread = false;    // a thread's node (for the destructor's check)

  NodePlace where() const noexcept { return static_cast<NodePlace>(place.load(memory_order_relaxed)); }
  void move_to(NodePlace to) noexcept { place.store(static_cast<std::int32_t>(to), memory_order_relaxed); }
};

/// Unlinks `node` from the list that starts at `head`, keeping the
/// conventions above (the oldest's `prev` is the newest).
template <class Node>
void unlink(Node*& head, Node* node) noexcept {
  if (node == head) {
    head = node->next;
    if (head != nullptr) head->prev = node->prev;  // the newest stays the newest
  } else {
    node->prev->next = node->next;
    if (node->next != nullptr) {
      node->next->prev = node->prev;
    } else {
      head->prev = node->prev;  // `node` was the newest
    }
  }
  node->next = nullptr;
  node->prev = nullptr;
}

/// Takes `node` out of the batch of a set() that this thread is running, if
/// it sits in one: a coroutine that set() resumed inline destroying another
/// waiter of the same set(). Linear in the batch, and only ever needed in
/// that case. A node in another thread's batch is not found (destroying it
/// while that set() runs is undefined: it may be resumed at any moment).
template <template <class> class Atom>
void unlink_from_batch(BasicWaiterNode<Atom>* node) noexcept {
  for (WaiterBatch<Atom>* batch = innermost_batch<Atom>; batch != nullptr; batch = batch->outer) {
    for (BasicWaiterNode<Atom>* in = batch->head; in != nullptr; in = in->next) {
      if (in != node) continue;
      if (node == batch->head) {
        batch->head = node->next;
      } else {
        node->prev->next = node->next;
        if (node->next != nullptr) node->next->prev = node->prev;
      }
      node->move_to(NodePlace::kNowhere);
      return;
    }
  }
}

/// What a claim attempt found.
enum class ClaimResult : std::uint8_t {
  kSet,      // the value is there: nothing to claim
  kClaimed,  // this caller holds the claim now
  kHeld,     // somebody else holds it (try_claim only)
  kQueued,   // somebody else holds it; the node was queued (enqueue only)
};

// ---------------------------------------------------------------------------
/// The state of a SetOnce: one atomic word, the head of its waiter list.
///
///     word_ == kSet                 the value is there. The list was handed to
///                                   the set() that published it. Final.
///     word_ == head | flags         no value yet; `head` is the oldest waiter
///                                   (or null), then in the order they came.
///
///     kLocked  (bit 0)  the list is being changed. While it is set only its
///                       holder writes the word; everybody else waits (for a
///                       few instructions) for it to clear.
///     kClaimed (bit 1)  somebody holds the claim: a set(), emplace() or
///                       Claim is constructing the value.
///     kSet = 4          bit 2 alone. Node addresses are 8-aligned, so no
///                       other state has bit 2: the read path compares the
///                       word with this immediate, and a thread sleeping on
///                       the word's low 32 bits always sees the change.
///
/// Transitions (H is the head, F the flags):
///
///     H|F          --enqueue/dequeue: lock, relink, unlock-------------> H'|F
///     H            --try_claim (CAS), or enqueue of a claim waiter-----> H|kClaimed
///     H|kClaimed   --release_claim, no claim waiter queued-------------> H
///     H|kClaimed   --release_claim: unlink the oldest claim waiter W---> H'|kClaimed  W now holds it
///     H|F          --publish: lock, move H into a batch, store---------> kSet         wake the batch
///
/// Who owns a node:
///  * from enqueue() until it leaves the list: the list (under kLocked);
///  * after dequeue() returned true: its waiter again (a cancellation, a
///    timeout, or the destructor of a suspended coroutine's awaiter);
///  * after publish() detached the list into its batch: that publish() call,
///    until it pops the node and calls `wake`, which hands the node back
///    (the node's place still reads kQueued until popped);
///  * a claim waiter that release_claim() unlinked: that call, until `wake`.
///
/// publish() and release_claim() never touch the list word after the store
/// that detaches or hands over: the waiters they then wake may destroy the
/// cell. Neither does anything a woken waiter runs inline touch this call's
/// frame, except a waiter's unlink from the batch (same thread).
///
/// `Atom` is the atomic template (Atomic, atomic.hpp, but in the model checker) and
/// WaitOps<Atom> the wait layer, as for BasicOnceState.
template <template <class> class Atom = Atomic>
class BasicWaiterList {
 public:
  using Node = BasicWaiterNode<Atom>;
  using Word = Atom<std::uintptr_t>;
  using Wait = WaitOps<Atom>;
  template <class U>
  using Atomic = Atom<U>;  // for the nodes' owners' own atomics

  static constexpr std::uintptr_t kLocked = 1;
  static constexpr std::uintptr_t kClaimed = 2;
  static constexpr std::uintptr_t kSet = 4;
  static constexpr std::uintptr_t kFlags = kLocked | kClaimed;

  constexpr BasicWaiterList() noexcept = default;
  constexpr explicit BasicWaiterList(bool set) noexcept : word_(set ? kSet : 0) {}
  BasicWaiterList(const BasicWaiterList&) = delete;
  BasicWaiterList& operator=(const BasicWaiterList&) = delete;

  /// The read path: one acquire load, one compare with an immediate.
  ONCE_ALWAYS_INLINE bool is_set() const noexcept {
    // Acquire pairs with the release store in publish(): whoever sees kSet
    // also sees the value the setter constructed.
    return word_.load(memory_order_acquire) == kSet;
  }

  /// Takes the claim if nobody holds it. Never waits for a holder.
  ClaimResult try_claim() noexcept {
    // Acquire (load and both CAS orders): seeing kSet lets the caller read the
    // value (pairs with publish()); taking the claim pairs with the release
    // store in release_claim(), so a failed attempt's writes come before ours.
    std::uintptr_t word = word_.load(memory_order_acquire);
    for (int spins = 0;; ++spins) {
      if (word == kSet) return ClaimResult::kSet;
      if ((word & kClaimed) != 0) return ClaimResult::kHeld;
      if ((word & kLocked) != 0) {
        Wait::spin_pause(spins);
        word = word_.load(memory_order_acquire);
        continue;
      }
      if (word_.compare_exchange_weak(word, word | kClaimed, memory_order_acquire, memory_order_acquire)) {
        return ClaimResult::kClaimed;
      }
    }
  }

  /// Appends `node`, unless the cell is set (kSet). A claim waiter
  /// (node->wants_claim) takes the claim instead if nobody holds it
  /// (kClaimed). Otherwise kQueued: from then on the caller must not touch
  /// the node unless dequeue() gives it back, since a publish() or a
  /// release_claim() on another thread may wake it at any moment.
  ClaimResult enqueue(Node* node) noexcept {
    const std::uintptr_t word = lock();
    if (word == kSet) return ClaimResult::kSet;
    Node* head = head_of(word);
    if (node->wants_claim && (word & kClaimed) == 0) {
      unlock(head, word | kClaimed);
      return ClaimResult::kClaimed;
    }
    node->next = nullptr;
    if (head == nullptr) {
      node->prev = node;
      head = node;
    } else {
      Node* const newest = head->prev;
      newest->next = node;
      node->prev = newest;
      head->prev = node;
    }
    node->move_to(NodePlace::kQueued);
    unlock(head, word);
    return ClaimResult::kQueued;
  }

  /// Takes `node` back off the list. True if it was queued and is now the
  /// caller's again. False if a publish() or release_claim() took it first:
  /// that call then owns it and will call its `wake` (or has done so).
  bool dequeue(Node* node) noexcept {
    const std::uintptr_t word = lock();
    if (word == kSet) return false;
    if (node->where() != NodePlace::kQueued) {  // handed the claim meanwhile, or never queued
      unlock(head_of(word), word);
      return false;
    }
    Node* head = head_of(word);
    unlink(head, node);
    node->move_to(NodePlace::kNowhere);
    unlock(head, word);
    return true;
  }

  /// Ends a claim that did not set the value (its constructor threw, or a
  /// Claim was dropped): the oldest claim waiter gets it, and only that one
  /// is woken (with kClaimGranted); with none queued the claim is simply
  /// free again. Value waiters stay queued. Does nothing if the cell is set
  /// (SetOnce<void>::set() may publish while a claim is held).
  void release_claim() noexcept {
    const std::uintptr_t word = lock();
    if (word == kSet) return;
    Node* head = head_of(word);
    Node* heir = head;
    while (heir != nullptr && !heir->wants_claim) heir = heir->next;
    if (heir == nullptr) {
      unlock(head, word & ~kClaimed);
      return;
    }
    unlink(head, heir);
    heir->move_to(NodePlace::kNowhere);
    unlock(head, word);  // kClaimed stays: it is the heir's now (a claim waiter always has a `wake`)
    // That store was the last access to the cell: the heir may set the value
    // and another waiter destroy the cell before `wake` returns.
    static_cast<void>(heir->wake(heir, WakeReason::kClaimGranted));
  }

  /// Marks the cell set and wakes every waiter, oldest first. False if it was
  /// set already. The caller has constructed the value (holding the claim)
  /// or has none to construct (SetOnce<void>).
  bool publish() noexcept {
    Word* const word_address = &word_;
    const std::uintptr_t word = lock();
    if (word == kSet) return false;
    WaiterBatch<Atom> batch{head_of(word), innermost_batch<Atom>};
    // Release pairs with the acquire loads that test for kSet (is_set, lock,
    // try_claim): the value goes with it.
    word_address->store(kSet, memory_order_release);
    // That store was the last access to the cell: the waiters woken below
    // may destroy it. From here on only the batch (this frame) and the nodes
    // are touched, and the word's address, to wake threads sleeping on it.
    innermost_batch<Atom> = &batch;
    bool threads_on_word = false;
    while (Node* const node = batch.head) {
      // Pop before waking: the woken waiter may destroy its node at once,
      // and a coroutine resumed inline may unlink later nodes from the batch.
      batch.head = node->next;
#if defined(__GNUC__) || defined(__clang__)
      // The nodes are in as many coroutine frames. While this one's coroutine
      // runs, fetch what the next turn touches first: the next node's frame
      // (its resume pointer, a line before the node in GCC's frames), and the
      // node after it, whose address that turn reads. The next node is still
      // in the batch, so reading it is safe; a coroutine resumed here may
      // unlink it, and then a prefetch was wasted, nothing more.
      if (const Node* const after = batch.head) {
        __builtin_prefetch(after->next);
        if (after->coroutine) __builtin_prefetch(after->coroutine.address());
      }
#endif
      node->move_to(NodePlace::kNowhere);
      if (node->wake == nullptr) {
        node->coroutine.resume();
      } else {
        threads_on_word |= node->wake(node, WakeReason::kSet);
      }
    }
    innermost_batch<Atom> = batch.outer;
    if (threads_on_word) Wait::notify_all(word_address);
    return true;
  }

  /// Back to empty, for take(): exclusive access only.
  void reset_exclusive() noexcept { word_.store(0, memory_order_relaxed); }

  /// The word as it is now, for a thread about to sleep on it.
  std::uintptr_t load_acquire() const noexcept {
    return word_.load(memory_order_acquire);  // pairs with publish()
  }

  /// Sleeps (through WaitOps) while the word still reads `seen`, which is not
  /// kSet; a publish() wakes it. See thread_parker.hpp for the protocol.
  void sleep(std::uintptr_t seen) const noexcept { Wait::wait(word_, seen); }
  void sleep_until(std::uintptr_t seen, const Deadline& deadline) const noexcept {
    Wait::wait_until(word_, seen, deadline);
  }

  /// Whether a claim is held now (relaxed: a hint, for reentrancy checks).
  bool claim_held() const noexcept {
    const std::uintptr_t word = word_.load(memory_order_relaxed);
    return word != kSet && (word & kClaimed) != 0;
  }

  /// For SetOnce's destructor, in debug builds: no coroutine waits on the
  /// cell. (A thread still blocked on a global SetOnce at exit is allowed.)
  bool has_coroutine_waiters() const noexcept {
    // Relaxed: the destructor has the cell to itself but for blocked threads,
    // whose nodes nobody changes while no set() runs.
    const std::uintptr_t word = word_.load(memory_order_relaxed);
    if (word == kSet) return false;
    for (const Node* node = head_of(word); node != nullptr; node = node->next) {
      if (!node->is_thread) return true;
    }
    return false;
  }

 private:
  static Node* head_of(std::uintptr_t word) noexcept {
    return reinterpret_cast<Node*>(word & ~kFlags);  // NOLINT(performance-no-int-to-ptr)
  }

  /// Takes the list lock. Returns the word as it was (kLocked clear), or
  /// kSet, in which case no lock was taken.
  std::uintptr_t lock() noexcept {
    // Acquire (all of them): seeing kSet lets the caller read the value and
    // the batch pointers publish() wrote (pairs with publish()); taking the
    // lock lets it read the links the previous holder wrote (pairs with
    // unlock()).
    std::uintptr_t word = word_.load(memory_order_acquire);
    for (int spins = 0;; ++spins) {
      if (word == kSet) return kSet;
      if ((word & kLocked) == 0) {
        if (word_.compare_exchange_weak(word, word | kLocked, memory_order_acquire, memory_order_acquire)) {
          return word;
        }
        continue;
      }
      Wait::spin_pause(spins);
      word = word_.load(memory_order_acquire);
    }
  }

  /// Releases the lock that lock() took (it returned `locked_at`), with
  /// `head` as the new head and the claim flag of `flags_from`.
  void unlock(Node* head, std::uintptr_t flags_from) noexcept {
    // Release pairs with the acquire in lock(), try_claim() and publish():
    // the links, the nodes' places, and a released claim's writes go with it.
    word_.store(reinterpret_cast<std::uintptr_t>(head) | (flags_from & kClaimed), memory_order_release);
  }

  Word word_{0};
};

using WaiterList = BasicWaiterList<>;
using WaiterNode = BasicWaiterNode<Atomic>;

static_assert(sizeof(WaiterList) == sizeof(void*));

}  // namespace detail
ONCE_NAMESPACE_END
