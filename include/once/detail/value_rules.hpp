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

/// The rules for T in OnceCell, OnceLock, LazyCell, LazyLock and SetOnce, one
/// static_assert each. A function, not a class: Clang treats a class whose
/// static_assert failed as invalid, and every later use of it as one more error.
template <class T>
consteval bool check_value_rules() {
  constexpr bool kReference = std::is_reference_v<T>;
  constexpr bool kVoid = std::is_void_v<T>;
  constexpr bool kArray = std::is_array_v<T>;
  constexpr bool kFunction = std::is_function_v<T>;
  constexpr bool kTag =
      std::is_same_v<std::remove_cv_t<T>, std::in_place_t> || std::is_same_v<std::remove_cv_t<T>, std::nullopt_t>;
  static_assert(!kReference,
                "once: T cannot be a reference: a once type holds an object; "
                "hold a pointer (OnceLock<U*>) or a std::reference_wrapper<U> instead");
  static_assert(!kVoid,
                "once: T cannot be void: for code that runs once, use once::OnceFlag with once::call_once "
                "(<once/call_once.hpp>); for a one-shot event, once::SetOnce<void>");
  static_assert(!kArray, "once: T cannot be a C array: hold a std::array<U, N> instead");
  static_assert(!kFunction, "once: T cannot be a function type: hold a function pointer (U(*)()) instead");
  static_assert(!kTag, "once: T cannot be std::in_place_t or std::nullopt_t: they are the types' own tags");
  if constexpr (!kReference && !kVoid && !kArray && !kFunction && !kTag) {
    static_assert(std::is_destructible_v<T>, "once: T must be destructible (and complete)");
    return std::is_destructible_v<T>;
  } else {
    return false;
  }
}

/// T, once it has passed the rules (the default argument runs them, from the
/// public type's base clause, before anything else of the type); RejectedValue
/// if it broke one.
template <class T, bool kAllowed = check_value_rules<T>()>
struct CheckedValue {
  using type = std::conditional_t<kAllowed, T, RejectedValue>;
};
template <class T>
using checked_value_t = typename CheckedValue<T>::type;

/// The rules for T in OnceShared<T>, which holds a std::shared_ptr<T>: T may
/// be incomplete where the slot is declared, so nothing here needs it complete.
template <class T>
consteval bool check_pointee_rules() {
  static_assert(!std::is_reference_v<T>,
                "once: OnceShared<T> cannot take a reference type: OnceShared<U> already hands out U* and U&");
  static_assert(!std::is_void_v<T>,
                "once: OnceShared<void> is not supported, since get_or_init returns T&: use a concrete T; for code "
                "that runs once, once::OnceFlag with once::call_once (<once/call_once.hpp>)");
  static_assert(!std::is_array_v<T>, "once: OnceShared<T> cannot hold a C array: hold a std::array<U, N> instead");
  static_assert(!std::is_function_v<T>, "once: OnceShared<T> cannot hold a function type");
  return !std::is_reference_v<T> && !std::is_void_v<T> && !std::is_array_v<T> && !std::is_function_v<T>;
}

/// T, once it has passed those rules; RejectedValue if it broke one.
template <class T, bool kAllowed = check_pointee_rules<T>()>
struct CheckedPointee {
  using type = std::conditional_t<kAllowed, T, RejectedValue>;
};
template <class T>
using checked_pointee_t = typename CheckedPointee<T>::type;

}  // namespace detail
ONCE_NAMESPACE_END
