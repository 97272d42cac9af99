// The model checker's stop source, token and callback: std::stop_source's
// contract on model atomics, so that a stop request, and registering,
// deregistering and running a callback, are scheduling points.
//
// As std::stop_callback: a callback registered after the request runs at
// once in its constructor; request_stop() runs the registered ones on the
// requesting thread, oldest first, the lock released around each; a
// callback's destructor deregisters it, or, when it is running on another
// thread, blocks until it has returned (a callback destroying itself, on the
// requesting thread, does not wait). The token satisfies the library's
// stop_token_like (detail/stop_token.hpp) through callback_type<F>.
#pragma once

#include <cstdint>
#include <utility>

#include "model.hpp"

namespace model {

class StopState;

/// What the stop state sees of a registered callback.
class StopCallbackBase {
 public:
  StopCallbackBase(const StopCallbackBase&) = delete;
  StopCallbackBase& operator=(const StopCallbackBase&) = delete;

 protected:
  StopCallbackBase() = default;
  ~StopCallbackBase() = default;
  /// Registers; false if stop was requested first (the caller runs it then).
  bool attach(StopState* state);
  /// Deregisters, or waits for a run of it on another thread to return.
  void detach();
  virtual void invoke() noexcept = 0;

 private:
  friend class StopState;
  StopState* state_ = nullptr;
  StopCallbackBase* next_ = nullptr;  // the state's list, under its lock
  bool queued_ = false;
  bool* destroyed_ = nullptr;   // while running: set if it destroys itself
  Atom<std::int32_t> done_{0};  // 1 once its run on the requesting thread returned
};

/// The shared state of a stop source and its tokens: one word (requested,
/// locked) and a list of callbacks under that lock.
class StopState {
 public:
  static constexpr std::int32_t kLocked = 1;
  static constexpr std::int32_t kRequested = 2;

  bool stop_requested() const {
    // Acquire pairs with request_stop(): a thread that sees the request sees
    // what the requester did before it.
    return (word_.load(once::detail::memory_order_acquire) & kRequested) != 0;
  }

  /// Requests stop and runs every registered callback on this thread. False
  /// if stop was requested already.
  bool request_stop() {
    std::int32_t word = word_.load(once::detail::memory_order_relaxed);
    for (;;) {
      if ((word & kRequested) != 0) return false;
      if ((word & kLocked) != 0) {
        yield();
        word = word_.load(once::detail::memory_order_relaxed);
        continue;
      }
      if (word_.compare_exchange_strong(word, kRequested | kLocked, once::detail::memory_order_acq_rel,
                                        once::detail::memory_order_relaxed)) {
        break;
      }
    }
    requester_ = current();
    while (StopCallbackBase* callback = head_) {
      head_ = callback->next_;
      callback->queued_ = false;
      running_ = callback;
      bool destroyed = false;
      callback->destroyed_ = &destroyed;
      unlock();
      callback->invoke();
      if (!destroyed) {
        callback->destroyed_ = nullptr;
        Atom<std::int32_t>* const done = &callback->done_;
        // Release pairs with the destructor's acquire: it may return, and
        // the callback vanish, as soon as this store is seen.
        done->store(1, once::detail::memory_order_release);
        once::detail::WaitOps<Atom>::notify_all(done);
      }
      lock();
      running_ = nullptr;
    }
    unlock();
    return true;
  }

 private:
  friend class StopCallbackBase;

  void lock() {
    std::int32_t word = word_.load(once::detail::memory_order_relaxed);
    for (;;) {
      if ((word & kLocked) != 0) {
        yield();
        word = word_.load(once::detail::memory_order_relaxed);
        continue;
      }
      // Acquire pairs with unlock(): the list as the last holder left it.
      if (word_.compare_exchange_strong(word, word | kLocked, once::detail::memory_order_acquire,
                                        once::detail::memory_order_relaxed)) {
        return;
      }
    }
  }
  void unlock() { word_.fetch_and(~kLocked, once::detail::memory_order_release); }
  bool requested_locked() const { return (word_.load(once::detail::memory_order_relaxed) & kRequested) != 0; }

  Atom<std::int32_t> word_{0};
  StopCallbackBase* head_ = nullptr;     // under the lock
  StopCallbackBase* running_ = nullptr;  // under the lock: the callback request_stop() runs
  int requester_ = 0;                    // the logical thread that requested stop
};

inline bool StopCallbackBase::attach(StopState* state) {
  if (state->stop_requested()) return false;
  state->lock();
  if (state->requested_locked()) {
    state->unlock();
    return false;
  }
  state_ = state;
  queued_ = true;
  next_ = nullptr;
  StopCallbackBase** tail = &state->head_;
  while (*tail != nullptr) tail = &(*tail)->next_;
  *tail = this;
  state->unlock();
  return true;
}

inline void StopCallbackBase::detach() {
  if (state_ == nullptr) return;  // ran in its constructor, or no state
  StopState* const state = state_;
  state->lock();
  if (queued_) {
    StopCallbackBase** at = &state->head_;
    while (*at != this) at = &(*at)->next_;
    *at = next_;
    queued_ = false;
    state->unlock();
    return;
  }
  const bool running_here = state->running_ == this && state->requester_ == current();
  state->unlock();
  if (running_here) {
    *destroyed_ = true;  // destroyed inside its own run: request_stop() must not touch it
    return;
  }
  // Taken off the list by request_stop(): its run may still be going on.
  while (done_.load(once::detail::memory_order_acquire) == 0) {  // pairs with request_stop()'s release
    once::detail::WaitOps<Atom>::wait(done_, std::int32_t{0});
  }
}

template <class F>
class StopCallback : private StopCallbackBase {
 public:
  template <class Token, class G>
  StopCallback(const Token& token, G&& f) : f_(std::forward<G>(f)) {
    if (token.state() != nullptr && !attach(token.state())) f_();  // requested already: runs here
  }
  ~StopCallback() { detach(); }
  StopCallback(const StopCallback&) = delete;
  StopCallback& operator=(const StopCallback&) = delete;

 private:
  void invoke() noexcept override { f_(); }
  F f_;
};

/// A copyable handle on a stop state; default-constructed, no stop is possible.
class StopToken {
 public:
  template <class F>
  using callback_type = StopCallback<F>;

  StopToken() = default;
  explicit StopToken(StopState* state) noexcept : state_(state) {}
  bool stop_requested() const { return state_ != nullptr && state_->stop_requested(); }
  bool stop_possible() const noexcept { return state_ != nullptr; }
  StopState* state() const noexcept { return state_; }

 private:
  StopState* state_ = nullptr;
};

/// The source: owns the state, hands out tokens.
class StopSource {
 public:
  StopToken token() noexcept { return StopToken(&state_); }
  bool request_stop() { return state_.request_stop(); }
  bool stop_requested() const { return state_.stop_requested(); }

 private:
  StopState state_;
};

}  // namespace model
