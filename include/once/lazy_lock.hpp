// LazyLock<T, F>: a value computed by F on first access, from any number of threads.
// SPDX-License-Identifier: MIT
#pragma once

#include <concepts>
#include <type_traits>
#include <utility>

#include "detail/config.hpp"
#include "detail/lazy.hpp"
#include "errors.hpp"
#include "once_lock.hpp"

ONCE_NAMESPACE_BEGIN

/// A value computed by `F` on first access, from any number of threads: the
/// lazily built global, with a read path as cheap as a function-local static.
///
///     constinit LazyLock registry = [] { return Registry::load("plugins.d"); };
///     registry->find("png");   // the first access loads it; all others read it
///
/// - `*lazy`, `lazy->`, `lazy.force()` compute the value if needed (one thread
///   runs `F`, concurrent ones sleep until it is done) and give `T&`, or
///   `const T&` on a const LazyLock. `get()` and `has_value()` never compute.
/// - If `F` throws, the LazyLock stays empty and the next access calls `F`
///   again. `F` touching its own LazyLock throws recursive_init_error.
/// - Ordering and concurrency as OnceLock's: a LazyLock is a OnceLock and its `F`.
/// - An empty `F` takes no room: sizeof(LazyLock<int, captureless lambda>) == 8.
///   No default constructor; neither copyable nor movable; trivially
///   destructible when T and F are; `constinit` works.
template <class T, class F = T (*)()>
class LazyLock : private detail::Lazy<detail::checked_value_t<T>, F, OnceLock<detail::checked_value_t<T>>> {
  using Base = detail::Lazy<detail::checked_value_t<T>, F, OnceLock<detail::checked_value_t<T>>>;

 public:
  using value_type = T;

  /// Not explicit (`constinit LazyLock x = [] { ... };`); anything that converts to F,
  /// such as a captureless lambda for the default function pointer.
  template <class G = F>
  requires std::convertible_to<G, F>
  constexpr LazyLock(G&& init) noexcept(std::is_nothrow_constructible_v<F, G>) : Base(std::forward<G>(init)) {}

  /// Not a constructor: turns a function that does not convert to F into one
  /// error that says why, instead of "conversion to non-scalar type requested".
  template <class G>
  requires(!std::convertible_to<G, F> && std::is_invocable_v<G&> && std::is_default_constructible_v<F>) LazyLock(G&&)
      : Base(F()) {
    static_assert(detail::initializer_for<G&, T>,
                  "once: the function of a LazyLock<T> must return something T can be constructed from");
    static_assert(!detail::initializer_for<G&, T> || std::convertible_to<G, F>,
                  "once: LazyLock<T> stores a plain function pointer, T(*)(), and this function (a lambda with "
                  "captures, or another function object) does not convert to one: let class template argument "
                  "deduction pick its type, `LazyLock x = [&] { ... };`, or name it, LazyLock<T, decltype(f)>");
  }

  LazyLock(const LazyLock&) = delete;
  LazyLock& operator=(const LazyLock&) = delete;

  using Base::force;
  using Base::get;
  using Base::has_value;
  using Base::operator*;
  using Base::operator->;
};

template <class F>
LazyLock(F) -> LazyLock<std::remove_cvref_t<detail::call_result_t<F&>>, F>;

ONCE_NAMESPACE_END
