// OnceLock<T>: a value set at most once, then read by any number of threads.
// SPDX-License-Identifier: MIT
#pragma once

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
/// - has_value(), get() (nullptr while empty): one acquire load.
/// - get_or_init(f): the value, first constructed from f() if empty (a
///   prvalue in place: T may be immovable). get_or_try_init(f): f returns an
///   optional-like; an empty one leaves the cell empty and gives nullptr.
/// - set(value): true if this call stored it; on false `value` was not moved
///   from. try_emplace(args...): {the value, whether this call made it}.
/// - take(), reset(): empty the cell again. Copy and move: as std::optional.
/// - wait(), wait_for(d), wait_until(tp), wait(stop_token): block until
///   another thread sets the cell (T*: nullptr on timeout or stop). d and
///   tp are std::chrono types: the caller includes <chrono>, this header does not.
/// - Exactly one initializer runs at a time; the others sleep until it ends,
///   then see the whole value (completion is a release, every read an
///   acquire). set and try_emplace wait for a running initializer, then
///   report that they did not store.
/// - An initializer that throws leaves the cell empty; the exception goes to
///   its caller and one sleeping thread runs its own. Never poisoned.
/// - An initializer that reaches back into its own cell, directly or through
///   a cycle of cells on this thread, gets recursive_init_error. A cycle
///   across threads deadlocks, as with function-local statics.
/// - take(), reset(), assignment and destruction need exclusive access.
/// - A child forked while another thread runs the initializer is not
///   recovered: there the cell reads as empty, timed waits time out, and the
///   other calls block for good (docs/design.md, "fork()").
/// - sizeof(OnceLock<int>) == 8; trivially destructible when T is;
///   `constinit` works for the default and in-place constructors.
template <class Value>
class OnceLock : private detail::Cell<detail::checked_value_t<Value>, detail::OnceState> {
  using Base = detail::Cell<detail::checked_value_t<Value>, detail::OnceState>;
  using T = detail::checked_value_t<Value>;  // Value, or a stand-in once a broken rule has reported itself

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

  /// Blocks until some thread sets the cell. From inside the cell's own
  /// initializer: recursive_init_error.
  T& wait() { return *wait_impl(); }
  const T& wait() const { return *wait_impl(); }

  /// As wait(), or nullptr if a stop is requested on `token` first: a
  /// std::stop_token, or any type with stop_requested(), stop_possible(), callback_type<F>.
  template <detail::stop_token_like Token>
  T* wait(const Token& token) {
    return wait_impl(token);
  }
  template <detail::stop_token_like Token>
  const T* wait(const Token& token) const {
    return wait_impl(token);
  }

  /// As wait(), or nullptr once `timeout` has passed on steady_clock, never before.
  template <detail::duration_like Duration>
  T* wait_for(const Duration& timeout) {
    return wait_for_impl(timeout);
  }
  template <detail::duration_like Duration>
  const T* wait_for(const Duration& timeout) const {
    return wait_for_impl(timeout);
  }

  /// As wait(), or nullptr once `deadline` has passed on its clock, never before.
  template <detail::time_point_like TimePoint>
  T* wait_until(const TimePoint& deadline) {
    return wait_until_impl(deadline);
  }
  template <detail::time_point_like TimePoint>
  const T* wait_until(const TimePoint& deadline) const {
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

  template <detail::duration_like Duration>
  T* wait_for_impl(const Duration& timeout) const {
    if (has_value()) return this->value_ptr();
    return this->state_.wait_until(detail::deadline_after(timeout)) ? this->value_ptr() : nullptr;
  }

  template <detail::time_point_like TimePoint>
  T* wait_until_impl(const TimePoint& deadline) const {
    if (has_value()) return this->value_ptr();
    const bool complete =
        detail::until(deadline, [this](const detail::Deadline& d) { return this->state_.wait_until(d); });
    return complete ? this->value_ptr() : nullptr;
  }
};

static_assert(sizeof(OnceLock<int>) == 8, "OnceLock<int> is a 4-byte state word and the int");

ONCE_NAMESPACE_END
