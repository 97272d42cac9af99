// Blocking waits on a OnceState that a stop token can cancel.
// SPDX-License-Identifier: MIT
//
// The token and its callback type are in stop_token.hpp.
//
// The waiter registers a callback that calls the state's wake_sleepers()
// (detail/once_state.hpp: it changes the word and wakes its sleepers), then
// waits until complete or stopped. A request before the registration runs
// the callback inline; one after it wakes the sleeper at once (one futex
// wake-up, no polling). An untimed wait() never sees any of this.
#pragma once

#include "config.hpp"
#include "stop_token.hpp"

ONCE_NAMESPACE_BEGIN
namespace detail {

/// The callback a waiter registers on its token: wakes the state's sleepers.
template <class State>
struct WakeOnStop {
  const State* state;
  void operator()() const noexcept { state->wake_sleepers(); }
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
