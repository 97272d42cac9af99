// Lazy<T, F, Cell>: the core of LazyCell and LazyLock, a cell and the function that fills it on first access.
// SPDX-License-Identifier: MIT
#pragma once

#include <type_traits>
#include <utility>

#include "cell.hpp"
#include "config.hpp"
#include "storage.hpp"
#include "value_rules.hpp"

ONCE_NAMESPACE_BEGIN
namespace detail {

template <class T, class F, class CellType>
class Lazy {
  static_assert(initializer_for<F&, T> || std::is_same_v<T, RejectedValue>,  // T reported already
                "once: the lazy value's function must be callable with no arguments and "
                "return something T can be constructed from");

 public:
  template <class G>
  constexpr explicit Lazy(G&& init) noexcept(std::is_nothrow_constructible_v<F, G>) : init_(std::forward<G>(init)) {}

  Lazy(const Lazy&) = delete;
  Lazy& operator=(const Lazy&) = delete;

  /// The value, computed by the function on first use.
  ONCE_ALWAYS_INLINE T& force() { return cell_.get_or_init(init_); }
  ONCE_ALWAYS_INLINE const T& force() const { return cell_.get_or_init(init_); }

  ONCE_ALWAYS_INLINE T& operator*() { return force(); }
  ONCE_ALWAYS_INLINE const T& operator*() const { return force(); }
  ONCE_ALWAYS_INLINE T* operator->() { return address_of(force()); }
  ONCE_ALWAYS_INLINE const T* operator->() const { return address_of(force()); }

  /// The value if it has been computed, else nullptr. Never computes it.
  [[nodiscard]] ONCE_ALWAYS_INLINE T* get() noexcept { return cell_.get(); }
  [[nodiscard]] ONCE_ALWAYS_INLINE const T* get() const noexcept { return cell_.get(); }
  [[nodiscard]] ONCE_ALWAYS_INLINE bool has_value() const noexcept { return cell_.has_value(); }

 private:
  // Mutable: computing the value on first access is not a logical change, so
  // a const lazy value can be dereferenced (and yields const T&).
  mutable CellType cell_;
  // Kept after use, so that when it throws the next access can call it again.
  // Takes no room when it has no state (a captureless lambda).
  [[no_unique_address]] mutable F init_;
};

}  // namespace detail
ONCE_NAMESPACE_END
