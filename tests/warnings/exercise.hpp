// What every warnings translation unit shares: the value types, and sinks that keep results alive.
// SPDX-License-Identifier: MIT
//
// What every warnings TU shares: the value types each public type is
// instantiated with, and sinks that keep results alive. These TUs are only
// compiled, never linked or run, so the sinks need no definition: what
// matters is the code the compiler sees after inlining, at every -O level.
#pragma once

#include <chrono>
#include <coroutine>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <version>

#if defined(__cpp_lib_jthread)
#include <stop_token>
#endif

namespace warnings {

/// Movable, not copyable.
struct MoveOnly {
  std::unique_ptr<int> value;
  explicit MoveOnly(int v) : value(std::make_unique<int>(v)) {}
};

template <class T>
T make(int n);
template <>
inline int make<int>(int n) {
  return n;
}
template <>
inline std::string make<std::string>(int n) {
  return std::string(40, 'x') + std::to_string(n);
}
template <>
inline MoveOnly make<MoveOnly>(int n) {
  return MoveOnly(n);
}

// Defined nowhere: the compiler must assume they read and keep what they get.
void use(const void* p);
void use(bool b);
int opaque();  // a value the optimizer cannot know

template <class T>
void use(const T& value) {
  use(static_cast<const void*>(&value));
}

/// A user-defined clock: wait_until re-reads it rather than handing the
/// deadline to the kernel.
struct OtherClock {
  using duration = std::chrono::nanoseconds;
  using rep = duration::rep;
  using period = duration::period;
  using time_point = std::chrono::time_point<OtherClock>;
  static constexpr bool is_steady = false;
  static time_point now() noexcept { return time_point(std::chrono::steady_clock::now().time_since_epoch()); }
};

/// An executor as set_once.hpp expects one: resumes through a function the
/// compiler cannot see into.
void schedule(std::coroutine_handle<> handle) noexcept;
struct Executor {
  void operator()(std::coroutine_handle<> handle) const noexcept { schedule(handle); }
};

/// A coroutine type for the co_await forms.
struct Task {
  struct promise_type {
    Task get_return_object() noexcept { return {}; }
    std::suspend_never initial_suspend() noexcept { return {}; }
    std::suspend_never final_suspend() noexcept { return {}; }
    void return_void() noexcept {}
    void unhandled_exception() noexcept {}
  };
};

}  // namespace warnings
