// LazyCell<T, F>: a value computed by F on first access, for one thread at a time.
// SPDX-License-Identifier: MIT
#pragma once

#include <concepts>
#include <type_traits>
#include <utility>

#include "detail/config.hpp"
#include "detail/lazy.hpp"
#include "errors.hpp"
#include "once_cell.hpp"

ONCE_NAMESPACE_BEGIN

/// A value computed by `F` on first access, for use by one thread at a time:
/// the single-threaded LazyLock, with no atomics.
///
///     LazyCell digits = [] { return std::string("0123456789"); };
///     digits->size();   // computes it here
///
/// - `*lazy`, `lazy->`, `lazy.force()` compute the value if needed and give
///   `T&`, or `const T&` on a const LazyCell; `get()` and `has_value()` never
///   compute.
/// - If `F` throws, the LazyCell stays empty and the next access calls `F`
///   again; `F` touching its own LazyCell throws recursive_init_error.
/// - No default constructor; neither copyable nor movable. An empty `F` takes
///   no room; trivially destructible when T and F are; `constinit` works.
template <class T, class F = T (*)()>
class LazyCell : private detail::Lazy<detail::checked_value_t<T>, F, OnceCell<detail::checked_value_t<T>>> {
  using Base = detail::Lazy<detail::checked_value_t<T>, F, OnceCell<detail::checked_value_t<T>>>;

 public:
  using value_type = T;

  /// Not explicit (`LazyCell x = [] { ... };`); anything that converts to F,
  /// such as a captureless lambda for the default function pointer.
  template <class G = F>
  requires std::convertible_to<G, F>
  constexpr LazyCell(G&& init) noexcept(std::is_nothrow_constructible_v<F, G>) : Base(std::forward<G>(init)) {}

  /// Not a constructor: turns a function that does not convert to F into one
  /// error that says why, instead of "conversion to non-scalar type requested".
  template <class G>
  requires(!std::convertible_to<G, F> && std::is_invocable_v<G&> && std::is_default_constructible_v<F>) LazyCell(G&&)
      : Base(F()) {
    static_assert(detail::initializer_for<G&, T>,
                  "once: the function of a LazyCell<T> must return something T can be constructed from");
    static_assert(!detail::initializer_for<G&, T> || std::convertible_to<G, F>,
                  "once: LazyCell<T> stores a plain function pointer, T(*)(), and this function (a lambda with "
                  "captures, or another function object) does not convert to one: let class template argument "
                  "deduction pick its type, `LazyCell x = [&] { ... };`, or name it, LazyCell<T, decltype(f)>");
  }

  LazyCell(const LazyCell&) = delete;
  LazyCell& operator=(const LazyCell&) = delete;

  using Base::force;
  using Base::get;
  using Base::has_value;
  using Base::operator*;
  using Base::operator->;
};

template <class F>
LazyCell(F) -> LazyCell<std::remove_cvref_t<detail::call_result_t<F&>>, F>;

ONCE_NAMESPACE_END
