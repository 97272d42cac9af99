// A minimal coroutine type for the tests: starts at once and frees itself when it finishes.
// SPDX-License-Identifier: MIT
#pragma once

#include <coroutine>
#include <exception>

namespace test {

/// `test::Detached f(...) { ... co_await ...; }`: calling f runs it up to its
/// first real suspension and returns; whoever resumes it later runs the rest,
/// and the frame is destroyed when the body ends. An exception escaping the
/// body terminates the program. Tests learn that a coroutine finished from
/// what its body records (atomics), never from the frame.
class Detached {
 public:
  struct promise_type {
    Detached get_return_object() noexcept { return {}; }
    std::suspend_never initial_suspend() noexcept { return {}; }
    std::suspend_never final_suspend() noexcept { return {}; }
    void return_void() noexcept {}
    [[noreturn]] void unhandled_exception() noexcept { std::terminate(); }
  };
};

}  // namespace test
