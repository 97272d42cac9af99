// Storage<T>: room for a value whose lifetime the owning cell manages by its state word.
// SPDX-License-Identifier: MIT
#pragma once

#include <new>
#include <type_traits>
#include <utility>

#include "config.hpp"

ONCE_NAMESPACE_BEGIN
namespace detail {

/// The active member of an empty Storage. A union must have one for its
/// constexpr constructor to be a constant initializer on every compiler
/// (GCC 12 rejects `constinit` on a union left with no active member).
struct NoValue {};

/// Room for a T whose lifetime the owner manages. Trivially destructible when
/// T is, so that cells of such T are too; the two versions differ only in
/// the destructor (a `requires`-constrained destructor would say it in one,
/// but Clang 14 cannot make a destructor conditionally trivial that way).
template <class T, bool = std::is_trivially_destructible_v<T>>
union Storage {
  constexpr Storage() noexcept : none_() {}
  template <class... Args>
  constexpr explicit Storage(std::in_place_t, Args&&... args) : value_(std::forward<Args>(args)...) {}

  NoValue none_;
  T value_;
};

template <class T>
union Storage<T, false> {
  constexpr Storage() noexcept : none_() {}
  template <class... Args>
  constexpr explicit Storage(std::in_place_t, Args&&... args) : value_(std::forward<Args>(args)...) {}
  // The owner destroys value_ when its state says there is one (= default
  // would delete this destructor: value_ is not trivially destructible).
  ~Storage() {}  // NOLINT(modernize-use-equals-default)

  NoValue none_;
  T value_;
};

// The helpers below stand in for std::addressof, std::construct_at and
// std::destroy_at, so that the core headers need not include <memory>, which
// costs more to compile than the rest of the library put together.

/// The address of `object`, even if its type overloads unary operator&.
template <class T>
constexpr T* address_of(T& object) noexcept {
  return __builtin_addressof(object);
}

/// Where the value lives, whether or not it is there yet.
template <class T, bool Trivial>
constexpr T* value_address(const Storage<T, Trivial>& storage) noexcept {
  return const_cast<T*>(address_of(storage.value_));
}

/// Constructs the value from `args`.
template <class T, bool Trivial, class... Args>
T& construct_value(Storage<T, Trivial>& storage, Args&&... args) {
  return *::new (const_cast<void*>(static_cast<const volatile void*>(value_address(storage))))
      T(std::forward<Args>(args)...);
}

/// Constructs the value straight from `make()`: a prvalue result initializes
/// it in place (guaranteed copy elision), so even a type that can be neither
/// copied nor moved can be made this way.
template <class T, bool Trivial, class Make>
T& construct_value_from_call(Storage<T, Trivial>& storage, Make&& make) {
  return *::new (const_cast<void*>(static_cast<const volatile void*>(value_address(storage))))
      T(std::forward<Make>(make)());
}

template <class T, bool Trivial>
void destroy_value(Storage<T, Trivial>& storage) noexcept {
  value_address(storage)->~T();
}

}  // namespace detail
ONCE_NAMESPACE_END
