// Scenarios over SetOnce's real waiter list (detail/waiter_list.hpp), thread
// parker (detail/thread_parker.hpp) and coroutine awaiter node
// (detail/set_once_awaiters.hpp: AwaiterNode) on model atomics. SetOnce's
// own members, the value awaiter and the Claim are thin layers over these;
// the ones used here are written as set_once.hpp and set_once_awaiters.hpp
// write them. Coroutines are started by a logical thread (or by the setup)
// and resumed by whichever logical thread wakes them, inline, as
// `co_await cell` is; the stop-token awaiters through an executor that
// checks the coroutine is suspended, as `async_wait(executor, token)` is.
// Stop tokens are the checker's own (stop.hpp).
#include <coroutine>
#include <cstdint>
#include <cstdlib>
#include <stdexcept>
#include <utility>
#include <vector>

#include <once/detail/set_once_awaiters.hpp>
#include <once/detail/storage.hpp>
#include <once/detail/thread_parker.hpp>
#include <once/detail/waiter_list.hpp>

#include "model.hpp"
#include "stop.hpp"

namespace {

using List = once::detail::BasicWaiterList<model::Atom>;
using once::detail::AwaitMode;
using once::detail::AwaitOutcome;
using once::detail::Deadline;
using once::detail::NoStopToken;
using once::detail::ResumeInline;
using once::detail::WaitClock;

class Value {
 public:
  explicit Value(int v) : v_(v) {}
  Value(const Value&) = delete;
  Value& operator=(const Value&) = delete;
  ~Value() = default;
  int get() const { return v_.read(); }

 private:
  model::Plain<int> v_;
};

/// SetOnce<Value> on model atomics: its list and storage, and the members the
/// scenarios call, as set_once.hpp writes them.
class Cell {
 public:
  Cell() = default;
  Cell(const Cell&) = delete;
  Cell& operator=(const Cell&) = delete;
  ~Cell() {
    if (list_.is_set()) once::detail::destroy_value(storage_);
  }

  bool has_value() const { return list_.is_set(); }
  Value* value() const { return once::detail::value_address(storage_); }

  bool set(int v) {
    if (has_value()) return false;
    auto construct = [&] { once::detail::construct_value(storage_, v); };
    return once::detail::set_with(list_, construct);
  }
  /// A set() whose value's constructor throws.
  bool set_throwing() {
    if (has_value()) return false;
    auto construct = [] { throw std::runtime_error("constructor failed"); };
    return once::detail::set_with(list_, construct);
  }
  Value& wait() {
    if (!has_value()) once::detail::wait_until_set(list_);
    return *value();
  }
  Value* wait_until(std::int64_t ns) {
    return has_value() || once::detail::wait_until_set(list_, Deadline{WaitClock::kSteady, ns}) ? value() : nullptr;
  }
  Value* wait(const model::StopToken& token) {
    return has_value() || once::detail::wait_until_set(list_, token) ? value() : nullptr;
  }

  List& list() const { return list_; }
  once::detail::Storage<Value>& storage() { return storage_; }

 private:
  mutable List list_;
  once::detail::Storage<Value> storage_;
};

/// `co_await cell`: ValueAwaiter<Value, ResumeInline, NoStopToken> on model atomics.
class ValueAwaiter : public once::detail::AwaiterNode<const Cell, ResumeInline, NoStopToken, AwaitMode::kValue> {
  using Base = once::detail::AwaiterNode<const Cell, ResumeInline, NoStopToken, AwaitMode::kValue>;

 public:
  explicit ValueAwaiter(Cell& cell) : Base(cell, {}, {}) {}
  Value& await_resume() const noexcept { return *this->cell().value(); }
};

/// SetOnce<Value>::Claim on model atomics.
class Claim {
 public:
  explicit Claim(Cell* held) noexcept : cell_(held) {}
  Claim(Claim&& other) noexcept : cell_(std::exchange(other.cell_, nullptr)) {}
  Claim& operator=(Claim&&) = delete;
  ~Claim() {
    if (cell_ != nullptr) cell_->list().release_claim();  // hands the claim to the next claim waiter
  }
  explicit operator bool() const noexcept { return cell_ != nullptr; }
  void set(int v) {
    once::detail::construct_value(cell_->storage(), v);
    std::exchange(cell_, nullptr)->list().publish();
  }

 private:
  Cell* cell_;  // null unless held
};

/// `co_await cell.claim()`: ClaimAwaiter<Value, ResumeInline, NoStopToken> on model atomics.
class ClaimAwaiter : public once::detail::AwaiterNode<Cell, ResumeInline, NoStopToken, AwaitMode::kClaim> {
  using Base = once::detail::AwaiterNode<Cell, ResumeInline, NoStopToken, AwaitMode::kClaim>;

 public:
  explicit ClaimAwaiter(Cell& cell) : Base(cell, {}, {}) {}
  Claim await_resume() noexcept { return Claim(this->take_grant() ? &this->cell() : nullptr); }
};

/// An executor that resumes at once, as ResumeInline does, after checking
/// that the coroutine is suspended: a second resumption (of a coroutine that
/// has run to its end) is reported instead of being undefined.
struct CheckedResume {
  void operator()(std::coroutine_handle<> handle) const {
    model::check(!handle.done(), "a coroutine was resumed twice");
    handle.resume();
  }
};

/// `co_await cell.async_wait(executor, token)`: ValueAwaiter<Value,
/// CheckedResume, StopToken> on model atomics. nullptr: cancelled.
class StopValueAwaiter
    : public once::detail::AwaiterNode<const Cell, CheckedResume, model::StopToken, AwaitMode::kValue> {
  using Base = once::detail::AwaiterNode<const Cell, CheckedResume, model::StopToken, AwaitMode::kValue>;

 public:
  StopValueAwaiter(Cell& cell, model::StopToken token) : Base(cell, {}, token) {}
  Value* await_resume() const noexcept {
    return this->outcome() == AwaitOutcome::kSet ? this->cell().value() : nullptr;
  }
};

/// `co_await cell.claim(executor, token)`: ClaimAwaiter<Value, CheckedResume,
/// StopToken> on model atomics; also reports whether it was cancelled.
class StopClaimAwaiter : public once::detail::AwaiterNode<Cell, CheckedResume, model::StopToken, AwaitMode::kClaim> {
  using Base = once::detail::AwaiterNode<Cell, CheckedResume, model::StopToken, AwaitMode::kClaim>;

 public:
  StopClaimAwaiter(Cell& cell, model::StopToken token, bool& cancelled)
      : Base(cell, {}, token), cancelled_(&cancelled) {}
  Claim await_resume() noexcept {
    *cancelled_ = this->outcome() == AwaitOutcome::kCancelled;
    return Claim(this->take_grant() ? &this->cell() : nullptr);
  }

 private:
  bool* cancelled_;
};

// ---------------------------------------------------------------------------
/// Coroutine frames that outlive their destruction until the execution ends
/// (and are poisoned meanwhile by their awaiters' model atomics): a list
/// that still points into a destroyed frame is reported, not a crash.
std::vector<void*> frames;

void release_frames() {
  for (void* frame : frames) std::free(frame);
  frames.clear();
}

/// A coroutine that starts at once and stays suspended at its end until
/// destroyed.
struct Task {
  struct promise_type {
    static void* operator new(std::size_t size) {
      void* frame = std::malloc(size);
      if (frame == nullptr) std::abort();
      frames.push_back(frame);
      return frame;
    }
    static void operator delete(void*) noexcept {}  // released by release_frames()
    Task get_return_object() { return Task{std::coroutine_handle<promise_type>::from_promise(*this)}; }
    std::suspend_never initial_suspend() noexcept { return {}; }
    std::suspend_always final_suspend() noexcept { return {}; }
    void return_void() noexcept {}
    void unhandled_exception() noexcept { model::fail("a coroutine ended with an exception"); }
  };
  std::coroutine_handle<promise_type> handle;
};

/// What a coroutine waiter saw.
struct Outcome {
  bool done = false;
  int seen = -1;
};

Task await_value(Cell& cell, Outcome& out) {
  const Value& v = co_await ValueAwaiter(cell);
  out.seen = v.get();
  out.done = true;
}

/// The asynchronous initializer: takes the claim and sets `v`, or, when
/// `v` is 0, drops the claim unused (an initializer that failed).
Task claim_and_set(Cell& cell, int v, Outcome& out) {
  Claim claim = co_await ClaimAwaiter(cell);
  const bool held = static_cast<bool>(claim);
  if (held && v != 0) claim.set(v);
  out.seen = held ? v : 0;
  out.done = true;
}

/// What a stop-token waiter saw: the value, or cancelled.
struct StopOutcome {
  int resumed = 0;
  int seen = -1;  // -1: cancelled
  bool cancelled = false;
};

Task await_value_or_stop(Cell& cell, model::StopToken token, StopOutcome& out) {
  const Value* v = co_await StopValueAwaiter(cell, token);
  ++out.resumed;
  if (v != nullptr) out.seen = v->get();
  if (v == nullptr) model::check(token.stop_requested(), "a stop-token co_await was cancelled with no stop requested");
}

/// claim(token): sets `v` if it gets the claim.
Task claim_or_stop(Cell& cell, model::StopToken token, int v, StopOutcome& out) {
  Claim claim = co_await StopClaimAwaiter(cell, token, out.cancelled);
  ++out.resumed;
  if (out.cancelled) model::check(token.stop_requested(), "a stop-token claim was cancelled with no stop requested");
  if (claim) {
    claim.set(v);
    out.seen = v;
  }
}

/// Waits for the value; once resumed, destroys the coroutine `peer` (still
/// suspended on the cell, or in the batch of the set() resuming this one,
/// or finished), then, if `cell` is given, the cell itself.
Task await_then_destroy(Cell& cell, std::coroutine_handle<>& peer, model::Box<Cell>* destroy_cell, Outcome& out) {
  const Value& v = co_await ValueAwaiter(cell);
  out.seen = v.get();
  out.done = true;
  std::exchange(peer, nullptr).destroy();
  if (destroy_cell != nullptr) destroy_cell->destroy();
}

/// Base of the SetOnce executions: the cell and the coroutine frames.
class CellExecution : public model::Execution {
 public:
  CellExecution() {
    release_frames();
    cell_.emplace();
  }
  ~CellExecution() override {
    for (Task& task : tasks_) task.handle.destroy();
  }

 protected:
  void start(Task task) { tasks_.push_back(task); }
  void check_no_coroutine_waiters() {
    model::check(!cell_->list().has_coroutine_waiters(), "a coroutine is still queued on the cell");
  }

  model::Box<Cell> cell_;
  std::vector<Task> tasks_;
};

constexpr int kNone = -1;

// ---------------------------------------------------------------------------
/// A thread's wait() and a coroutine's co_await against a set(): both get
/// the value; the coroutine is resumed exactly once, inline.
class SetVsWaiters : public CellExecution {
 public:
  int threads() const override { return 3; }
  void thread(int i) override {
    if (i == 1) {
      seen_ = cell_->wait().get();
    } else if (i == 2) {
      start(await_value(*cell_, coroutine_));
    } else {
      stored_ = cell_->set(7);
    }
  }
  void finish() override {
    model::check(stored_, "set() on an empty cell did not store");
    model::check(seen_ == 7, "wait() returned a value other than the one set");
    model::check(coroutine_.done, "lost wake-up: a coroutine waiter was never resumed");
    model::check(coroutine_.seen == 7, "a coroutine waiter saw a value other than the one set");
    check_no_coroutine_waiters();
  }

 private:
  bool stored_ = false;
  int seen_ = kNone;
  Outcome coroutine_;
};

// ---------------------------------------------------------------------------
/// A timed wait and a wait() against a set(): the timed one returns the
/// value or, only after its deadline, nullptr, and leaves no node behind.
class TimedWaitVsSet : public CellExecution {
 public:
  int threads() const override { return 3; }
  void thread(int i) override {
    if (i == 1) {
      const Value* v = cell_->wait_until(kDeadline);
      timed_out_ = v == nullptr;
      if (v != nullptr) seen_[1] = v->get();
      if (timed_out_) model::check(model::deadline_passed(kDeadline), "a timed wait gave up before its deadline");
    } else if (i == 2) {
      seen_[2] = cell_->wait().get();
    } else {
      stored_ = cell_->set(7);
    }
  }
  void finish() override {
    model::check(stored_, "set() on an empty cell did not store");
    model::check(timed_out_ || seen_[1] == 7, "the timed waiter saw a value other than the one set");
    model::check(seen_[2] == 7, "wait() returned a value other than the one set");
  }

 private:
  static constexpr std::int64_t kDeadline = 1'000'000;
  bool stored_ = false;
  bool timed_out_ = false;
  int seen_[3] = {kNone, kNone, kNone};
};

// ---------------------------------------------------------------------------
/// Two threads set(): the first one's constructor throws; the claim passes
/// to the other, which stores; a waiting thread sees its value.
class ThrowingSetter : public CellExecution {
 public:
  int threads() const override { return 3; }
  void thread(int i) override {
    if (i == 1) {
      try {
        returned_ = cell_->set_throwing() ? 1 : 0;
      } catch (const std::runtime_error&) {
        threw_ = true;
      }
    } else if (i == 2) {
      stored_ = cell_->set(2);
    } else {
      seen_ = cell_->wait().get();
    }
  }
  void finish() override {
    model::check(stored_, "the claim was not handed to the second setter after the first one threw");
    model::check(threw_ != (returned_ == 0), "a set() whose constructor threw returned instead, or vice versa");
    model::check(seen_ == 2, "wait() returned a value other than the one set");
  }

 private:
  bool stored_ = false;
  bool threw_ = false;
  int returned_ = kNone;
  int seen_ = kNone;
};

// ---------------------------------------------------------------------------
/// Three coroutines claim(); thread 1's drops its claim unused (a failed
/// asynchronous initializer), threads 2 and 3 set their value. Whoever holds
/// the claim, it ends in exactly one value, every claim waiter is resumed
/// once, and a thread waiting with wait() meanwhile gets the value.
class ClaimHandover : public CellExecution {
 public:
  int threads() const override { return 3; }
  void thread(int i) override {
    start(claim_and_set(*cell_, i == 1 ? 0 : 10 * i, coroutine_[i]));
    if (i == 1) seen_ = cell_->wait().get();
  }
  void finish() override {
    for (int i = 1; i <= 3; ++i) model::check(coroutine_[i].done, "lost wake-up: a claim waiter was never resumed");
    const int setters = (coroutine_[2].seen != 0 ? 1 : 0) + (coroutine_[3].seen != 0 ? 1 : 0);
    model::check(setters == 1, "other than one claim set the value");
    const int value = coroutine_[2].seen != 0 ? 20 : 30;
    model::check(seen_ == value && cell_->value()->get() == value, "wait() saw a value other than the one set");
    check_no_coroutine_waiters();
  }

 private:
  Outcome coroutine_[4];
  int seen_ = kNone;
};

// ---------------------------------------------------------------------------
/// Thread 1 destroys its coroutine while the coroutine is suspended on the
/// cell (the way task libraries cancel), while thread 2's coroutine enqueues;
/// then thread 3 sets. The destroyed waiter's node must be off the list (the
/// frame is poisoned), the other is resumed with the value.
class DestroyWhileSuspended : public CellExecution {
 public:
  int threads() const override { return 3; }
  void thread(int i) override {
    if (i == 1) {
      const Task mine = await_value(*cell_, coroutine_[1]);
      mine.handle.destroy();
      destroyed_.store(1, once::detail::memory_order_release);  // pairs with thread 3's acquire
    } else if (i == 2) {
      start(await_value(*cell_, coroutine_[2]));
    } else {
      while (destroyed_.load(once::detail::memory_order_acquire) == 0) model::yield();
      stored_ = cell_->set(7);
    }
  }
  void finish() override {
    model::check(stored_, "set() on an empty cell did not store");
    model::check(!coroutine_[1].done, "a destroyed coroutine was resumed");
    model::check(coroutine_[2].done && coroutine_[2].seen == 7, "lost wake-up: a coroutine waiter was not resumed");
    check_no_coroutine_waiters();
  }

 private:
  model::Atom<int> destroyed_{0};
  bool stored_ = false;
  Outcome coroutine_[3];
};

// ---------------------------------------------------------------------------
/// A thread's wait(stop_token) against a set() and a request_stop(): it
/// returns the value, or nullptr once stop was requested; a cancelled waiter
/// takes its node off the list (a node left there is touched by set() after
/// the waiting thread's stack frame is gone).
class StopWaitVsSet : public CellExecution {
 public:
  int threads() const override { return 3; }
  void thread(int i) override {
    if (i == 1) {
      const Value* v = cell_->wait(source_.token());
      if (v != nullptr) seen_ = v->get();
      if (v == nullptr) model::check(source_.stop_requested(), "a stop-token wait gave up with no stop requested");
    } else if (i == 2) {
      stored_ = cell_->set(7);
    } else {
      static_cast<void>(source_.request_stop());
    }
  }
  void finish() override {
    model::check(stored_, "set() on an empty cell did not store");
    model::check(seen_ == kNone || seen_ == 7, "the stop-token waiter saw a value other than the one set");
  }

 private:
  model::StopSource source_;
  bool stored_ = false;
  int seen_ = kNone;
};

// ---------------------------------------------------------------------------
/// `co_await cell.async_wait(executor, token)` against a set() and a
/// request_stop(): the coroutine is resumed exactly once, with the value or
/// cancelled, by whichever party took its node (the set(), the stop
/// callback, or its own await_suspend when the taker came first).
class StopAwaitVsSet : public CellExecution {
 public:
  int threads() const override { return 3; }
  void thread(int i) override {
    if (i == 1) {
      start(await_value_or_stop(*cell_, source_.token(), coroutine_));
    } else if (i == 2) {
      stored_ = cell_->set(7);
    } else {
      static_cast<void>(source_.request_stop());
    }
  }
  void finish() override {
    model::check(stored_, "set() on an empty cell did not store");
    model::check(coroutine_.resumed == 1, "lost wake-up: the stop-token coroutine was never resumed");
    model::check(coroutine_.seen == -1 || coroutine_.seen == 7, "the coroutine saw a value other than the one set");
    check_no_coroutine_waiters();
  }

 private:
  model::StopSource source_;
  bool stored_ = false;
  StopOutcome coroutine_;
};

// ---------------------------------------------------------------------------
/// `co_await cell.claim(executor, token)` waits while another coroutine
/// holds the claim and drops it (a failed initializer): the handover and a
/// request_stop() race for the waiter. It is resumed exactly once: granted
/// (and sets the value), or cancelled (and the claim is free again, not
/// lost with it).
class StopClaimVsHandover : public CellExecution {
 public:
  int threads() const override { return 3; }
  void thread(int i) override {
    if (i == 1) {
      start(claim_or_stop(*cell_, source_.token(), 10, stopper_));
    } else if (i == 2) {
      start(claim_and_set(*cell_, 0, dropper_));
    } else {
      static_cast<void>(source_.request_stop());
    }
  }
  void finish() override {
    model::check(stopper_.resumed == 1, "lost wake-up: the stop-token claim waiter was never resumed");
    model::check(dropper_.done, "lost wake-up: the other claim waiter was never resumed");
    if (stopper_.seen == 10) {
      model::check(cell_->has_value() && cell_->value()->get() == 10, "a granted claim set no value");
    } else {
      model::check(!cell_->has_value(), "a value appeared that nobody set");
      model::check(!cell_->list().claim_held(), "the claim was lost: held by nobody, free for nobody");
    }
    check_no_coroutine_waiters();
  }

 private:
  model::StopSource source_;
  StopOutcome stopper_;
  Outcome dropper_;
};

// ---------------------------------------------------------------------------
/// Two coroutines wait from the start, A queued before B; once set() resumes
/// A (inline, on the setting thread), A destroys B while B is still in that
/// set()'s batch. B's awaiter must unlink itself from the batch, so set()
/// never resumes or touches the destroyed frame, while a thread waits and a
/// third coroutine enqueues concurrently.
class ResumedDestroysPeer : public CellExecution {
 public:
  ResumedDestroysPeer() {
    start(await_then_destroy(*cell_, peer_, nullptr, first_));
    peer_ = await_value(*cell_, second_).handle;
  }
  ~ResumedDestroysPeer() override {
    if (peer_) peer_.destroy();
  }
  int threads() const override { return 3; }
  void thread(int i) override {
    if (i == 1) {
      stored_ = cell_->set(7);
    } else if (i == 2) {
      seen_ = cell_->wait().get();
    } else {
      start(await_value(*cell_, third_));
    }
  }
  void finish() override {
    model::check(stored_, "set() on an empty cell did not store");
    model::check(first_.done && first_.seen == 7, "lost wake-up: the first coroutine was not resumed");
    model::check(!second_.done, "a destroyed coroutine was resumed");
    model::check(third_.done && third_.seen == 7, "lost wake-up: the third coroutine was not resumed");
    model::check(seen_ == 7, "wait() returned a value other than the one set");
    check_no_coroutine_waiters();
  }

 private:
  std::coroutine_handle<> peer_;
  bool stored_ = false;
  int seen_ = kNone;
  Outcome first_, second_, third_;
};

// ---------------------------------------------------------------------------
/// As above, and A then destroys the cell too (allowed: no other waiter is
/// left). set() must not touch the cell, or B, after resuming A.
class ResumedDestroysCell : public CellExecution {
 public:
  ResumedDestroysCell() {
    start(await_then_destroy(*cell_, peer_, &cell_, first_));
    peer_ = await_value(*cell_, second_).handle;
  }
  ~ResumedDestroysCell() override {
    if (peer_) peer_.destroy();
  }
  int threads() const override { return 1; }
  void thread(int) override { stored_ = cell_->set(7); }
  void finish() override {
    model::check(stored_, "set() on an empty cell did not store");
    model::check(first_.done && first_.seen == 7, "lost wake-up: the first coroutine was not resumed");
    model::check(!second_.done, "a destroyed coroutine was resumed");
    model::check(!cell_.live(), "the cell was not destroyed");
  }

 private:
  std::coroutine_handle<> peer_;
  bool stored_ = false;
  Outcome first_, second_;
};

const model::Register set_vs_waiters{{"set_once.set_vs_waiters", "a thread's wait() and a co_await against set()", 4,
                                      2000, [] { return std::make_unique<SetVsWaiters>(); }}};
const model::Register timed{{"set_once.timed_wait_vs_set", "wait_until and wait against set()", 3, 2000,
                             [] { return std::make_unique<TimedWaitVsSet>(); }}};
const model::Register throwing{{"set_once.throwing_setter", "a throwing set() hands the claim to another set()", 4,
                                2000, [] { return std::make_unique<ThrowingSetter>(); }}};
const model::Register handover{{"set_once.claim_handover",
                                "three claim() coroutines, one drops its claim; a thread waits", 4, 2000,
                                [] { return std::make_unique<ClaimHandover>(); }}};
const model::Register destroy{{"set_once.destroy_while_suspended",
                               "a suspended coroutine destroyed while another enqueues, then set()", 4, 2000,
                               [] { return std::make_unique<DestroyWhileSuspended>(); }}};
const model::Register stop_wait{{"set_once.stop_wait_vs_set",
                                 "a thread's wait(stop_token) against set() and request_stop()", 4, 2000,
                                 [] { return std::make_unique<StopWaitVsSet>(); }}};
const model::Register stop_await{{"set_once.stop_await_vs_set",
                                  "async_wait(executor, token) against set() and request_stop()", 4, 2000,
                                  [] { return std::make_unique<StopAwaitVsSet>(); }}};
const model::Register stop_claim{{"set_once.stop_claim_vs_handover",
                                  "claim(executor, token) against a dropped claim's handover and request_stop()", 4,
                                  2000, [] { return std::make_unique<StopClaimVsHandover>(); }}};
const model::Register destroys_peer{{"set_once.resumed_destroys_peer",
                                     "a resumed coroutine destroys the next one of its set()'s batch; a thread and a "
                                     "coroutine wait meanwhile",
                                     4, 2000, [] { return std::make_unique<ResumedDestroysPeer>(); }}};
const model::Register destroys_cell{{"set_once.resumed_destroys_cell",
                                     "a resumed coroutine destroys the next one of its batch, then the cell", 20, 0,
                                     [] { return std::make_unique<ResumedDestroysCell>(); }}};

}  // namespace
