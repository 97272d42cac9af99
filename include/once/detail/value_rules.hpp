// What the library's types can hold, checked where a misuse meets it first.
// SPDX-License-Identifier: MIT
//
// Each rule is a static_assert with its own message, so that `OnceLock<int&>`
// is one error that says what to write instead, not a cascade from deep
// inside the storage.
#pragma once

#include <optional>
#include <type_traits>
#include <utility>

#include "config.hpp"

ONCE_NAMESPACE_BEGIN
namespace detail {

/// Stands in for a T that broke a rule, so that the rest of the type still
/// instantiates and the rule's message stays the only error.
struct RejectedValue {};

/// The rules for T in OnceCell, OnceLock, LazyCell, LazyLock and SetOnce.
/// Instantiated from the public type's base clause, before anything else of
/// the type is: `type` is T if T is allowed, RejectedValue if not. Exactly one
/// static_assert fails for a T that breaks a rule.
template <class T>
struct ValueRules {
  static constexpr bool kReference = std::is_reference_v<T>;
  static constexpr bool kVoid = std::is_void_v<T>;
  static constexpr bool kArray = std::is_array_v<T>;
  static constexpr bool kFunction = std::is_function_v<T>;
  static constexpr bool kTag =
      std::is_same_v<std::remove_cv_t<T>, std::in_place_t> || std::is_same_v<std::remove_cv_t<T>, std::nullopt_t>;
  static constexpr bool kNamedRule = kReference || kVoid || kArray || kFunction || kTag;

  static_assert(!kReference,
                "once: T cannot be a reference: a once type holds an object; "
                "hold a pointer (OnceLock<U*>) or a std::reference_wrapper<U> instead");
  static_assert(!kVoid,
                "once: T cannot be void: for code that runs once, use once::OnceFlag with once::call_once "
                "(<once/call_once.hpp>); for a one-shot event, once::SetOnce<void>");
  static_assert(!kArray, "once: T cannot be a C array: hold a std::array<U, N> instead");
  static_assert(!kFunction, "once: T cannot be a function type: hold a function pointer (U(*)()) instead");
  static_assert(!kTag, "once: T cannot be std::in_place_t or std::nullopt_t: they are the types' own tags");
  static_assert(kNamedRule || std::is_destructible_v<T>, "once: T must be destructible (and complete)");

  using type = std::conditional_t<kNamedRule || !std::is_destructible_v<T>, RejectedValue, T>;
  /// For a type with no base to check T in: `static_assert(ValueRules<T>::kChecked);`
  /// instantiates the rules (the failing one reports) and adds no error of its own.
  static constexpr bool kChecked = true;
};

/// The rules for T in OnceShared<T>, which holds a std::shared_ptr<T>: T may
/// be incomplete where the slot is declared, so nothing here needs it complete.
template <class T>
struct PointeeRules {
  static_assert(!std::is_reference_v<T>,
                "once: OnceShared<T> cannot take a reference type: OnceShared<U> already hands out U* and U&");
  static_assert(!std::is_void_v<T>,
                "once: OnceShared<void> is not supported, since get_or_init returns T&: use a concrete T; for code "
                "that runs once, once::OnceFlag with once::call_once (<once/call_once.hpp>)");
  static_assert(!std::is_array_v<T>, "once: OnceShared<T> cannot hold a C array: hold a std::array<U, N> instead");
  static_assert(!std::is_function_v<T>, "once: OnceShared<T> cannot hold a function type");
  static constexpr bool kChecked = true;
};

/// T, once it has passed ValueRules; RejectedValue otherwise.
template <class T>
using checked_value_t = typename ValueRules<T>::type;

}  // namespace detail
ONCE_NAMESPACE_END
