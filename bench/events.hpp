// The event peers the benchmarks compare: one-shot signals that threads block on, defined once.
// SPDX-License-Identifier: MIT
//
// An event: set() once; wait() blocks until it is set, wait_for(d) too, for
// at most d (true if it was set). Nothing here depends on the library's wait
// backend but CellEvent, a template: wake_latency_portable.cpp includes this
// file in a build with another backend, whose cells are types of their own.
#pragma once

#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>

namespace bench::peers {

/// std::mutex + std::condition_variable: the event every codebase writes by hand.
class CondvarEvent {
 public:
  void set() {
    {
      const std::lock_guard<std::mutex> lock(mutex_);
      set_ = true;
    }
    ready_.notify_all();
  }
  void wait() {
    std::unique_lock<std::mutex> lock(mutex_);
    ready_.wait(lock, [this] { return set_; });
  }
  template <class Rep, class Period>
  bool wait_for(std::chrono::duration<Rep, Period> timeout) {
    std::unique_lock<std::mutex> lock(mutex_);
    return ready_.wait_for(lock, timeout, [this] { return set_; });
  }

 private:
  std::mutex mutex_;
  std::condition_variable ready_;
  bool set_ = false;
};

/// std::promise<void> and the std::shared_future each waiter copies before
/// it waits, as users do.
class FutureEvent {
 public:
  void set() { promise_.set_value(); }
  void wait() const {
    const std::shared_future<void> future = future_;
    future.wait();
  }
  template <class Rep, class Period>
  bool wait_for(std::chrono::duration<Rep, Period> timeout) const {
    const std::shared_future<void> future = future_;
    return future.wait_for(timeout) == std::future_status::ready;
  }

 private:
  std::promise<void> promise_;
  std::shared_future<void> future_ = promise_.get_future().share();
};

/// An event on a cell of this library: set() fills it, the waits are the
/// cell's own. A template, so that builds with another wait backend (whose
/// cells are types of their own) each get their own event type.
template <class Cell>
class CellEvent {
 public:
  void set() {
    if constexpr (requires(Cell & cell) { cell.set(); }) {
      static_cast<void>(cell_.set());
    } else {
      static_cast<void>(cell_.set(1));
    }
  }
  void wait() { static_cast<void>(cell_.wait()); }
  template <class Rep, class Period>
  bool wait_for(std::chrono::duration<Rep, Period> timeout) {
    return static_cast<bool>(cell_.wait_for(timeout));
  }

 private:
  Cell cell_;
};

}  // namespace bench::peers
