// OnceCell<T>: a value set at most once, for one thread at a time.
// SPDX-License-Identifier: MIT
#pragma once

#include "detail/cell.hpp"
#include "detail/config.hpp"
#include "detail/once_state.hpp"
#include "detail/value_rules.hpp"
#include "errors.hpp"

ONCE_NAMESPACE_BEGIN

/// A value that is set at most once, for use by one thread at a time: the
/// single-threaded OnceLock, with no atomics at all.
///
///     class Parser {
///       OnceCell<Grammar> grammar_;
///      public:
///       const Grammar& grammar() { return grammar_.get_or_init(build_grammar); }
///     };
///
/// - OnceLock's members without the waits, with the same contracts:
///   has_value(), get(), get_or_init(f), get_or_try_init(f), set(value),
///   try_emplace(args...), take(), reset(); copy and move as std::optional.
/// - An initializer that throws leaves the cell empty; the next call runs its
///   own. One that reaches back into its own cell gets recursive_init_error.
/// - Not thread-safe: share a OnceLock between threads. The same size as
///   OnceLock<T>; trivially destructible when T is; `constinit` works.
template <class T>
class OnceCell : private detail::Cell<detail::checked_value_t<T>, detail::LocalOnceState> {
  using Base = detail::Cell<detail::checked_value_t<T>, detail::LocalOnceState>;

 public:
  using typename Base::value_type;

  constexpr OnceCell() noexcept = default;
  using Base::Base;  // explicit OnceCell(std::in_place_t, Args&&...)

  using Base::get;
  using Base::get_or_init;
  using Base::get_or_try_init;
  using Base::has_value;
  using Base::reset;
  using Base::set;
  using Base::take;
  using Base::try_emplace;
};

ONCE_NAMESPACE_END
