// detail::OnceState, the state word under OnceLock, OnceShared and OnceFlag: what their own tests cannot reach.
// SPDX-License-Identifier: MIT
//
// The word's state machine is checked exhaustively by the model checker
// (tests/model); here, on real threads, the capabilities the public types
// build on.
#include <thread>

#include <once/detail/once_state.hpp>

#include "catch.hpp"
#include "threads.hpp"

// The capability load() and get_or_init stand on: a wait for another thread's
// imminent complete() must work, without a reentrancy error, from inside the
// word's own initializer (where OnceState::wait() would throw).
TEST_CASE("OnceState: waiting for an imminent completion inside the initializer", "[once_state]") {
  once::detail::OnceState state;
  const int initializer_tid = test::current_tid();
  bool waited = false;
  bool completer_saw_sleeper = false;
  auto init = [&]() -> bool {
    std::thread completer([&] {
      completer_saw_sleeper = test::eventually_all_asleep({initializer_tid});
      state.complete();
    });
    state.wait_for_imminent_complete();
    waited = true;
    completer.join();
    return false;  // decline: the roll-back must leave the word complete
  };
  CHECK_FALSE(state.initialize(init));
  CHECK(waited);
  CHECK(completer_saw_sleeper);
  CHECK(state.is_complete());
  CHECK_FALSE(state.is_running());
}
