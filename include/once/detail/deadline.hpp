// Deadline: what a timed wait sleeps until, made from std::chrono durations and time points.
// SPDX-License-Identifier: MIT
//
// From std::chrono durations and time points to the Deadline that wait.hpp
// sleeps until: rounded up (a timeout never comes early) and saturated (a
// huge timeout never overflows into the past).
#pragma once

#include <cstdint>
#include <limits>
#include <ratio>
#include <type_traits>

#include "chrono.hpp"
#include "config.hpp"
#include "wait.hpp"

ONCE_NAMESPACE_BEGIN
namespace detail {

template <class Clock>
inline constexpr bool kIsWaitClock =
    std::is_same_v<Clock, std::chrono::steady_clock> || std::is_same_v<Clock, std::chrono::system_clock>;

/// `d` in whole nanoseconds, rounded up (a deadline must never come early) and
/// saturated instead of overflowing: `hours::max()` or `duration<double>(1e300)`
/// become `INT64_MAX` nanoseconds, some 292 years, which is "never" here.
template <class Rep, class Period>
constexpr std::int64_t ceil_ns_saturated(const std::chrono::duration<Rep, Period>& d) noexcept {
  constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
  constexpr std::int64_t kMin = std::numeric_limits<std::int64_t>::min();
  // The range test is done in long double, which holds every in-range value
  // closely enough; the margin keeps rounding from crossing the boundary.
  constexpr long double kLimit = 9.2e18L;
  const long double ns = std::chrono::duration<long double, std::nano>(d).count();
  if (!(ns < kLimit)) return kMax;  // also catches NaN: a NaN deadline never comes
  if (ns <= -kLimit) return kMin;
  if constexpr (std::is_floating_point_v<Rep>) {
    auto whole = static_cast<std::int64_t>(ns);  // truncates toward zero
    // Exact back in long double (even where it is only a double, as on 32-bit
    // ARM): `whole` came from a value of that type.
    return static_cast<long double>(whole) < ns ? whole + 1 : whole;
  } else {
    return std::chrono::ceil<std::chrono::nanoseconds>(d).count();
  }
}

template <class Clock, class Duration>
requires kIsWaitClock<Clock>
constexpr Deadline to_deadline(const std::chrono::time_point<Clock, Duration>& tp) noexcept {
  return {std::is_same_v<Clock, std::chrono::steady_clock> ? WaitClock::kSteady : WaitClock::kSystem,
          ceil_ns_saturated(tp.time_since_epoch())};
}

/// The steady-clock deadline `d` from now, saturated.
template <class Rep, class Period>
Deadline deadline_after(const std::chrono::duration<Rep, Period>& d) noexcept {
  const std::int64_t now = now_ns(WaitClock::kSteady);  // >= 0: nanoseconds since boot
  const std::int64_t wait = ceil_ns_saturated(d);
  const std::int64_t ns =
      wait > std::numeric_limits<std::int64_t>::max() - now ? std::numeric_limits<std::int64_t>::max() : now + wait;
  return {WaitClock::kSteady, ns};
}

/// Runs `wait_with_deadline(Deadline) -> bool` (true: the awaited condition
/// holds; false: the deadline passed) against a time point on any clock.
/// Steady and system time points go straight through; for any other clock the
/// remaining time is re-measured on that clock after each steady-clock wait,
/// so the result never comes before `tp` by `Clock`'s own reckoning.
template <class Clock, class Duration, class WaitWithDeadline>
bool until(const std::chrono::time_point<Clock, Duration>& tp, WaitWithDeadline&& wait_with_deadline) {
  if constexpr (kIsWaitClock<Clock>) {
    return wait_with_deadline(to_deadline(tp));
  } else {
    for (;;) {
      const auto now = Clock::now();
      if (now >= tp) return wait_with_deadline(Deadline{WaitClock::kSteady, 0});  // checks once, never sleeps
      if (wait_with_deadline(deadline_after(tp - now))) return true;
    }
  }
}

}  // namespace detail
ONCE_NAMESPACE_END
