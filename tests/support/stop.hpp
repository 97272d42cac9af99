// A stop source and token of the tests' own, for the stop-token waits on every standard library.
// SPDX-License-Identifier: MIT
//
// A minimal stop source and token of the test's own, with the members the
// library's stop_token_like concept asks for (stop_requested, stop_possible,
// callback_type<F>): the stop-token waits are tested with it on every
// standard library, libc++ 14 (which has no <stop_token>) included.
#pragma once

#include <list>
#include <memory>
#include <mutex>
#include <utility>

namespace test {

class StopToken;

/// Shared by a source and its tokens: the flag and the registered callbacks.
/// Callbacks run under the mutex, so a callback's deregistration (which takes
/// the mutex) waits for it to finish, as std::stop_callback's destructor does.
struct StopState {
  std::mutex mutex;
  bool stopped = false;
  struct Entry {
    void (*run)(void*);
    void* self;
  };
  std::list<Entry> callbacks;
};

class StopToken {
 public:
  StopToken() = default;
  explicit StopToken(std::shared_ptr<StopState> state) : state_(std::move(state)) {}

  bool stop_requested() const {
    if (!state_) return false;
    const std::lock_guard<std::mutex> lock(state_->mutex);
    return state_->stopped;
  }
  bool stop_possible() const { return state_ != nullptr; }

  template <class F>
  class callback_type {
   public:
    callback_type(const StopToken& token, F f) : state_(token.state_), f_(std::move(f)) {
      if (!state_) return;
      std::unique_lock<std::mutex> lock(state_->mutex);
      if (state_->stopped) {
        lock.unlock();
        f_();
        return;
      }
      entry_ = state_->callbacks.insert(state_->callbacks.end(), {&run, this});
      registered_ = true;
    }
    ~callback_type() {
      if (!registered_) return;
      const std::lock_guard<std::mutex> lock(state_->mutex);
      state_->callbacks.erase(entry_);
    }
    callback_type(const callback_type&) = delete;
    callback_type& operator=(const callback_type&) = delete;

   private:
    static void run(void* self) { static_cast<callback_type*>(self)->f_(); }
    std::shared_ptr<StopState> state_;
    F f_;
    std::list<StopState::Entry>::iterator entry_;
    bool registered_ = false;
  };

 private:
  std::shared_ptr<StopState> state_;
};

class StopSource {
 public:
  StopToken get_token() const { return StopToken(state_); }
  void request_stop() {
    const std::lock_guard<std::mutex> lock(state_->mutex);
    if (state_->stopped) return;
    state_->stopped = true;
    for (const auto& entry : state_->callbacks) entry.run(entry.self);
  }

 private:
  std::shared_ptr<StopState> state_ = std::make_shared<StopState>();
};

}  // namespace test
