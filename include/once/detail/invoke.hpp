// detail::invoke: std::invoke without <functional>, for call_once.
// SPDX-License-Identifier: MIT
//
// Why: docs/design.md, "Compile time". The rules are short (the INVOKE of
// [func.require]):
//
//   invoke(f, args...)          f(args...)                for any other callable
//   invoke(pmf, obj, args...)   (obj.*pmf)(args...)       obj: a C, or derived from C
//                               (ref.get().*pmf)(...)     a std::reference_wrapper
//                               ((*ptr).*pmf)(...)        anything else: a pointer,
//                                                         a smart pointer
//   invoke(pmd, obj)            obj.*pmd, and the same three cases
//
// Validity, result type and noexcept are those of std::invoke, taken from
// <type_traits> (std::is_invocable, std::invoke_result, which the standard
// library computes without <functional>).
#pragma once

#include <type_traits>
#include <utility>
#include <version>  // the standard library's identity and release, nothing else

// std::reference_wrapper, from where the standard library defines it (as in
// chrono.hpp: internal headers on the releases checked, else <functional>).
#if defined(_GLIBCXX_RELEASE) && _GLIBCXX_RELEASE >= 11 && _GLIBCXX_RELEASE <= 14 && __has_include(<bits/refwrap.h>)
#include <bits/refwrap.h>
#elif defined(_LIBCPP_VERSION) && __has_include(<__functional/reference_wrapper.h>) && \
    ((_LIBCPP_VERSION >= 14000 && _LIBCPP_VERSION < 15000) || (_LIBCPP_VERSION >= 160000 && _LIBCPP_VERSION < 170000))
#include <__functional/reference_wrapper.h>
#else
#include <functional>
#endif

#include "config.hpp"

ONCE_NAMESPACE_BEGIN
namespace detail {

template <class T>
inline constexpr bool kIsReferenceWrapper = false;
template <class T>
inline constexpr bool kIsReferenceWrapper<std::reference_wrapper<T>> = true;

template <class MemberPointer>
struct MemberClass;
template <class M, class C>
struct MemberClass<M C::*> {
  using type = C;
};

/// The object a pointer to a member of C applies to, given the first argument.
template <class C, class T>
constexpr decltype(auto) member_object(T&& t) {
  using U = std::remove_cvref_t<T>;
  if constexpr (std::is_same_v<C, U> || std::is_base_of_v<C, U>) {
    return std::forward<T>(t);
  } else if constexpr (kIsReferenceWrapper<U>) {
    return t.get();
  } else {
    return *std::forward<T>(t);
  }
}

template <class Member, class T, class... Rest>
constexpr decltype(auto) invoke_member(Member member, T&& t, Rest&&... rest) {
  auto&& object = member_object<typename MemberClass<Member>::type>(std::forward<T>(t));
  if constexpr (std::is_member_function_pointer_v<Member>) {
    return (std::forward<decltype(object)>(object).*member)(std::forward<Rest>(rest)...);
  } else {
    static_assert(sizeof...(Rest) == 0);
    return std::forward<decltype(object)>(object).*member;
  }
}

template <class F, class... Args>
requires std::is_invocable_v<F, Args...>
constexpr std::invoke_result_t<F, Args...> invoke(F&& f,
                                                  Args&&... args) noexcept(std::is_nothrow_invocable_v<F, Args...>) {
  if constexpr (std::is_member_pointer_v<std::remove_cvref_t<F>>) {
    return invoke_member(f, std::forward<Args>(args)...);
  } else {
    return std::forward<F>(f)(std::forward<Args>(args)...);
  }
}

}  // namespace detail
ONCE_NAMESPACE_END
