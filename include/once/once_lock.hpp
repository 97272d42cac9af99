// once: initialize-once primitives for C++20.
// SPDX-License-Identifier: MIT
#pragma once

#include <chrono>

#include "detail/cell.hpp"
#include "detail/config.hpp"
#include "detail/deadline.hpp"
#include "detail/once_state.hpp"
#include "detail/stop_wait.hpp"
#include "detail/value_rules.hpp"
#include "detail/wait.hpp"
#include "errors.hpp"

ONCE_NAMESPACE_BEGIN

/// A value that is set at most once and then read by any number of threads.
///
///     mutable OnceLock<Index> index_;   // in a class: built on first use
///     const Index& index() const { return index_.get_or_init([&] { return build_index(rows_); }); }
///
/// Members shared with OnceCell (see detail/cell.hpp for each one's contract):
///   has_value(), get()                     one acquire load; get() is nullptr while empty
///   get_or_init(f), get_or_try_init(f)     the value, made by f() if empty
///   set(value), try_emplace(args...)       store if empty
///   take(), reset()                        empty it again (exclusive access only)
///   copy and move                          as std::optional (exclusive access only)
/// and its own blocking waits for a value some other thread sets:
///   wait(), wait_for(duration), wait_until(time_point)
///   wait(stop_token)                      T*, nullptr if stop was requested first
///
/// Concurrency. When several threads find the cell empty, exactly one runs
/// its initializer; the others sleep (no spinning) until it finishes. All of
/// them then see the whole value: completing the cell is a release that every
/// read's acquire load pairs with. `set` and `try_emplace` also wait for an
/// initializer that is running, then report that they did not store.
///
/// Failure. An initializer that throws leaves the cell empty, the exception
/// goes to its caller, and one of the sleeping threads runs its own
/// initializer in turn. The cell is never poisoned.
///
/// Reentrancy. An initializer that reaches back into its own cell, directly
/// or through a cycle of cells on the same thread, gets recursive_init_error
/// where it would otherwise deadlock. A cycle that spans threads (thread 1
/// initializes A and needs B while thread 2 initializes B and needs A) is a
/// deadlock, as with function-local statics.
///
/// Unsafe concurrently: take(), reset(), assignment and destruction need the
/// cell to themselves.
///
/// fork(). A child forked while another thread runs the cell's initializer
/// gets the cell mid-initialization without the thread that would finish it,
/// and nothing recovers it: there the cell reads as empty, timed waits time
/// out, and get_or_init, set, try_emplace and wait() block for good. (POSIX
/// allows such a child only async-signal-safe calls until it execs; see
/// docs/design.md, "fork() during an initialization".)
///
/// `sizeof(OnceLock<int>) == 8`; trivially destructible when T is; `constinit`
/// works for the default and in-place constructors.
template <class T>
class OnceLock : private detail::Cell<detail::checked_value_t<T>, detail::OnceState> {
  using Base = detail::Cell<detail::checked_value_t<T>, detail::OnceState>;

 public:
  using typename Base::value_type;

  constexpr OnceLock() noexcept = default;
  using Base::Base;  // explicit OnceLock(std::in_place_t, Args&&...)

  using Base::get;
  using Base::get_or_init;
  using Base::get_or_try_init;
  using Base::has_value;
  using Base::reset;
  using Base::set;
  using Base::take;
  using Base::try_emplace;

  /// Blocks until some thread sets the cell, then returns the value. Throws
  /// recursive_init_error if called from the cell's own initializer.
  T& wait() { return *wait_impl(); }
  const T& wait() const { return *wait_impl(); }

  /// As wait(), until the value comes (returned) or a stop is requested on
  /// `token` first (nullptr); a request wakes the waiter at once. The value
  /// wins when both happened. A std::stop_token works wherever <stop_token>
  /// does (not on libc++ 14); other token types: detail/stop_wait.hpp.
  template <detail::stop_token_like Token>
  T* wait(const Token& token) {
    return wait_impl(token);
  }
  template <detail::stop_token_like Token>
  const T* wait(const Token& token) const {
    return wait_impl(token);
  }

  /// As wait(), giving up after `timeout` (measured on steady_clock): returns
  /// nullptr then. Never returns nullptr before the time has passed.
  template <class Rep, class Period>
  T* wait_for(const std::chrono::duration<Rep, Period>& timeout) {
    return wait_for_impl(timeout);
  }
  template <class Rep, class Period>
  const T* wait_for(const std::chrono::duration<Rep, Period>& timeout) const {
    return wait_for_impl(timeout);
  }

  /// As wait(), giving up once `deadline` has passed on `Clock`: returns
  /// nullptr then. steady_clock and system_clock deadlines are slept on by
  /// the kernel directly; other clocks are re-read after each wake-up.
  template <class Clock, class Duration>
  T* wait_until(const std::chrono::time_point<Clock, Duration>& deadline) {
    return wait_until_impl(deadline);
  }
  template <class Clock, class Duration>
  const T* wait_until(const std::chrono::time_point<Clock, Duration>& deadline) const {
    return wait_until_impl(deadline);
  }

 private:
  T* wait_impl() const {
    if (!has_value()) this->state_.wait();
    return this->value_ptr();
  }

  template <class Token>
  T* wait_impl(const Token& token) const {
    if (has_value()) return this->value_ptr();
    return detail::wait_unless_stopped(this->state_, token) ? this->value_ptr() : nullptr;
  }

  template <class Rep, class Period>
  T* wait_for_impl(const std::chrono::duration<Rep, Period>& timeout) const {
    if (has_value()) return this->value_ptr();
    return this->state_.wait_until(detail::deadline_after(timeout)) ? this->value_ptr() : nullptr;
  }

  template <class Clock, class Duration>
  T* wait_until_impl(const std::chrono::time_point<Clock, Duration>& deadline) const {
    if (has_value()) return this->value_ptr();
    const bool complete =
        detail::until(deadline, [this](const detail::Deadline& d) { return this->state_.wait_until(d); });
    return complete ? this->value_ptr() : nullptr;
  }
};

static_assert(sizeof(OnceLock<int>) == 8, "OnceLock<int> is a 4-byte state word and the int");

ONCE_NAMESPACE_END
