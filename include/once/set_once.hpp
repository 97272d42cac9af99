// once: initialize-once primitives for C++20.
// SPDX-License-Identifier: MIT
#pragma once

#include <chrono>
#include <concepts>
#include <coroutine>
#include <new>
#include <type_traits>
#include <utility>
#include <version>

#if defined(__cpp_lib_jthread)
#include <stop_token>
#endif

#include "detail/cell.hpp"
#include "detail/config.hpp"
#include "detail/deadline.hpp"
#include "detail/set_once_state.hpp"
#include "detail/storage.hpp"
#include "detail/value_rules.hpp"
#include "detail/wait.hpp"
#include "errors.hpp"

ONCE_NAMESPACE_BEGIN

/// A value that is set once and awaited by any number of coroutines and
/// threads: a one-shot event that carries a value (SetOnce<void>: no value).
///
///     once::SetOnce<Config> config;
///     // consumers, coroutines:           Config& c = co_await config;
///     //   or, resumed on a thread pool:  Config& c = co_await config.async_wait(pool_executor);
///     //   or, threads:                   Config& c = config.wait();
///     // the producer:                    config.set(load_config());
///
/// Members:
///   set(value), emplace(args...)        store it if empty; true if this call did; every waiter is released
///   has_value(), get()                  one acquire load; get() is nullptr while empty
///   co_await cell                       T& (nothing for void); never suspends once set
///   co_await cell.async_wait(executor)  T&, resumed through executor(std::coroutine_handle<>)
///   co_await cell.async_wait(stop_token)            T* (bool for void): nullptr if stopped first
///   co_await cell.async_wait(executor, stop_token)  the same, resumed through the executor
///   wait()                              blocks a thread until set; T& (void for void)
///   wait_for(duration), wait_until(time_point)   T* (bool for void), nullptr on timeout
///
/// Where waiters resume. `set()` releases the waiters in the order they began
/// to wait, before it returns:
///  * `co_await cell` and `async_wait(stop_token)` resume inline, on the
///    setting thread, inside set(), one after the other: the cheapest hand-off
///    (tens of nanoseconds each), but set() returns only after every such
///    coroutine has run to its next suspension point, and they all run on
///    the setter's thread.
///  * `async_wait(executor, ...)` calls `executor(handle)` instead: the
///    executor (a thread pool's post, an asio-style `post`, a strand, ...)
///    decides where the coroutine runs. The executor is moved out of the
///    awaiter before the call, so it may also resume the handle at once. It
///    must not throw: set() cannot report an exception and still release the
///    other waiters, so one terminates the program (as does an exception that
///    escapes a coroutine's resume(), i.e. an unhandled_exception that rethrows).
///  * Threads blocked in wait(), wait_for() or wait_until() are woken by a
///    futex wake on a word of their own; they sleep without burning CPU.
/// A wait that begins after the cell is set never suspends or blocks: it
/// continues at once on its own thread, whichever form it takes.
/// Choose inline resumption for short continuations on a thread that may run
/// them; choose an executor when the continuations are long, when they must
/// run on particular threads, or when they chain (see recursion below).
///
/// Recursion depth. An inline-resumed waiter that itself sets another
/// SetOnce resumes that cell's waiters from inside the first set(): a chain
/// of N such hand-offs nests N set() calls on one stack, and a long enough
/// chain (tens of thousands of links on an 8 MB stack, far fewer in
/// sanitizer builds) overflows it. Resume through an executor to make the
/// depth constant: each link then runs from the executor's own loop.
///
/// Cancellation (where the standard library has <stop_token>, i.e. where
/// `__cpp_lib_jthread` is defined). `async_wait(stop_token)` yields nullptr
/// (false for void) if stop is requested before the value comes. The
/// cancelled waiter is unlinked from the cell at once, so it holds nothing
/// of the cell's afterwards, and it is resumed exactly once even when
/// request_stop() and set() race: whichever takes the waiter off the cell's
/// list first decides the result. Without an executor the cancelled waiter
/// resumes inline, inside request_stop(), on the thread that called it. With
/// an executor, a cancellation goes through the executor too (called from
/// inside request_stop()), so a coroutine that chose an executor only ever
/// resumes where the executor puts it. If stop was requested before the
/// co_await, the waiter does not suspend and yields nullptr, unless the cell
/// is set, in which case the value wins.
///
/// Concurrent set() calls. Exactly one stores its value. A set() or emplace()
/// that arrives while another is still constructing the value sleeps until
/// that one finishes: then it returns false (and its argument was not moved
/// from), or, if the other's constructor threw, it goes on to store its own.
/// So a false return always means the cell holds a value. A constructor that
/// throws leaves the cell empty, its waiters still waiting (none is released
/// without a value), and the exception goes to its caller. A set() from inside
/// the value's own constructor on the same cell throws recursive_init_error
/// (so does wait()), where it would otherwise deadlock.
///
/// Timed waits never return nullptr before the deadline (steady_clock and
/// system_clock deadlines are slept on by the kernel; other clocks are re-read
/// after each wake-up) and return promptly once the value is set. A timed
/// waiter whose deadline passes just as a set() takes the list of waiters
/// belongs to that set(): it returns the value, as soon as set() reaches it.
///
/// Unsafe concurrently, and preconditions:
///  * destroying the cell while any waiter is still pending: a coroutine that
///    is suspended on it, a thread blocked on it, or a waiter that set() has
///    released but not yet resumed (a coroutine resumed inline by set() may
///    destroy the cell only if no other waiter of that set() is still to
///    come). Destroying a cell with queued waiters asserts in debug builds;
///  * destroying it while a set() or emplace() runs (also asserted);
///  * letting the cell go away before a co_await on it has finished.
///
/// No allocation: each waiter's list node lives in its awaiter (in the
/// coroutine frame) or on the waiting thread's stack. A set() with nobody
/// waiting makes no system call: two atomic read-modify-writes (one for
/// SetOnce<void>). `sizeof(SetOnce<void>) == sizeof(void*)`;
/// `sizeof(SetOnce<int>) == 2 * sizeof(void*)`. `constinit` works. Neither
/// copyable nor movable: waiters hold its address.
template <class T>
class SetOnce {
  static_assert(detail::ValueRules<T>::kChecked);  // each rule reports itself (detail/value_rules.hpp)

 public:
  using value_type = T;

  /// Empty.
  constexpr SetOnce() noexcept = default;
  SetOnce(const SetOnce&) = delete;
  SetOnce& operator=(const SetOnce&) = delete;

  /// Destroys the value, if any. No waiter may still be pending (asserted
  /// in debug builds for queued waiters).
  ~SetOnce() {
    state_.assert_unused();
    if (state_.is_set()) detail::destroy_value(storage_);
  }

  /// Stores `value` if the cell is empty and releases every waiter. Returns
  /// true if this call stored it; on false, `value` was not moved from.
  template <class U = T>
  requires std::constructible_from<T, U>
  bool set(U&& value) {
    if (has_value()) return false;
    auto construct = [&] { detail::construct_value(storage_, std::forward<U>(value)); };
    return state_.set_with(construct);
  }

  /// Constructs the value from `args` if the cell is empty and releases every
  /// waiter. Returns true if this call constructed it; the arguments are not
  /// touched otherwise.
  template <class... Args>
  requires std::constructible_from<T, Args...>
  bool emplace(Args&&... args) {
    if (has_value()) return false;
    auto construct = [&] { detail::construct_value(storage_, std::forward<Args>(args)...); };
    return state_.set_with(construct);
  }

  /// Whether the value is there.
  [[nodiscard]] ONCE_ALWAYS_INLINE bool has_value() const noexcept { return state_.is_set(); }

  /// The value, or nullptr while the cell is empty.
  [[nodiscard]] ONCE_ALWAYS_INLINE T* get() noexcept { return has_value() ? value_ptr() : nullptr; }
  [[nodiscard]] ONCE_ALWAYS_INLINE const T* get() const noexcept { return has_value() ? value_ptr() : nullptr; }

  /// `co_await cell`: the value; suspends until it is set, then resumes
  /// inline on the setting thread.
  auto operator co_await() & noexcept { return detail::SetOnceAwaiter<T, detail::ResumeInline>(state_, ref(), {}); }
  void operator co_await() && = delete;  // nobody else could set a temporary

  /// `co_await cell.async_wait(executor)`: the value; suspends until it is
  /// set, then resumes through `executor(std::coroutine_handle<>)`.
  template <detail::set_once_executor Executor>
  auto async_wait(Executor executor) noexcept(std::is_nothrow_move_constructible_v<Executor>) {
    return detail::SetOnceAwaiter<T, Executor>(state_, ref(), std::move(executor));
  }

#if defined(__cpp_lib_jthread)
  /// `co_await cell.async_wait(token)`: a pointer to the value, or nullptr if
  /// stop was requested first (the waiter then resumes inside request_stop()).
  auto async_wait(std::stop_token token) noexcept {
    return detail::StoppableSetOnceAwaiter<T, detail::ResumeInline>(state_, ref(), {}, std::move(token));
  }

  /// As async_wait(token), resumed through `executor` whichever way it ends.
  template <detail::set_once_executor Executor>
  auto async_wait(Executor executor, std::stop_token token) noexcept(std::is_nothrow_move_constructible_v<Executor>) {
    return detail::StoppableSetOnceAwaiter<T, Executor>(state_, ref(), std::move(executor), std::move(token));
  }
#endif

  /// Blocks the calling thread until the value is set, then returns it.
  T& wait() {
    if (!has_value()) state_.wait();
    return *value_ptr();
  }

  /// As wait(), giving up after `timeout` (measured on steady_clock): returns
  /// nullptr then, never before the time has passed.
  template <class Rep, class Period>
  T* wait_for(const std::chrono::duration<Rep, Period>& timeout) {
    if (has_value()) return value_ptr();
    return state_.wait_until(detail::deadline_after(timeout)) ? value_ptr() : nullptr;
  }

  /// As wait(), giving up once `deadline` has passed on `Clock`: returns
  /// nullptr then, never before.
  template <class Clock, class Duration>
  T* wait_until(const std::chrono::time_point<Clock, Duration>& deadline) {
    if (has_value()) return value_ptr();
    const bool set = detail::until(deadline, [this](const detail::Deadline& d) { return state_.wait_until(d); });
    return set ? value_ptr() : nullptr;
  }

 private:
  T* value_ptr() const noexcept { return detail::value_address(storage_); }
  detail::ValueRef<T> ref() const noexcept { return {value_ptr()}; }

  detail::SetOnceState state_;
  detail::Storage<T> storage_;
};

/// A one-shot event: SetOnce without a value. See SetOnce<T> for the
/// contract; here set() takes no argument, waits yield nothing (void), and
/// timed and stoppable waits yield bool (true: set).
template <>
class SetOnce<void> {
 public:
  using value_type = void;

  constexpr SetOnce() noexcept = default;
  SetOnce(const SetOnce&) = delete;
  SetOnce& operator=(const SetOnce&) = delete;
  ~SetOnce() { state_.assert_unused(); }

  /// Sets the event and releases every waiter. True if this call set it.
  bool set() noexcept { return !has_value() && state_.publish(); }

  [[nodiscard]] ONCE_ALWAYS_INLINE bool has_value() const noexcept { return state_.is_set(); }

  auto operator co_await() & noexcept { return detail::SetOnceAwaiter<void, detail::ResumeInline>(state_, {}, {}); }
  void operator co_await() && = delete;

  template <detail::set_once_executor Executor>
  auto async_wait(Executor executor) noexcept(std::is_nothrow_move_constructible_v<Executor>) {
    return detail::SetOnceAwaiter<void, Executor>(state_, {}, std::move(executor));
  }

#if defined(__cpp_lib_jthread)
  auto async_wait(std::stop_token token) noexcept {
    return detail::StoppableSetOnceAwaiter<void, detail::ResumeInline>(state_, {}, {}, std::move(token));
  }

  template <detail::set_once_executor Executor>
  auto async_wait(Executor executor, std::stop_token token) noexcept(std::is_nothrow_move_constructible_v<Executor>) {
    return detail::StoppableSetOnceAwaiter<void, Executor>(state_, {}, std::move(executor), std::move(token));
  }
#endif

  void wait() {
    if (!has_value()) state_.wait();
  }

  template <class Rep, class Period>
  bool wait_for(const std::chrono::duration<Rep, Period>& timeout) {
    return has_value() || state_.wait_until(detail::deadline_after(timeout));
  }

  template <class Clock, class Duration>
  bool wait_until(const std::chrono::time_point<Clock, Duration>& deadline) {
    return has_value() || detail::until(deadline, [this](const detail::Deadline& d) { return state_.wait_until(d); });
  }

 private:
  detail::SetOnceState state_;
};

// ====================== End of public interface ======================

static_assert(sizeof(SetOnce<void>) == sizeof(void*), "SetOnce<void> is its state word");
static_assert(sizeof(SetOnce<int>) == 2 * sizeof(void*), "SetOnce<int> is its state word and the int, padded");

ONCE_NAMESPACE_END
