// once: initialize-once primitives for C++20.
// SPDX-License-Identifier: MIT
//
// Manual-lifetime storage for a T: room for the value, constructed and
// destroyed by the owning cell according to its state word.
#pragma once

#include <memory>
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
  ~Storage() {}  // the owner destroys value_ when its state says there is one

  NoValue none_;
  T value_;
};

}  // namespace detail
ONCE_NAMESPACE_END
