// Stop tokens without <stop_token>: what the library asks of a token, and the callback type it registers.
// SPDX-License-Identifier: MIT
//
// Every wait that a stop token cancels is a template constrained on
// stop_token_like: a copyable type with stop_requested(), stop_possible() and
// a matching RAII callback type (runs a function when stop is requested,
// deregisters in its destructor, which waits for a callback running on
// another thread). That keeps <stop_token> out of the library's headers: only
// a program that passes a std::stop_token compiles one, and it has included
// <stop_token> already, before or after the library. The callback type is:
//   * std::stop_callback<F> for std::stop_token, declared (not defined) below
//     where the standard library has it (__cpp_lib_jthread; libc++ 14 does
//     not);
//   * Token::callback_type<F>, the spelling of C++26's std::stop_token and of
//     a user's own token types.
#pragma once

#include <concepts>
#include <version>

#include "config.hpp"

// The declarations a std::stop_token overload needs, as the standard library
// itself spells them (its own namespace macros), so they name the same
// entities that <stop_token> defines, whichever header comes first.
// clang-format off
#if defined(__cpp_lib_jthread) && defined(__GLIBCXX__)
namespace std _GLIBCXX_VISIBILITY(default) {
_GLIBCXX_BEGIN_NAMESPACE_VERSION
class stop_token;
template <typename Callback>
class stop_callback;
_GLIBCXX_END_NAMESPACE_VERSION
}  // namespace std
#define ONCE_HAS_STD_STOP_TOKEN 1
#elif defined(__cpp_lib_jthread) && defined(_LIBCPP_VERSION)
_LIBCPP_BEGIN_NAMESPACE_STD
class stop_token;
template <class Callback>
class stop_callback;
_LIBCPP_END_NAMESPACE_STD
#define ONCE_HAS_STD_STOP_TOKEN 1
#else
#define ONCE_HAS_STD_STOP_TOKEN 0
#endif
// clang-format on

ONCE_NAMESPACE_BEGIN
namespace detail {

/// The RAII callback type of `Token` for a callback `F`; no `type` member if
/// `Token` has none this library knows.
template <class Token, class F>
struct stop_callback_of {};

template <class Token, class F>
requires requires { typename Token::template callback_type<F>; }
struct stop_callback_of<Token, F> {
  using type = typename Token::template callback_type<F>;
};

#if ONCE_HAS_STD_STOP_TOKEN
template <class F>
struct stop_callback_of<std::stop_token, F> {
  using type = std::stop_callback<F>;
};
#endif

template <class Token, class F>
using stop_callback_t = typename stop_callback_of<Token, F>::type;

/// A stop token this library can wait on: std::stop_token, or a type with
/// the same members and a `callback_type<F>` member template.
template <class Token>
concept stop_token_like = std::copy_constructible<Token> && requires(const Token& token) {
  static_cast<bool>(token.stop_requested());
  static_cast<bool>(token.stop_possible());
  typename stop_callback_of<Token, void (*)()>::type;
};

}  // namespace detail
ONCE_NAMESPACE_END
