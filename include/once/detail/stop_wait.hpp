// once: initialize-once primitives for C++20.
// SPDX-License-Identifier: MIT
//
// Blocking waits that a stop token can cancel, without <stop_token>.
//
// The `wait(token)` overloads are templates constrained on stop_token_like:
// a type with stop_requested(), stop_possible() and a matching callback type
// (the callback RAII object that runs a function when stop is requested).
// That keeps <stop_token> out of the library's headers: only a program that
// passes a std::stop_token compiles one, and it has included <stop_token>
// already. The callback type is found as:
//   * Token::callback_type<F>, the spelling of C++26's std::stop_token and
//     of a user's own token types;
//   * std::stop_callback<F> for std::stop_token, which is declared (not
//     defined) below when the standard library has it (__cpp_lib_jthread;
//     libc++ 14 does not, and there the overloads accept only tokens of the
//     first kind).
//
// The waiter registers a callback that calls the state's wake_sleepers()
// (detail/once_state.hpp: it changes the word and wakes its sleepers), then
// waits until complete or stopped. A request before the registration runs
// the callback inline; one after it wakes the sleeper at once (one futex
// wake-up, no polling). An untimed wait() never sees any of this.
#pragma once

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

/// The callback a waiter registers on its token: wakes the state's sleepers.
template <class State>
struct WakeOnStop {
  const State* state;
  void operator()() const noexcept { state->wake_sleepers(); }
};

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
concept stop_token_like = requires(const Token& token) {
  static_cast<bool>(token.stop_requested());
  static_cast<bool>(token.stop_possible());
  typename stop_callback_of<Token, void (*)()>::type;
};

/// Waits on `state` (a BasicOnceState) until it is complete (true) or a stop
/// is requested on `token` first (false). A token on which no stop can be
/// requested makes this the plain wait().
template <class State, stop_token_like Token>
ONCE_COLD bool wait_unless_stopped(const State& state, const Token& token) {
  if (!token.stop_possible()) {
    state.wait();
    return true;
  }
  // Registered before the first check of the token: a request from here on
  // wakes this thread; one made before runs the callback right here.
  const stop_callback_t<Token, WakeOnStop<State>> on_stop(token, WakeOnStop<State>{&state});
  return state.wait_unless_stopped(token);
  // on_stop's destructor waits for a callback running on another thread, so
  // the state outlives every wake_sleepers() call made for this waiter.
}

}  // namespace detail
ONCE_NAMESPACE_END
