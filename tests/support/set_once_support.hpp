// Helpers shared by the SetOnce tests: recording coroutines, executors, an owned coroutine, jitter.
// SPDX-License-Identifier: MIT
#pragma once

#include <atomic>
#include <chrono>
#include <coroutine>
#include <exception>
#include <thread>
#include <utility>
#include <vector>
#include <version>

#if defined(__cpp_lib_jthread)
#include <stop_token>
#endif

#include <once/set_once.hpp>

#include "coro.hpp"

namespace {

/// Busy work of a length that varies with `seed`: shifts the racing threads
/// against each other from round to round.
inline void jitter(int seed) {
  const unsigned spins = (static_cast<unsigned>(seed) * 2654435761u >> 24) % 64;
  std::atomic<unsigned> counter{0};
  for (unsigned i = 0; i < spins; ++i) counter.fetch_add(1, std::memory_order_relaxed);
}

// ---- Coroutines the tests start -------------------------------------------

/// Awaits `cell` inline; records the value (or -1 for a wrong address), the
/// thread it resumed on, and that it finished.
inline test::Detached await_value(once::SetOnce<int>& cell, std::atomic<int>& result, std::atomic<int>& finished,
                                  std::thread::id* resumed_on = nullptr) {
  int& value = co_await cell;
  if (resumed_on != nullptr) *resumed_on = std::this_thread::get_id();
  result = &value == cell.get() ? value : -1;
  finished.fetch_add(1);
}

template <class Executor>
test::Detached await_value_on(once::SetOnce<int>& cell, Executor executor, std::atomic<int>& result,
                              std::atomic<int>& finished) {
  int& value = co_await cell.async_wait(std::move(executor));
  result = &value == cell.get() ? value : -1;
  finished.fetch_add(1);
}

/// Records the order in which waiters resume.
inline test::Detached await_in_order(once::SetOnce<int>& cell, int id, std::vector<int>& order) {
  co_await cell;
  order.push_back(id);
}

/// An executor that keeps the handles, for the test to resume by hand.
struct RecordingExecutor {
  std::vector<std::coroutine_handle<>>* handles;
  void operator()(std::coroutine_handle<> handle) const { handles->push_back(handle); }
};

}  // namespace

#if defined(__cpp_lib_jthread)
namespace {
/// Awaits with a stop token (and an executor, if given); records the result
/// (the value, 0 for nullptr, -1 for a wrong address) and each resumption.
template <class... Executor>
test::Detached await_stoppable(once::SetOnce<int>& cell, std::stop_token token, std::atomic<int>& result,
                               std::atomic<int>& resumed, std::thread::id* resumed_on, Executor... executor) {
  int* value = co_await cell.async_wait(executor..., std::move(token));
  if (resumed_on != nullptr) *resumed_on = std::this_thread::get_id();
  result = value == nullptr ? 0 : (value == cell.get() ? *value : -1);
  resumed.fetch_add(1);
}
}  // namespace
#endif

namespace test {

/// Resumes at once, on the thread that completes the wait.
struct InlineExecutor {
  void operator()(std::coroutine_handle<> handle) const { handle.resume(); }
};

/// A coroutine the test owns: runs at once up to its first suspension, stays
/// suspended at its end, and is destroyed by the test (or when this goes
/// away), which is how task libraries cancel. An exception escaping the body
/// is kept for the test to look at.
class Owned {
 public:
  struct promise_type {
    std::exception_ptr exception;
    Owned get_return_object() noexcept { return Owned(std::coroutine_handle<promise_type>::from_promise(*this)); }
    std::suspend_never initial_suspend() noexcept { return {}; }
    std::suspend_always final_suspend() noexcept { return {}; }
    void return_void() noexcept {}
    void unhandled_exception() noexcept { exception = std::current_exception(); }
  };

  Owned(Owned&& other) noexcept : handle_(std::exchange(other.handle_, {})) {}
  Owned& operator=(Owned&&) = delete;
  ~Owned() {
    if (handle_) handle_.destroy();
  }

  bool done() const noexcept { return handle_.done(); }
  bool threw() const noexcept { return handle_.promise().exception != nullptr; }
  /// Destroys the frame: the cancellation under test.
  void destroy() noexcept { std::exchange(handle_, {}).destroy(); }

 private:
  explicit Owned(std::coroutine_handle<promise_type> handle) noexcept : handle_(handle) {}
  std::coroutine_handle<promise_type> handle_;
};

}  // namespace test
