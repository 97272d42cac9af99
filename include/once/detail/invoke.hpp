// once: initialize-once primitives for C++20.
// SPDX-License-Identifier: MIT
//
// INVOKE (std::invoke's rules) without <functional>, which costs more to
// compile than the rest of call_once.hpp: callables, pointers to member
// functions and to data members, on an object, a pointer (or anything
// dereferenceable) or a std::reference_wrapper.
#pragma once

#include <type_traits>
#include <utility>

#include "config.hpp"

ONCE_NAMESPACE_BEGIN
namespace detail {

/// std::reference_wrapper<U>, recognised by its shape (a one-parameter
/// template with `type` = U and `U& get()`), so <functional> is not needed.
template <class T>
inline constexpr bool kIsReferenceWrapper = false;

template <template <class> class Wrapper, class U>
requires requires(const Wrapper<U>& wrapper) {
  requires std::is_same_v<typename Wrapper<U>::type, U>;
  requires std::is_same_v<decltype(wrapper.get()), U&>;
}
inline constexpr bool kIsReferenceWrapper<Wrapper<U>> = true;

/// The object a pointer to a member of `Class` applies to, given `t1`.
template <class Class, class T1>
constexpr decltype(auto) member_target(T1&& t1) noexcept {
  using Object = std::remove_cvref_t<T1>;
  if constexpr (std::is_base_of_v<Class, Object>) {
    return std::forward<T1>(t1);
  } else if constexpr (kIsReferenceWrapper<Object>) {
    return t1.get();
  } else {
    return *std::forward<T1>(t1);
  }
}

template <class F, class... Args>
constexpr decltype(auto) invoke(F&& f, Args&&... args) {
  using Callable = std::remove_cvref_t<F>;
  if constexpr (std::is_member_function_pointer_v<Callable>) {
    return [&]<class Class, class Member, class T1, class... Rest>(Member Class::*pointer, T1&& t1,
                                                                   Rest&&... rest) -> decltype(auto) {
      return (member_target<Class>(std::forward<T1>(t1)).*pointer)(std::forward<Rest>(rest)...);
    }(f, std::forward<Args>(args)...);
  } else if constexpr (std::is_member_object_pointer_v<Callable>) {
    return [&]<class Class, class Member, class T1>(Member Class::*pointer, T1&& t1) -> decltype(auto) {
      return (member_target<Class>(std::forward<T1>(t1)).*pointer);
    }(f, std::forward<Args>(args)...);
  } else {
    return std::forward<F>(f)(std::forward<Args>(args)...);
  }
}

}  // namespace detail
ONCE_NAMESPACE_END
