// Scenarios over the real publication protocol of OnceShared
// (detail/shared_slot.hpp) on model atomics. OnceShared's own members are
// one-line forwards to the slot; the ones used here are written as
// once_shared.hpp writes them.
#include <memory>
#include <stdexcept>

#include <once/detail/shared_slot.hpp>

#include "model.hpp"

namespace {

/// The object a slot points to; counts how many exist.
class Value {
 public:
  Value(int v, int& alive) : v_(v), alive_(alive) { ++alive_; }
  ~Value() { --alive_; }
  Value(const Value&) = delete;
  Value& operator=(const Value&) = delete;
  int get() const { return v_.read(); }

 private:
  model::Plain<int> v_;
  int& alive_;
};

using Slot = once::detail::SharedSlot<Value, model::Atom>;

/// OnceShared on model atomics: the members the scenarios call.
class Shared {
 public:
  Value* get() const { return slot_.get(); }
  std::shared_ptr<Value> load() const { return slot_.is_complete() ? slot_.completed_owner() : slot_.load_slow(); }
  bool store(std::shared_ptr<Value> value) { return slot_.publish(std::move(value)); }
  template <class F>
  Value& get_or_init(F&& f) {
    if (slot_.is_complete()) return *slot_.completed_pointer();
    return *slot_.template initialize<false>(std::forward<F>(f));
  }
  Value& wait() const {
    if (!slot_.is_complete()) slot_.state().wait();
    return *slot_.completed_pointer();
  }

 private:
  Slot slot_;
};

constexpr int kNone = -1;

// ---------------------------------------------------------------------------
/// A store, a get_or_init and a reader race. Exactly one pointer wins and
/// everybody who sees a pointer sees its whole object; the losing
/// initializer's object (if f ran) is released; a store that lost leaves its
/// argument intact.
class StoreVsGetOrInit : public model::Execution {
 public:
  StoreVsGetOrInit() { slot_.emplace(); }
  int threads() const override { return 3; }
  void thread(int i) override {
    if (i == 1) {
      auto mine = std::make_shared<Value>(1, alive_);
      stored_ = slot_->store(mine);
      model::check(mine != nullptr && mine->get() == 1, "a store changed its argument");
    } else if (i == 2) {
      seen_[2] = slot_
                     ->get_or_init([&] {
                       ++runs_;
                       return std::make_shared<Value>(2, alive_);
                     })
                     .get();
    } else {
      if (const Value* v = slot_->get()) seen_[3] = v->get();
      if (const std::shared_ptr<Value> owner = slot_->load()) loaded_ = owner->get();
    }
  }
  void finish() override {
    const int winner = stored_ ? 1 : 2;
    model::check(runs_ <= 1, "exactly-once: the initializer ran more than once");
    model::check(stored_ || runs_ == 1, "the slot was set by nobody");
    model::check(seen_[2] == winner, "get_or_init returned a value other than the one published");
    model::check(seen_[3] == kNone || seen_[3] == winner, "get() returned a pointer other than the one published");
    model::check(loaded_ == kNone || loaded_ == winner, "load() returned a pointer other than the one published");
    model::check(slot_->get() != nullptr && slot_->get()->get() == winner, "the slot does not hold the winner");
    model::check(alive_ == 1, "an object that lost the race was not released (or the winner was)");
  }

 private:
  int alive_ = 0;  // declared before the slot, which decrements it as it goes
  model::Box<Shared> slot_;
  bool stored_ = false;
  int runs_ = 0;
  int seen_[4] = {kNone, kNone, kNone, kNone};
  int loaded_ = kNone;
};

// ---------------------------------------------------------------------------
/// A throwing initializer, a succeeding one and a store: the slot ends with
/// exactly one published pointer, the exception goes only to its thread.
class ThrowingInitVsStore : public model::Execution {
 public:
  ThrowingInitVsStore() { slot_.emplace(); }
  int threads() const override { return 3; }
  void thread(int i) override {
    try {
      if (i == 3) {
        stored_ = slot_->store(std::make_shared<Value>(3, alive_));
        return;
      }
      seen_[i] = slot_
                     ->get_or_init([&] {
                       if (i == 1) throw std::runtime_error("initializer failed");
                       ++runs_;
                       return std::make_shared<Value>(2, alive_);
                     })
                     .get();
    } catch (const std::runtime_error&) {
      threw_[i] = true;
    }
  }
  void finish() override {
    model::check(!threw_[2] && !threw_[3], "an exception reached a thread whose initializer did not throw");
    model::check(runs_ <= 1, "exactly-once: the initializer ran more than once");
    const int winner = stored_ ? 3 : 2;
    model::check(stored_ || runs_ == 1, "the slot was set by nobody");
    model::check(seen_[2] == winner, "get_or_init returned a value other than the one published");
    model::check(threw_[1] || seen_[1] == winner, "get_or_init returned a value other than the one published");
    model::check(alive_ == 1, "an object that lost the race was not released (or the winner was)");
  }

 private:
  int alive_ = 0;
  model::Box<Shared> slot_;
  bool stored_ = false;
  int runs_ = 0;
  int seen_[4] = {kNone, kNone, kNone, kNone};
  bool threw_[4] = {};
};

// ---------------------------------------------------------------------------
/// A waiter destroys the slot as soon as wait() returns, while the storing
/// thread may still be inside publish(): nothing after the completing
/// store may touch the slot.
class WaiterDestroys : public model::Execution {
 public:
  WaiterDestroys() { slot_.emplace(); }
  int threads() const override { return 2; }
  void thread(int i) override {
    if (i == 1) {
      model::check(slot_->store(std::make_shared<Value>(1, alive_)), "the only store into an empty slot lost");
    } else {
      seen_ = slot_->wait().get();
      slot_.destroy();
    }
  }
  void finish() override {
    model::check(seen_ == 1, "the waiter saw a value other than the one stored");
    model::check(alive_ == 0, "destroying the slot did not release its object");
  }

 private:
  int alive_ = 0;
  model::Box<Shared> slot_;
  int seen_ = kNone;
};

const model::Register store_vs_init{{"once_shared.store_vs_get_or_init", "store, get_or_init and get/load race", 6,
                                     2000, [] { return std::make_unique<StoreVsGetOrInit>(); }}};
const model::Register throwing{{"once_shared.throwing_init_vs_store",
                                "a throwing get_or_init, a succeeding one and a store", 5, 2000,
                                [] { return std::make_unique<ThrowingInitVsStore>(); }}};
const model::Register destroys{{"once_shared.waiter_destroys_slot", "a waiter destroys the slot right after wait()", 20,
                                2000, [] { return std::make_unique<WaiterDestroys>(); }}};

}  // namespace
