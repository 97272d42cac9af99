// Scenarios over the real OnceState (detail/once_state.hpp) and the cell core
// that OnceLock is made of (detail/cell.hpp), on model atomics.
#include <cstdint>
#include <stdexcept>

#include <once/detail/cell.hpp>
#include <once/detail/once_state.hpp>
#include <once/detail/stop_wait.hpp>

#include "model.hpp"
#include "stop.hpp"

namespace {

using State = once::detail::BasicOnceState<model::Atom>;
using once::detail::Deadline;
using once::detail::WaitClock;

/// A value whose every access is race-checked: the cells under test hold it.
class Value {
 public:
  explicit Value(int v) : v_(v) {}
  Value(Value&& other) : v_(other.get()) {}
  Value& operator=(Value&&) = delete;
  ~Value() = default;
  int get() const { return v_.read(); }

 private:
  model::Plain<int> v_;
};

/// OnceLock on model atomics: the shared cell core (get, get_or_init, set,
/// ...) with OnceLock's waits, written as once_lock.hpp writes them.
class Lock : public once::detail::Cell<Value, State> {
 public:
  Value* wait() {
    if (!has_value()) state_.wait();
    return value_ptr();
  }
  Value* wait_until(std::int64_t ns) {
    if (has_value()) return value_ptr();
    return state_.wait_until(Deadline{WaitClock::kSteady, ns}) ? value_ptr() : nullptr;
  }
  Value* wait(const model::StopToken& token) {
    if (has_value()) return value_ptr();
    return once::detail::wait_unless_stopped(state_, token) ? value_ptr() : nullptr;
  }
};

constexpr int kNone = -1;

// ---------------------------------------------------------------------------
/// N threads race get_or_init on an empty cell: exactly one initializer runs,
/// and every thread reads the value it made.
template <int N>
class ContendedInit : public model::Execution {
 public:
  ContendedInit() { cell_.emplace(); }
  int threads() const override { return N; }
  void thread(int i) override {
    Value& v = cell_->get_or_init([&] {
      ++runs_;
      winner_ = i;
      return Value(10 * i);
    });
    seen_[i] = v.get();
  }
  void finish() override {
    model::check(runs_ == 1, "exactly-once: the initializer ran other than once");
    for (int i = 1; i <= N; ++i) model::check(seen_[i] == 10 * winner_, "a thread saw a value other than the one made");
    model::check(cell_->get() != nullptr && cell_->get()->get() == 10 * winner_, "the cell does not hold the value");
  }

 private:
  model::Box<Lock> cell_;
  int runs_ = 0;
  int winner_ = kNone;
  int seen_[N + 1] = {};
};

// ---------------------------------------------------------------------------
/// Thread 1's initializer throws; the others' succeed. Whoever runs first,
/// the cell ends up holding exactly one successful value, thread 1 gets its
/// exception only if its own initializer ran, and a waiter that slept
/// through the failure takes over (or the run deadlocks).
class ThrowingInit : public model::Execution {
 public:
  explicit ThrowingInit(int threads) : threads_(threads) { cell_.emplace(); }
  int threads() const override { return threads_; }
  void thread(int i) override {
    try {
      Value& v = cell_->get_or_init([&] {
        ran_[i] = true;
        if (i == 1) throw std::runtime_error("initializer failed");
        ++successes_;
        winner_ = i;
        return Value(10 * i);
      });
      seen_[i] = v.get();
    } catch (const std::runtime_error&) {
      threw_[i] = true;
    }
  }
  void finish() override {
    model::check(successes_ == 1, "exactly-once: other than one initializer succeeded");
    model::check(threw_[1] == ran_[1], "thread 1 got an exception although its initializer did not run, or none");
    for (int i = 2; i <= threads_; ++i)
      model::check(!threw_[i], "an exception reached a thread whose initializer did not throw");
    for (int i = 1; i <= threads_; ++i) {
      if (!threw_[i]) model::check(seen_[i] == 10 * winner_, "a thread saw a value other than the one made");
    }
  }

 private:
  model::Box<Lock> cell_;
  int threads_;
  int successes_ = 0;
  int winner_ = kNone;
  bool ran_[4] = {};
  bool threw_[4] = {};
  int seen_[4] = {};
};

// ---------------------------------------------------------------------------
/// Two threads wait() while a third set()s: both wake and read the value.
class WaitVsSet : public model::Execution {
 public:
  WaitVsSet() { cell_.emplace(); }
  int threads() const override { return 3; }
  void thread(int i) override {
    if (i == 3) {
      stored_ = cell_->set(Value(7));
    } else {
      seen_[i] = cell_->wait()->get();
    }
  }
  void finish() override {
    model::check(stored_, "set() on an empty cell did not store");
    model::check(seen_[1] == 7 && seen_[2] == 7, "a waiter saw a value other than the one set");
  }

 private:
  model::Box<Lock> cell_;
  bool stored_ = false;
  int seen_[3] = {};
};

// ---------------------------------------------------------------------------
/// A timed waiter and a plain waiter race a set(): the timed one either
/// times out (nullptr, only once its deadline passed) or reads the value;
/// the plain one always reads it. The deadline passing is the scheduler's
/// choice at every check, and a timed sleep may time out at any step.
class TimedWaitVsSet : public model::Execution {
 public:
  TimedWaitVsSet() { cell_.emplace(); }
  int threads() const override { return 3; }
  void thread(int i) override {
    if (i == 1) {
      const Value* v = cell_->wait_until(kDeadline);
      timed_out_ = v == nullptr;
      if (v != nullptr) seen_[1] = v->get();
      if (timed_out_) model::check(model::deadline_passed(kDeadline), "a timed wait gave up before its deadline");
    } else if (i == 2) {
      seen_[2] = cell_->wait()->get();
    } else {
      stored_ = cell_->set(Value(7));
    }
  }
  void finish() override {
    model::check(stored_, "set() on an empty cell did not store");
    model::check(timed_out_ || seen_[1] == 7, "the timed waiter saw a value other than the one set");
    model::check(seen_[2] == 7, "the waiter saw a value other than the one set");
  }

 private:
  static constexpr std::int64_t kDeadline = 1'000'000;
  model::Box<Lock> cell_;
  bool stored_ = false;
  bool timed_out_ = false;
  int seen_[3] = {};
};

// ---------------------------------------------------------------------------
/// A waiter destroys the cell as soon as its wait() returns, while the
/// setting thread may still be inside complete(): the state machine must not
/// touch the cell after the store that completes it (only the address goes
/// to notify), and set() returns without touching it either.
class WaiterDestroys : public model::Execution {
 public:
  WaiterDestroys() { cell_.emplace(); }
  int threads() const override { return 2; }
  void thread(int i) override {
    if (i == 1) {
      static_cast<void>(cell_->set(Value(7)));
    } else {
      seen_ = cell_->wait()->get();
      cell_.destroy();
    }
  }
  void finish() override { model::check(seen_ == 7, "the waiter saw a value other than the one set"); }

 private:
  model::Box<Lock> cell_;
  int seen_ = 0;
};

// ---------------------------------------------------------------------------
/// A stop-token wait() races a set() and a request_stop(): it returns the
/// value, or nullptr once stop was requested, and it always returns (the
/// stop callback's wake-count bump and wake reach it wherever it is between
/// checking its token and sleeping).
class StopWaitVsSet : public model::Execution {
 public:
  StopWaitVsSet() { cell_.emplace(); }
  int threads() const override { return 3; }
  void thread(int i) override {
    if (i == 1) {
      const Value* v = cell_->wait(source_.token());
      got_value_ = v != nullptr;
      if (v != nullptr) seen_ = v->get();
      if (v == nullptr) model::check(source_.stop_requested(), "a stop-token wait gave up with no stop requested");
    } else if (i == 2) {
      stored_ = cell_->set(Value(7));
    } else {
      model::check(source_.request_stop(), "the first request_stop() reported stop as requested already");
    }
  }
  void finish() override {
    model::check(stored_, "set() on an empty cell did not store");
    model::check(!got_value_ || seen_ == 7, "the stop-token waiter saw a value other than the one set");
  }

 private:
  model::Box<Lock> cell_;
  model::StopSource source_;
  bool stored_ = false;
  bool got_value_ = false;
  int seen_ = kNone;
};

// ---------------------------------------------------------------------------
/// A stop-token wait() with nothing to wait for but the stop: the request
/// must end it (a lost wake-up leaves the other thread spinning forever).
/// Then, and only then, the other thread sets the value: the waiter that gave
/// up must not have left the waiters flag behind, so that set() makes no
/// futex wake (the real build's system call for nobody).
class StopWaitThenSet : public model::Execution {
 public:
  StopWaitThenSet() { cell_.emplace(); }
  int threads() const override { return 2; }
  void thread(int i) override {
    if (i == 1) {
      stopped_ = cell_->wait(source_.token()) == nullptr;
      returned_.store(1, once::detail::memory_order_release);  // pairs with thread 2's acquire
    } else {
      static_cast<void>(source_.request_stop());
      while (returned_.load(once::detail::memory_order_acquire) == 0) model::yield();
      const std::uint64_t before = model::notifications();
      stored_ = cell_->set(Value(7));
      quiet_ = model::notifications() == before;
    }
  }
  void finish() override {
    model::check(stopped_, "a stop-token wait returned a value before any was set");
    model::check(stored_, "set() on an empty cell did not store");
    model::check(quiet_, "set() after the only waiter gave up made a futex wake for nobody (the waiters flag stayed)");
  }

 private:
  model::Box<Lock> cell_;
  model::StopSource source_;
  model::Atom<int> returned_{0};
  bool stopped_ = false;
  bool stored_ = false;
  bool quiet_ = false;
};

// ---------------------------------------------------------------------------
/// A stop-token waiter gives up while a plain waiter sleeps on: giving up
/// clears the waiters flag, so it must wake the other sleeper to set it
/// again, or the later set() would not wake it.
class StopWaitWithSleeper : public model::Execution {
 public:
  StopWaitWithSleeper() { cell_.emplace(); }
  int threads() const override { return 3; }
  void thread(int i) override {
    if (i == 1) {
      const Value* v = cell_->wait(source_.token());
      if (v != nullptr) seen_[1] = v->get();
    } else if (i == 2) {
      seen_[2] = cell_->wait()->get();
    } else {
      static_cast<void>(source_.request_stop());
      stored_ = cell_->set(Value(7));
    }
  }
  void finish() override {
    model::check(stored_, "set() on an empty cell did not store");
    model::check(seen_[1] == kNone || seen_[1] == 7, "the stop-token waiter saw a value other than the one set");
    model::check(seen_[2] == 7, "the plain waiter saw a value other than the one set");
  }

 private:
  model::Box<Lock> cell_;
  model::StopSource source_;
  bool stored_ = false;
  int seen_[3] = {kNone, kNone, kNone};
};

const model::Register contended_2{{"once_state.contended_init_2", "2 threads race get_or_init", 20, 2000,
                                   [] { return std::make_unique<ContendedInit<2>>(); }}};
const model::Register contended_3{{"once_state.contended_init_3", "3 threads race get_or_init", 6, 2000,
                                   [] { return std::make_unique<ContendedInit<3>>(); }}};
const model::Register throwing_2{{"once_state.throwing_init_2",
                                  "a throwing initializer, a waiter takes over (2 threads)", 20, 2000,
                                  [] { return std::make_unique<ThrowingInit>(2); }}};
const model::Register throwing_3{{"once_state.throwing_init_3",
                                  "a throwing initializer, two waiters, one takes over (3 threads)", 5, 2000,
                                  [] { return std::make_unique<ThrowingInit>(3); }}};
const model::Register wait_vs_set{
    {"once_state.wait_vs_set", "two wait() against one set()", 5, 2000, [] { return std::make_unique<WaitVsSet>(); }}};
const model::Register timed_wait{{"once_state.timed_wait_vs_set", "wait_until and wait against set()", 5, 2000,
                                  [] { return std::make_unique<TimedWaitVsSet>(); }}};
const model::Register destroys{{"once_state.waiter_destroys_cell",
                                "a waiter destroys the cell right after its wait() returns", 20, 2000,
                                [] { return std::make_unique<WaiterDestroys>(); }}};
const model::Register stop_vs_set{{"once_state.stop_wait_vs_set", "wait(stop_token) against set() and request_stop()",
                                   4, 2000, [] { return std::make_unique<StopWaitVsSet>(); }}};
const model::Register stop_then_set{{"once_state.stop_wait_then_set",
                                     "wait(stop_token) ended by request_stop(); then set() makes no wake call", 6, 2000,
                                     [] { return std::make_unique<StopWaitThenSet>(); }}};
const model::Register stop_with_sleeper{{"once_state.stop_wait_with_sleeper",
                                         "wait(stop_token) gives up while wait() sleeps; then set()", 3, 2000,
                                         [] { return std::make_unique<StopWaitWithSleeper>(); }}};

}  // namespace
