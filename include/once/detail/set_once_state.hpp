// once: initialize-once primitives for C++20.
// SPDX-License-Identifier: MIT
//
// The state behind SetOnce: one pointer-sized word holding the "set" state,
// the claim of the setter that is constructing the value, and the head of an
// intrusive list of waiters (suspended coroutines and sleeping threads), plus
// the awaiters and the thread waiter whose nodes go into that list.
//
// OnceState (once_state.hpp) cannot serve here: a futex word wakes threads,
// but coroutines must be resumed one by one, so the word has to lead to them.
#pragma once

#include <atomic>
#include <coroutine>
#include <cstdint>
#include <type_traits>
#include <utility>
#include <version>

#if defined(__cpp_lib_jthread)
#include <optional>
#include <stop_token>
#endif

#if __has_include(<sched.h>)
#include <sched.h>  // sched_yield: what std::this_thread::yield calls, without <thread>
#else
#include <thread>
#endif

#include "../errors.hpp"
#include "config.hpp"
#include "once_state.hpp"
#include "wait.hpp"

ONCE_NAMESPACE_BEGIN
namespace detail {

// ---------------------------------------------------------------------------
/// One waiter in a SetOnce's list. It lives in its awaiter (in the coroutine
/// frame) or on a waiting thread's stack: the library never allocates one.
///
/// Links: `next` runs from the oldest waiter to the newest and ends in null;
/// `prev` runs the other way, and the oldest node's `prev` is the newest, so
/// that appending and unlinking from the middle are both O(1).
struct alignas(8) WaiterNode {
  using WakeFn = void (*)(WaiterNode* self) noexcept;

  WaiterNode* next = nullptr;
  WaiterNode* prev = nullptr;
  /// Run once by the set() that took the node off the list: resumes the
  /// coroutine or wakes the thread. It may destroy the node before returning.
  WakeFn wake = nullptr;
};

// The low three bits of a node's address are free for the state word's flags.
static_assert(alignof(WaiterNode) >= 8);

/// The word every parked second setter sleeps on, for all SetOnce cells of the
/// process: bumped each time a claim that had a parked setter ends. Two
/// set() calls colliding on one cell is rare; this keeps SetOnce<void> at one
/// word instead of paying 4 more bytes per cell for a futex of its own. A
/// collision elsewhere only wakes a parked setter to re-check its cell.
inline constinit WaitWord set_once_claim_epoch{0};

/// Waits out a lock held for a few instructions: the CPU's pause hint at
/// first, then yielding, in case the holder was preempted.
class SpinBackoff {
 public:
  void pause() noexcept {
    if (spins_ < kSpinsBeforeYield) {
      ++spins_;
      cpu_relax();
    } else {
#if __has_include(<sched.h>)
      static_cast<void>(::sched_yield());
#else
      std::this_thread::yield();
#endif
    }
  }

 private:
  static constexpr int kSpinsBeforeYield = 64;
  int spins_ = 0;
};

// ---------------------------------------------------------------------------
/// The state of a SetOnce: one atomic word.
///
///     word_ == kSet                  the value is there; the list was handed to the setter
///     word_ == head | flags          no value yet; `head` is the oldest waiter or null
///
///     kLocked  (bit 0)  a waiter is being linked or unlinked. While it is set,
///                       only the lock holder changes the word: every other
///                       transition waits (a few instructions) for it to clear.
///     kClaimed (bit 1)  a set()/emplace() is constructing the value.
///     kParked  (bit 2)  only with kClaimed: another setter sleeps until the
///                       claim ends, so ending it must wake that setter.
///     kSet = 4          bit 2 alone, which no other state has (kParked never
///                       outlives kClaimed); the read path compares the word
///                       with this immediate.
///
/// Transitions (F stands for whatever flags are there; H for the head):
///
///     H|F          --enqueue / dequeue: lock, relink, unlock-------------> H'|F
///     H|F          --claim, when F has no kClaimed (CAS)------------------> H|F|kClaimed
///     H|kClaimed   --a second setter parks (CAS)--------------------------> H|kClaimed|kParked
///     H|kClaimed.. --value constructed: complete (CAS)--------------------> kSet   resume the list H
///     H|kClaimed.. --constructor threw: release_claim (CAS)---------------> H      waiters stay queued
///     H|F          --SetOnce<void>::set(), nothing to construct (CAS)-----> kSet   resume the list H
///     kSet         is final.
///
/// Who owns a node:
///  * from enqueue() until it leaves the list, the cell (under kLocked);
///  * after dequeue() returned true, its waiter again (a cancellation or a
///    timeout took it out before any set());
///  * after the completing CAS, the setter that made it: the CAS detaches the
///    whole list at once. A waiter whose dequeue() finds kSet must leave its
///    node alone; the setter calls its `wake` exactly once, which hands the
///    node back (and may destroy it).
///
/// The completing CAS is the setter's last access to the cell: the waiters it
/// then resumes may destroy the cell (and their own nodes).
class SetOnceState {
 public:
  static constexpr std::uintptr_t kLocked = 1;
  static constexpr std::uintptr_t kClaimed = 2;
  static constexpr std::uintptr_t kParked = 4;
  static constexpr std::uintptr_t kFlags = kLocked | kClaimed | kParked;
  static constexpr std::uintptr_t kSet = 4;

  constexpr SetOnceState() noexcept = default;
  SetOnceState(const SetOnceState&) = delete;
  SetOnceState& operator=(const SetOnceState&) = delete;

  /// The read path: one acquire load, one compare with an immediate.
  ONCE_ALWAYS_INLINE bool is_set() const noexcept {
    // Acquire pairs with the acq_rel CAS in publish(): whoever sees kSet also
    // sees the value the setter constructed.
    return word_.load(std::memory_order_acquire) == kSet;
  }

  /// Constructs the value with `construct()` and publishes it, unless the
  /// cell is set already. Returns whether this call set it. A setter that
  /// finds another one constructing sleeps until that one is done: it then
  /// returns false, or, if the other's constructor threw, tries its own. If
  /// `construct` throws, the cell is left empty and its waiters stay queued.
  template <class Construct>
  bool set_with(Construct& construct) {
    if (!claim()) return false;
    {
      ClaimGuard guard(*this);  // releases the claim if `construct` throws
      const InitFrameScope frame(this);
      construct();
      guard.dismiss();
    }
    return publish();
  }

  /// Marks the cell set and resumes its waiters: SetOnce<void>::set(), which
  /// has nothing to construct, and the last step of set_with. Returns false
  /// if the cell was set already.
  bool publish() noexcept {
    std::uintptr_t word = word_.load(std::memory_order_relaxed);
    SpinBackoff backoff;
    for (;;) {
      if (word == kSet) return false;
      if ((word & kLocked) != 0) {
        backoff.pause();
        word = word_.load(std::memory_order_relaxed);
        continue;
      }
      // Release pairs with is_set() and every other acquire load that tests
      // for kSet: it publishes the value. Acquire pairs with the release store
      // in unlock(): this thread sees every node's links and contents as their
      // waiters wrote them before enqueueing, and with park()'s release CAS.
      if (word_.compare_exchange_weak(word, kSet, std::memory_order_acq_rel, std::memory_order_relaxed)) break;
    }
    // That CAS was the last access to *this: from here on, only the detached
    // list (which this thread now owns) and a global word are touched.
    if ((word & kParked) != 0) wake_parked_setters();
    wake_all(head_of(word));
    return true;
  }

  /// Appends `node` to the list, unless the cell is set; returns whether it
  /// did. After a true return the caller must not touch `node` again, unless
  /// it takes it back with dequeue(): a set() may wake it at any moment.
  bool enqueue(WaiterNode* node) noexcept {
    const std::uintptr_t word = lock();
    if (word == kSet) return false;
    WaiterNode* head = head_of(word);
    node->next = nullptr;
    if (head == nullptr) {
      node->prev = node;
      head = node;
    } else {
      WaiterNode* const tail = head->prev;
      tail->next = node;
      node->prev = tail;
      head->prev = node;
    }
    unlock(head, word);
    return true;
  }

  /// Takes `node` (enqueued earlier) back off the list. Returns false when a
  /// set() has taken the list already: the node then belongs to that setter,
  /// which will call its `wake`, and the caller must leave it alone.
  bool dequeue(WaiterNode* node) noexcept {
    const std::uintptr_t word = lock();
    if (word == kSet) return false;
    WaiterNode* head = head_of(word);
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
    unlock(head, word);
    return true;
  }

  /// Blocks the calling thread until the cell is set.
  ONCE_COLD void wait() {
    ThreadWaiter waiter;
    if (!enqueue_thread(waiter)) return;
    waiter.sleep_until_woken();
  }

  /// As wait(), giving up once `deadline` has passed. Returns is_set().
  ONCE_COLD bool wait_until(const Deadline& deadline) {
    if (reached(deadline)) return is_set();
    ThreadWaiter waiter;
    if (!enqueue_thread(waiter)) return true;
    if (waiter.sleep_until_woken(deadline)) return true;
    if (dequeue(&waiter)) return false;  // out of the list before any set(): a timeout
    // A set() took the list first and will wake this node: wait for that, so
    // the node outlives its use. The value is there, so report it.
    waiter.sleep_until_woken();
    return true;
  }

  /// For SetOnce's destructor: a precondition check.
  void assert_unused() const noexcept {
#if defined(ONCE_ENABLE_ASSERTS) && ONCE_ENABLE_ASSERTS
    // Relaxed: the destructor has the cell to itself, so there is nothing to pair with.
    const std::uintptr_t word = word_.load(std::memory_order_relaxed);
    ONCE_ASSERT(
        word == kSet || (word & ~kFlags) == 0,
        "a SetOnce must not be destroyed while coroutines or threads wait on it (set it, or cancel them, first)");
    ONCE_ASSERT(word == kSet || word == 0, "a SetOnce must not be destroyed while a set() or emplace() on it runs");
#endif
  }

 private:
  /// A thread's node: it sleeps on `state_`, a word of its own, so that the
  /// waker never needs the cell (which may be gone by then) to wake it.
  class ThreadWaiter : public WaiterNode {
   public:
    ThreadWaiter() noexcept { wake = &wake_thread; }

    /// Sleeps until woken; with a deadline, returns false if it passed first.
    bool sleep_until_woken(const Deadline* deadline = nullptr) noexcept {
      std::int32_t state = kAwake;
      // Announces the sleep, so the waker knows to make the system call. It
      // fails when already announced (a timed sleep came first) or woken.
      // Acquire is for the failure case, where the fresh value may be kWoken:
      // pairs with the release exchange in wake_thread, so the value is seen
      // (and GCC rejects a failure order stronger than success's).
      if (!state_.compare_exchange_strong(state, kAsleep, std::memory_order_acquire, std::memory_order_acquire) &&
          state == kWoken) {
        return true;
      }
      for (;;) {
        // Acquire pairs with the release exchange in wake_thread.
        if (state_.load(std::memory_order_acquire) == kWoken) return true;
        if (deadline == nullptr) {
          detail::wait(state_, kAsleep);
        } else {
          if (reached(*deadline)) return false;
          detail::wait_until(state_, kAsleep, *deadline);
        }
      }
    }
    bool sleep_until_woken(const Deadline& deadline) noexcept { return sleep_until_woken(&deadline); }

   private:
    static constexpr std::int32_t kAwake = 0;
    static constexpr std::int32_t kAsleep = 1;
    static constexpr std::int32_t kWoken = 2;

    static void wake_thread(WaiterNode* node) noexcept {
      WaitWord* const state = &static_cast<ThreadWaiter*>(node)->state_;
      // Release pairs with the sleeper's acquire loads: it returns the value,
      // so it must see it. The sleeper may return, and its node vanish, as
      // soon as it sees kWoken: from here on only the address is used.
      if (state->exchange(kWoken, std::memory_order_release) == kAsleep) notify_all(state);
    }

    WaitWord state_{kAwake};
  };

  /// The claim on construction, released unless dismissed.
  class ClaimGuard {
   public:
    explicit ClaimGuard(SetOnceState& state) noexcept : state_(&state) {}
    ~ClaimGuard() {
      if (state_ != nullptr) state_->release_claim();
    }
    ClaimGuard(const ClaimGuard&) = delete;
    ClaimGuard& operator=(const ClaimGuard&) = delete;
    void dismiss() noexcept { state_ = nullptr; }

   private:
    SetOnceState* state_;
  };

  static WaiterNode* head_of(std::uintptr_t word) noexcept {
    return reinterpret_cast<WaiterNode*>(word & ~kFlags);  // NOLINT(performance-no-int-to-ptr)
  }

  /// Takes the list lock. Returns the word as it was (kLocked clear), or
  /// kSet, in which case no lock was taken.
  std::uintptr_t lock() noexcept {
    // Acquire (all three): seeing kSet means the caller may go on to read the
    // value (pairs with publish()); taking the lock means reading the links
    // the previous holder wrote (pairs with unlock()).
    std::uintptr_t word = word_.load(std::memory_order_acquire);
    SpinBackoff backoff;
    for (;;) {
      if (word == kSet) return kSet;
      if ((word & kLocked) == 0) {
        if (word_.compare_exchange_weak(word, word | kLocked, std::memory_order_acquire, std::memory_order_acquire)) {
          return word;
        }
        continue;
      }
      backoff.pause();
      word = word_.load(std::memory_order_acquire);
    }
  }

  /// Releases the lock taken by lock(), which returned `locked_at`, with
  /// `head` as the new head. Nobody else changed the word meanwhile, so its
  /// flags are still those of `locked_at`.
  void unlock(WaiterNode* head, std::uintptr_t locked_at) noexcept {
    // Release pairs with the acquire in lock() and in publish(): the links
    // and the node's contents go with it.
    word_.store(reinterpret_cast<std::uintptr_t>(head) | (locked_at & kFlags), std::memory_order_release);
  }

  bool enqueue_thread(ThreadWaiter& waiter) {
    // Sleeping on a claim this thread holds (a wait() from inside the value's
    // constructor) would never end.
    if ((word_.load(std::memory_order_relaxed) & kClaimed) != 0 && initializing_on_this_thread(this)) {
      throw_recursive_init_error();
    }
    return enqueue(&waiter);
  }

  /// Returns true once this thread holds the claim, false if the cell is set.
  bool claim() {
    // Acquire: seeing kSet means set() reports "already set", and the caller
    // may read the value next (pairs with publish()).
    std::uintptr_t word = word_.load(std::memory_order_acquire);
    SpinBackoff backoff;
    for (;;) {
      if (word == kSet) return false;
      if ((word & kLocked) != 0) {
        backoff.pause();
        word = word_.load(std::memory_order_acquire);
      } else if ((word & kClaimed) == 0) {
        // Acquire pairs with release_claim(): a failed attempt's writes are
        // behind whoever tries next.
        if (word_.compare_exchange_weak(word, word | kClaimed, std::memory_order_acquire, std::memory_order_acquire)) {
          return true;
        }
      } else {
        word = park();
      }
    }
  }

  /// Sleeps while another setter holds the claim. Returns the word's new value.
  ONCE_COLD std::uintptr_t park() {
    // The epoch is read before the word is re-examined. If the claim then
    // still stands with kParked set, its release (which clears kParked) comes
    // later in the word's order and bumps the epoch after that: the sleep
    // below then sees a changed epoch, or is woken. The acquire pairs with
    // the release bump: a setter that reads the bumped epoch sees the released
    // claim in the word. The word's loads are acquire because seeing kSet
    // makes set() report "already set" (pairs with publish()).
    const std::int32_t epoch = set_once_claim_epoch.load(std::memory_order_acquire);
    std::uintptr_t word = word_.load(std::memory_order_acquire);
    SpinBackoff backoff;
    for (;;) {
      if (word == kSet || (word & kClaimed) == 0) return word;
      if ((word & kLocked) != 0) {
        backoff.pause();
        word = word_.load(std::memory_order_acquire);
        continue;
      }
      if (initializing_on_this_thread(this)) throw_recursive_init_error();  // set() inside the constructor
      if ((word & kParked) != 0) break;
      // Release pairs with the acq_rel CAS that ends the claim (publish or
      // release_claim): the epoch read above happens before its bump, so
      // cannot have read the bumped value.
      if (word_.compare_exchange_weak(word, word | kParked, std::memory_order_release, std::memory_order_acquire)) {
        break;
      }
    }
    detail::wait(set_once_claim_epoch, epoch);
    return word_.load(std::memory_order_acquire);
  }

  /// Ends a claim whose constructor threw: back to empty, waiters still queued.
  ONCE_COLD void release_claim() noexcept {
    std::uintptr_t word = word_.load(std::memory_order_relaxed);
    SpinBackoff backoff;
    for (;;) {
      if ((word & kLocked) != 0) {
        backoff.pause();
        word = word_.load(std::memory_order_relaxed);
        continue;
      }
      // Release pairs with claim()'s acquire; acquire with park()'s release.
      if (word_.compare_exchange_weak(word, word & ~(kClaimed | kParked), std::memory_order_acq_rel,
                                      std::memory_order_relaxed)) {
        break;
      }
    }
    if ((word & kParked) != 0) wake_parked_setters();
  }

  ONCE_COLD static void wake_parked_setters() noexcept {
    // Release pairs with the acquire load of the epoch in park().
    set_once_claim_epoch.fetch_add(1, std::memory_order_release);
    notify_all(&set_once_claim_epoch);
  }

  /// Wakes every node of a list that publish() detached, oldest first.
  static void wake_all(WaiterNode* node) noexcept {
    while (node != nullptr) {
      // Read before waking: waking resumes the coroutine (or releases the
      // thread) that owns the node, which may destroy it at once; the node
      // must not be touched after its `wake` has begun.
      WaiterNode* const next = node->next;
      node->wake(node);
      node = next;
    }
  }

  std::atomic<std::uintptr_t> word_{0};
};

static_assert(sizeof(SetOnceState) == sizeof(void*));
static_assert(sizeof(void*) != 8 || sizeof(WaiterNode) == 24, "a waiter node is three pointers");

// ---------------------------------------------------------------------------
// Coroutine awaiters.

/// The "executor" of a plain co_await: resumes on the thread that completes
/// the wait.
struct ResumeInline {
  void operator()(std::coroutine_handle<> handle) const { handle.resume(); }
};

template <class Executor>
concept set_once_executor = std::is_object_v<Executor> && std::is_move_constructible_v<Executor> &&
    std::is_invocable_v<Executor&, std::coroutine_handle<>>;

/// Resumes `handle` through `executor`. Not inline, the executor is moved
/// out of the awaiter first: it may resume the coroutine before returning,
/// and the coroutine then destroys the awaiter the executor was part of.
template <class Executor>
void resume_through(Executor& executor, std::coroutine_handle<> handle) noexcept {
  if constexpr (std::is_same_v<Executor, ResumeInline>) {
    handle.resume();
  } else {
    Executor local(std::move(executor));
    local(handle);
  }
}

/// Where an awaiter finds the value once the cell is set: T& for SetOnce<T>,
/// nothing for SetOnce<void>. Holds only the address: nothing is read before
/// the wait completes.
template <class T>
struct ValueRef {
  T* value;
  T& get() const noexcept { return *value; }
  T* pointer_if(bool set) const noexcept { return set ? value : nullptr; }
};
template <>
struct ValueRef<void> {
  void get() const noexcept {}
  bool pointer_if(bool set) const noexcept { return set; }
};

/// `co_await cell` (Executor = ResumeInline) and `co_await cell.async_wait(executor)`.
template <class T, class Executor>
class [[nodiscard]] SetOnceAwaiter : private WaiterNode {
 public:
  SetOnceAwaiter(SetOnceState& state, ValueRef<T> value,
                 Executor executor) noexcept(std::is_nothrow_move_constructible_v<Executor>)
      : state_(&state), value_(value), executor_(std::move(executor)) {}
  SetOnceAwaiter(const SetOnceAwaiter&) = delete;
  SetOnceAwaiter& operator=(const SetOnceAwaiter&) = delete;

  bool await_ready() const noexcept { return state_->is_set(); }

  bool await_suspend(std::coroutine_handle<> handle) noexcept {
    handle_ = handle;
    wake = &wake_coroutine;
    // From a successful enqueue on, a set() on another thread may resume the
    // coroutine and destroy this awaiter: nothing here touches it after.
    return state_->enqueue(this);  // false: set meanwhile, go on without suspending
  }

  decltype(auto) await_resume() const noexcept { return value_.get(); }

 private:
  static void wake_coroutine(WaiterNode* node) noexcept {
    auto& self = static_cast<SetOnceAwaiter&>(*node);
    resume_through(self.executor_, self.handle_);
  }

  SetOnceState* state_;
  [[no_unique_address]] ValueRef<T> value_;
  std::coroutine_handle<> handle_;
  [[no_unique_address]] Executor executor_;
};

#if defined(__cpp_lib_jthread)

/// `co_await cell.async_wait(stop_token)` and `(executor, stop_token)`.
///
/// Two parties may finish the wait: the set() that detaches the node, or the
/// stop callback that unlinks it first; dequeue() picks exactly one, the
/// node's owner. The owner can arrive while await_suspend is still running
/// (the stop callback runs inline in its constructor when stop was already
/// requested; a set() on another thread can come at any moment), so the
/// owner and await_suspend meet at `arrived_`: whichever arrives second goes
/// on with the coroutine, by resuming it (the owner) or by returning false
/// from await_suspend (so the coroutine never suspended).
template <class T, class Executor>
class [[nodiscard]] StoppableSetOnceAwaiter : private WaiterNode {
 public:
  StoppableSetOnceAwaiter(SetOnceState& state, ValueRef<T> value, Executor executor,
                          std::stop_token token) noexcept(std::is_nothrow_move_constructible_v<Executor>)
      : state_(&state), value_(value), executor_(std::move(executor)), token_(std::move(token)) {}
  StoppableSetOnceAwaiter(const StoppableSetOnceAwaiter&) = delete;
  StoppableSetOnceAwaiter& operator=(const StoppableSetOnceAwaiter&) = delete;

  bool await_ready() noexcept {
    if (state_->is_set()) return true;  // set and stopped both: the value wins
    cancelled_ = token_.stop_requested();
    return cancelled_;
  }

  bool await_suspend(std::coroutine_handle<> handle) noexcept {
    handle_ = handle;
    wake = &wake_on_set;
    if (!state_->enqueue(this)) return false;  // set meanwhile: the value
    if (token_.stop_possible()) on_stop_.emplace(token_, OnStop{this});
    // Second to arrive: the owner has finished with the node and left the
    // coroutine to us. First: the owner resumes it; hands off from here on.
    return !arrive();
  }

  auto await_resume() const noexcept { return value_.pointer_if(!cancelled_); }

 private:
  struct OnStop {
    StoppableSetOnceAwaiter* self;
    void operator()() const noexcept { self->cancel(); }
  };

  /// True for the second of the two parties (await_suspend and the owner).
  bool arrive() noexcept {
    // acq_rel pairs the two arrivals: the second sees what the first wrote
    // (the owner's `cancelled_`, await_suspend's `on_stop_`).
    return arrived_.exchange(true, std::memory_order_acq_rel);
  }

  static void wake_on_set(WaiterNode* node) noexcept {
    auto& self = static_cast<StoppableSetOnceAwaiter&>(*node);
    if (self.arrive()) resume_through(self.executor_, self.handle_);
  }

  void cancel() noexcept {
    // A set() that detached the node first owns it and resumes it with the
    // value; this callback then has nothing to do. The awaiter cannot vanish
    // meanwhile: its stop_callback's destructor waits for this call to end.
    if (!state_->dequeue(this)) return;
    cancelled_ = true;
    if (arrive()) resume_through(executor_, handle_);
  }

  SetOnceState* state_;
  [[no_unique_address]] ValueRef<T> value_;
  std::coroutine_handle<> handle_;
  [[no_unique_address]] Executor executor_;
  std::stop_token token_;
  std::optional<std::stop_callback<OnStop>> on_stop_;
  std::atomic<bool> arrived_{false};
  bool cancelled_ = false;
};

#endif  // __cpp_lib_jthread

}  // namespace detail
ONCE_NAMESPACE_END
