// Coroutines in SetOnce's waiter list: the awaiters, and the Claim that claim() yields.
// SPDX-License-Identifier: MIT
//
// The awaiters of `co_await cell`, `async_wait(...)`, `claim(...)` and
// `get_or_init(...)` keep their nodes in the coroutine frame.
#pragma once

#include <coroutine>
#include <new>
#include <type_traits>
#include <utility>

#include "atomic.hpp"
#include "config.hpp"
#include "stop_token.hpp"
#include "storage.hpp"
#include "waiter_list.hpp"

ONCE_NAMESPACE_BEGIN
namespace detail {

/// The "executor" of a plain co_await: resumes on the thread that completes
/// the wait.
struct ResumeInline {
  void operator()(std::coroutine_handle<> handle) const { handle.resume(); }
};

template <class Executor>
concept set_once_executor = std::is_object_v<Executor> && std::is_move_constructible_v<Executor> &&
    std::is_invocable_v<Executor&, std::coroutine_handle<>> && !stop_token_like<Executor>;

/// Resumes `handle` through `executor`, moved out of the awaiter first: the
/// executor may resume the coroutine before returning, and the coroutine then
/// destroys the awaiter the executor was part of.
template <class Executor>
// NOLINTNEXTLINE(bugprone-exception-escape): executors and resumed coroutines must not throw
void resume_through(Executor& executor, std::coroutine_handle<> handle) noexcept {
  if constexpr (std::is_same_v<Executor, ResumeInline>) {
    handle.resume();
  } else {
    Executor local(std::move(executor));
    local(handle);
  }
}

/// No stop token: the awaiters' default.
struct NoStopToken {
  static constexpr bool stop_requested() noexcept { return false; }
  static constexpr bool stop_possible() noexcept { return false; }
};

/// A SetOnce's state: its list and, but for SetOnce<void>, the storage of its
/// value. An awaiter or a Claim keeps one pointer to it and reaches both
/// through it: each waiting coroutine's frame carries its awaiter, so every
/// pointer the awaiter can derive instead of store is 8 bytes less that a
/// set() resuming many of them has to touch.
template <class T>
struct SetOnceCell {
  constexpr SetOnceCell() noexcept = default;
  template <class... Args>
  constexpr explicit SetOnceCell(std::in_place_t, Args&&... args)
      : list_(true), storage_(std::in_place, std::forward<Args>(args)...) {}

  WaiterList& list() const noexcept { return list_; }
  T* value() const noexcept { return value_address(storage_); }

  mutable WaiterList list_;  // mutable: waiting on a const cell queues a node
  Storage<T> storage_;
};
template <>
struct SetOnceCell<void> {
  constexpr SetOnceCell() noexcept = default;
  constexpr explicit SetOnceCell(std::in_place_t) noexcept : list_(true) {}

  WaiterList& list() const noexcept { return list_; }

  mutable WaiterList list_;
};

/// The cell a value waiter points at: const, since waiting changes only the
/// (mutable) list, and T* comes from a const cell alike.
template <class T>
using CellFor = const SetOnceCell<std::remove_const_t<T>>;

/// What an awaiter waits for: the value (co_await, async_wait) or the claim.
enum class AwaitMode : bool { kValue, kClaim };

/// How the wait ended.
enum class AwaitOutcome : std::uint8_t { kPending, kSet, kGranted, kCancelled };

/// Room for a stop callback that is registered only once the node is queued.
template <class Callback>
union LateCallback {
  // = default would delete both: a union with a member that is not trivial.
  LateCallback() noexcept {}  // NOLINT(modernize-use-equals-default)
  ~LateCallback() {}          // NOLINT(modernize-use-equals-default)
  Callback callback;
};

/// The node of one coroutine waiting on a SetOnce, and everything about its
/// wait but what await_resume yields.
///
/// The node is queued by await_suspend and leaves the list in one of four ways:
///  * a publish() takes it (outcome kSet) or a release_claim() hands it the
///    claim (kGranted), and calls `wake`, which resumes the coroutine inline
///    or through the executor;
///  * the stop callback takes it back with dequeue() (kCancelled) and resumes
///    it the same way;
///  * the coroutine frame is destroyed while suspended: the destructor takes
///    it back (from the list, or from the batch of the set() on this thread
///    that is resuming waiters), and hands on a claim it was granted but had
///    not yet received (its resumption was still queued in an executor).
///
/// `Cell` is what the waiter points at (SetOnceCell, possibly const): its
/// `list()` is the BasicWaiterList the node goes into.
///
/// Stoppable awaiters: the party that takes the node (publish, handover or
/// stop callback) can arrive while await_suspend is still running (the stop
/// callback runs inside its registration when stop was requested already; a
/// set() on another thread can come at any moment). The two meet at
/// `stop_.arrived`: whichever arrives second goes on with the coroutine, by
/// resuming it (the taker) or by not suspending (await_suspend returns false).
template <class Cell, class Executor, class Token, AwaitMode Mode>
class AwaiterNode : private std::remove_reference_t<decltype(std::declval<Cell&>().list())>::Node {
  using List = std::remove_reference_t<decltype(std::declval<Cell&>().list())>;
  using Node = typename List::Node;
  static constexpr bool kStoppable = !std::is_same_v<Token, NoStopToken>;
  // Nothing to record and nothing to run before the coroutine goes on: the
  // node has no `wake`, and publish() resumes the coroutine directly. Such an
  // awaiter's outcome stays kPending (it yields the value, whoever woke it).
  static constexpr bool kResumedDirectly =
      std::is_same_v<Executor, ResumeInline> && !kStoppable && Mode == AwaitMode::kValue;

  struct OnStop {
    AwaiterNode* self;
    void operator()() const noexcept { self->cancel(); }
  };
  struct Empty {};
  template <bool Stoppable, class = void>
  struct CallbackFor {
    using type = Empty;
  };
  template <class Unused>
  struct CallbackFor<true, Unused> {
    using type = stop_callback_t<Token, OnStop>;
  };
  using Callback = typename CallbackFor<kStoppable>::type;

 public:
  AwaiterNode(Cell& cell, Executor executor, Token token) noexcept(std::is_nothrow_move_constructible_v<Executor>)
      : cell_(&cell), executor_(std::move(executor)), token_(std::move(token)) {
    this->wants_claim = Mode == AwaitMode::kClaim;
    if constexpr (!kResumedDirectly) this->wake = &wake_coroutine;
  }
  AwaiterNode(const AwaiterNode&) = delete;
  AwaiterNode& operator=(const AwaiterNode&) = delete;

  ~AwaiterNode() {
    if constexpr (kStoppable) {
      // First: a stop callback running on another thread finishes (the
      // callback's destructor waits for it) before the node is looked at.
      if (stop_.registered) stop_.on_stop.callback.~Callback();
    }
    // Queued: take it back from the list, or else it sits in the batch of a
    // set() that a coroutine this thread resumed is running (see unlink_from_batch).
    if (this->where() == NodePlace::kQueued && !list().dequeue(this)) unlink_from_batch(static_cast<Node*>(this));
    if (grant_pending_) list().release_claim();  // granted, but never resumed to take it
  }

  bool await_ready() noexcept {
    if (list().is_set()) return finish(AwaitOutcome::kSet);
    if (token_.stop_requested()) return finish(AwaitOutcome::kCancelled);  // the value wins if there
    if constexpr (Mode == AwaitMode::kClaim) {
      switch (list().try_claim()) {
        case ClaimResult::kSet:
          return finish(AwaitOutcome::kSet);
        case ClaimResult::kClaimed:
          grant_pending_ = true;
          return finish(AwaitOutcome::kGranted);
        default:
          break;
      }
    }
    return false;
  }

  bool await_suspend(std::coroutine_handle<> handle) noexcept {
    this->coroutine = handle;
    switch (list().enqueue(this)) {
      case ClaimResult::kSet:
        outcome_ = AwaitOutcome::kSet;
        return false;
      case ClaimResult::kClaimed:
        grant_pending_ = true;
        outcome_ = AwaitOutcome::kGranted;
        return false;
      default:
        break;
    }
    if constexpr (kStoppable) {
      if (token_.stop_possible()) {
        ::new (static_cast<void*>(&stop_.on_stop.callback)) Callback(token_, OnStop{this});
        stop_.registered = true;
      }
      // Second to arrive: the taker is done and left the coroutine to us.
      // First: the taker resumes it; nothing here touches the awaiter after.
      return !arrive();
    } else {
      // From the enqueue on, a set() on another thread may resume the
      // coroutine and destroy this awaiter: nothing here touches it after.
      return true;
    }
  }

 protected:
  AwaitOutcome outcome() const noexcept { return outcome_; }
  Cell& cell() const noexcept { return *cell_; }
  List& list() const noexcept { return cell_->list(); }

  /// For await_resume of a claim: the grant is the Claim's from now on.
  bool take_grant() noexcept { return std::exchange(grant_pending_, false); }

 private:
  bool finish(AwaitOutcome outcome) noexcept {
    outcome_ = outcome;
    return true;
  }

  /// True for the second of the two parties (await_suspend and the taker).
  bool arrive() noexcept {
    // acq_rel pairs the two arrivals: the second sees what the first wrote
    // (the taker's outcome, await_suspend's registration).
    return stop_.arrived.exchange(true, memory_order_acq_rel);
  }

  // NOLINTNEXTLINE(bugprone-exception-escape): executors and resumed coroutines must not throw
  static bool wake_coroutine(Node* node, WakeReason reason) noexcept {
    auto* const self = static_cast<AwaiterNode*>(node);
    if (reason == WakeReason::kClaimGranted) {
      self->grant_pending_ = true;
      self->outcome_ = AwaitOutcome::kGranted;
    } else {
      self->outcome_ = AwaitOutcome::kSet;
    }
    self->go_on();
    return false;
  }

  /// The stop callback: takes the node back unless a set() or handover has it.
  void cancel() noexcept {
    if (!list().dequeue(this)) return;
    outcome_ = AwaitOutcome::kCancelled;
    go_on();
  }

  // NOLINTNEXTLINE(bugprone-exception-escape): executors and resumed coroutines must not throw
  void go_on() noexcept {
    if constexpr (kStoppable) {
      if (!arrive()) return;  // await_suspend is still running: it goes on
    }
    resume_through(executor_, this->coroutine);
  }

  /// A stoppable awaiter's own state: the stop callback, registered once the
  /// node is queued, and the meeting point of the two arrivals.
  struct StopState {
    LateCallback<Callback> on_stop;
    typename List::template Atomic<bool> arrived{false};
    bool registered = false;
  };

  // The one-byte members first, to fill the node's tail padding, and the stop
  // state in one member that vanishes without a token: each waiting
  // coroutine's frame carries the awaiter, and its size is what a set()
  // that resumes many of them pays for most.
  AwaitOutcome outcome_ = AwaitOutcome::kPending;
  bool grant_pending_ = false;
  Cell* cell_;
  [[no_unique_address]] Executor executor_;
  [[no_unique_address]] Token token_;
  [[no_unique_address]] std::conditional_t<kStoppable, StopState, Empty> stop_;
};

// ---------------------------------------------------------------------------
/// `co_await cell`, `async_wait(executor)`: T& (or nothing, for void).
/// With a stop token: T* (bool for void), null if stop was requested first.
/// Nothing is read from the cell's storage before the wait ends.
template <class T, class Executor, class Token>
class [[nodiscard]] ValueAwaiter : public AwaiterNode<CellFor<T>, Executor, Token, AwaitMode::kValue> {
  using Base = AwaiterNode<CellFor<T>, Executor, Token, AwaitMode::kValue>;

 public:
  using Base::Base;

  decltype(auto) await_resume() const noexcept {
    if constexpr (std::is_void_v<T>) {
      if constexpr (!std::is_same_v<Token, NoStopToken>) return this->outcome() == AwaitOutcome::kSet;
    } else if constexpr (std::is_same_v<Token, NoStopToken>) {
      return static_cast<T&>(*this->cell().value());
    } else {
      return this->outcome() == AwaitOutcome::kSet ? static_cast<T*>(this->cell().value()) : nullptr;
    }
  }
};

/// The right to set a SetOnce's value, held by one coroutine at a time. See
/// SetOnce::claim() for the contract.
template <class T>
class [[nodiscard]] SetOnceClaim {
 public:
  SetOnceClaim(SetOnceClaim&& other) noexcept
      : cell_(std::exchange(other.cell_, nullptr)), cancelled_(other.cancelled_) {}
  SetOnceClaim& operator=(SetOnceClaim&&) = delete;
  ~SetOnceClaim() {
    if (cell_ != nullptr) cell_->list().release_claim();  // hands the claim to the next claim waiter
  }

  /// True: this claim holds the right to set the value. False: the value is
  /// there, or (a stop-token claim) stop was requested first.
  explicit operator bool() const noexcept { return cell_ != nullptr; }

  /// False, with a stop-token claim() whose stop was requested first.
  bool cancelled() const noexcept { return cancelled_; }

  /// Stores `value` and releases every waiter; the claim is spent.
  template <class U = T>
  requires std::is_constructible_v<T, U> T& set(U&& value) { return emplace(std::forward<U>(value)); }

  /// Constructs the value from `args` and releases every waiter. If the
  /// constructor throws, the claim is still held (and handed on when dropped).
  template <class... Args>
  requires std::is_constructible_v<T, Args...> T& emplace(Args&&... args) {
    ONCE_ASSERT(cell_ != nullptr, "Claim::set and Claim::emplace need a held claim (test the claim first)");
    T& value = construct_value(cell_->storage_, std::forward<Args>(args)...);
    std::exchange(cell_, nullptr)->list().publish();
    return value;
  }

  /// Constructs the value from `make()` (in place, even if T cannot move).
  template <class Make>
  T& set_from_call(Make& make) {
    ONCE_ASSERT(cell_ != nullptr, "Claim::set and Claim::emplace need a held claim (test the claim first)");
    T& value = construct_value_from_call(cell_->storage_, make);
    std::exchange(cell_, nullptr)->list().publish();
    return value;
  }

 private:
  template <class, class, class>
  friend class ClaimAwaiter;

  SetOnceClaim(SetOnceCell<T>* held, bool cancelled) noexcept : cell_(held), cancelled_(cancelled) {}

  SetOnceCell<T>* cell_;  // null unless held
  bool cancelled_;
};

template <>
class [[nodiscard]] SetOnceClaim<void> {
 public:
  SetOnceClaim(SetOnceClaim&& other) noexcept
      : cell_(std::exchange(other.cell_, nullptr)), cancelled_(other.cancelled_) {}
  SetOnceClaim& operator=(SetOnceClaim&&) = delete;
  ~SetOnceClaim() {
    if (cell_ != nullptr) cell_->list().release_claim();
  }

  explicit operator bool() const noexcept { return cell_ != nullptr; }
  bool cancelled() const noexcept { return cancelled_; }

  /// Sets the event and releases every waiter; the claim is spent.
  void set() noexcept {
    ONCE_ASSERT(cell_ != nullptr, "Claim::set needs a held claim (test the claim first)");
    std::exchange(cell_, nullptr)->list().publish();
  }

 private:
  template <class, class, class>
  friend class ClaimAwaiter;

  SetOnceClaim(SetOnceCell<void>* held, bool cancelled) noexcept : cell_(held), cancelled_(cancelled) {}

  SetOnceCell<void>* cell_;  // null unless held
  bool cancelled_;
};

/// `co_await cell.claim()`: a SetOnceClaim.
template <class T, class Executor, class Token>
class [[nodiscard]] ClaimAwaiter : public AwaiterNode<SetOnceCell<T>, Executor, Token, AwaitMode::kClaim> {
  using Base = AwaiterNode<SetOnceCell<T>, Executor, Token, AwaitMode::kClaim>;

 public:
  using Base::Base;

  SetOnceClaim<T> await_resume() noexcept {
    const bool held = this->take_grant();
    return SetOnceClaim<T>(held ? &this->cell() : nullptr, this->outcome() == AwaitOutcome::kCancelled);
  }
};

/// `co_await cell.get_or_init(f)`: runs `f` on the awaiting coroutine if it
/// gets the claim, and yields the value.
template <class T, class Executor, class F>
class [[nodiscard]] GetOrInitAwaiter : public ClaimAwaiter<T, Executor, NoStopToken> {
  using Base = ClaimAwaiter<T, Executor, NoStopToken>;

 public:
  GetOrInitAwaiter(SetOnceCell<T>& cell, Executor executor, F f)
      : Base(cell, std::move(executor), NoStopToken{}), f_(std::move(f)) {}

  decltype(auto) await_resume() {
    SetOnceClaim<T> claim = Base::await_resume();
    if constexpr (std::is_void_v<T>) {
      if (claim) {
        f_();  // if it throws, `claim` hands the right on as the exception leaves
        claim.set();
      }
    } else {
      if (claim) claim.set_from_call(f_);  // likewise
      return static_cast<T&>(*this->cell().value());
    }
  }

 private:
  [[no_unique_address]] F f_;
};

}  // namespace detail
ONCE_NAMESPACE_END
