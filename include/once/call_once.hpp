// OnceFlag and call_once: the drop-in for std::once_flag and std::call_once.
// SPDX-License-Identifier: MIT
#pragma once

#include <type_traits>
#include <utility>

#include "detail/config.hpp"
#include "detail/deadline.hpp"
#include "detail/invoke.hpp"
#include "detail/once_state.hpp"
#include "detail/stop_wait.hpp"
#include "errors.hpp"

ONCE_NAMESPACE_BEGIN

namespace detail {
struct OnceFlagAccess;
}  // namespace detail

/// The drop-in for std::once_flag: a flag that some call_once completes.
///
///     static once::once_flag flag;                 // or constinit once::OnceFlag at namespace scope
///     once::call_once(flag, init, args...);        // as std::call_once
///
/// - call_once(flag, f, args...) runs std::invoke(f, args...) unless the flag
///   is complete. Exactly one caller runs at a time; the others sleep (no
///   spinning) until it returns, then return too.
/// - f throws: the flag stays incomplete, the exception goes to that caller,
///   and one sleeping caller runs its own f in turn (std::call_once's rule).
/// - call_once on the same flag from inside f, directly or through a cycle of
///   flags and cells on one thread: recursive_init_error (std: deadlock).
///   Under -fno-exceptions it aborts with a message.
/// - is_completed(): one acquire load. wait(), wait_for(d), wait_until(tp)
///   block until a call_once completes (true) or the deadline passes
///   (false); wait(stop_token) returns false if stop was requested first.
///   d and tp are std::chrono types: the caller includes <chrono>.
/// - 4 bytes; constexpr constructor (constinit works); trivially
///   destructible; neither copyable nor movable, like std::once_flag.
class OnceFlag {
 public:
  constexpr OnceFlag() noexcept = default;
  OnceFlag(const OnceFlag&) = delete;
  OnceFlag& operator=(const OnceFlag&) = delete;

  /// Whether some call_once on this flag has returned normally.
  [[nodiscard]] ONCE_ALWAYS_INLINE bool is_completed() const noexcept { return state_.is_complete(); }

  /// Blocks until complete. Throws recursive_init_error from inside this
  /// flag's own call_once.
  void wait() const {
    if (!is_completed()) state_.wait();
  }

  /// As wait(), giving up after `timeout` (steady_clock). Returns is_completed().
  template <detail::duration_like Duration>
  bool wait_for(const Duration& timeout) const {
    return is_completed() || state_.wait_until(detail::deadline_after(timeout));
  }

  /// As wait(), giving up once `deadline` has passed on its clock. Returns is_completed().
  template <detail::time_point_like TimePoint>
  bool wait_until(const TimePoint& deadline) const {
    return is_completed() ||
           detail::until(deadline, [this](const detail::Deadline& d) { return state_.wait_until(d); });
  }

  /// As wait(), or false if a stop is requested on `token` first: a
  /// std::stop_token, or any type with stop_requested(), stop_possible(), callback_type<F>.
  template <detail::stop_token_like Token>
  bool wait(const Token& token) const {
    return is_completed() || detail::wait_unless_stopped(state_, token);
  }

  // ====================== End of public interface ======================

 private:
  friend struct detail::OnceFlagAccess;
  detail::OnceState state_;
};

/// The std spelling.
using once_flag = OnceFlag;

static_assert(sizeof(OnceFlag) == 4, "OnceFlag is one 4-byte state word");
static_assert(std::is_trivially_destructible_v<OnceFlag>, "OnceFlag is trivially destructible");

namespace detail {

struct OnceFlagAccess {
  static OnceState& state(OnceFlag& flag) noexcept { return flag.state_; }
};

template <class F, class... Args>
ONCE_COLD void call_once_slow(OnceFlag& flag, F&& f, Args&&... args) {
  auto init = [&]() -> bool {
    detail::invoke(std::forward<F>(f), std::forward<Args>(args)...);
    return true;
  };
  OnceFlagAccess::state(flag).initialize(init);
}

}  // namespace detail

/// Runs `std::invoke(f, args...)` unless `flag` is complete; see OnceFlag.
/// On a complete flag: one acquire load and a branch, inlined.
template <class F, class... Args>
requires std::is_invocable_v<F, Args...> ONCE_ALWAYS_INLINE void call_once(OnceFlag& flag, F&& f, Args&&... args) {
  if (!flag.is_completed()) [[unlikely]]
    detail::call_once_slow(flag, std::forward<F>(f), std::forward<Args>(args)...);
}

ONCE_NAMESPACE_END
