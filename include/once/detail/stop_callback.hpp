// once: initialize-once primitives for C++20.
// SPDX-License-Identifier: MIT
//
// Stop tokens without <stop_token>. The waits that a stop token cancels are
// templates on a stop-token-like type, so a header that offers them need not
// include <stop_token> (which costs more to compile than <mutex>): only the
// program that passes a std::stop_token has it, and pays for it.
//
// The callback type is the one thing that has to be named: StopCallbackOf.
// For std::stop_token it is defined here when <stop_token> came first (its
// include guard is defined); otherwise a stop-token wait fails to compile
// with a message that says so. Other token types may specialize it.
#pragma once

#include <concepts>
#include <version>

#include "config.hpp"

ONCE_NAMESPACE_BEGIN
namespace detail {

/// What the library asks of a stop token: std::stop_token, or a type like it.
template <class Token>
concept stop_token_like = std::copy_constructible<Token> && requires(const Token& token) {
  { token.stop_requested() } -> std::convertible_to<bool>;
  { token.stop_possible() } -> std::convertible_to<bool>;
};

/// `type`: the callback that runs `F` when stop is requested on a `Token`
/// (std::stop_callback<F> for std::stop_token), constructible from
/// `(const Token&, F)` and deregistering in its destructor, which waits
/// for a callback that is running on another thread.
template <class Token, class F>
struct StopCallbackOf {};

template <class Token, class F>
concept has_stop_callback = requires {
  typename StopCallbackOf<Token, F>::type;
};

}  // namespace detail
ONCE_NAMESPACE_END

// <stop_token>'s include guard in libstdc++, libc++ and the Microsoft STL.
#if defined(__cpp_lib_jthread) && (defined(_GLIBCXX_STOP_TOKEN) || defined(_LIBCPP_STOP_TOKEN) || defined(_STOP_TOKEN_))
ONCE_NAMESPACE_BEGIN
namespace detail {
template <class F>
struct StopCallbackOf<std::stop_token, F> {
  using type = std::stop_callback<F>;
};
}  // namespace detail
ONCE_NAMESPACE_END
#endif

/// The message for a stop-token wait whose token type has no callback known.
#define ONCE_STOP_CALLBACK_MESSAGE                                                                       \
  "once: a wait cancelled by a std::stop_token needs <stop_token> included before the first <once/...> " \
  "header (the library does not include it, to spare the compile time of every other user)"
