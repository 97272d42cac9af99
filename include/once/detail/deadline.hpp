// Deadline: what a timed wait sleeps until, made from any std::chrono duration or time point.
// SPDX-License-Identifier: MIT
//
// The timed waits are templates on the caller's duration and time point
// types, recognised by their members, so that no public header includes
// <chrono>: a caller who names a duration has included it already (why:
// docs/design.md, "Compile time"). Conversions are rounded up (a timeout
// never comes early) and saturated (a huge timeout never overflows into the
// past).
#pragma once

#include <concepts>
#include <cstdint>
#include <limits>
#include <ratio>
#include <type_traits>

#include "config.hpp"
#include "wait.hpp"

ONCE_NAMESPACE_BEGIN
namespace detail {

/// A std::chrono::duration<Rep, Period>, or anything shaped like one: a
/// count of ticks of `period` (a std::ratio) seconds.
template <class D>
concept duration_like = requires(const D& d) {
  typename D::rep;
  { D::period::num } -> std::convertible_to<std::intmax_t>;
  { D::period::den } -> std::convertible_to<std::intmax_t>;
  static_cast<long double>(d.count());
};

/// A std::chrono::time_point<Clock, Duration>, or anything shaped like one:
/// its clock says whether it is steady and what time it is.
template <class TP>
concept time_point_like = requires(const TP& tp) {
  typename TP::clock;
  { tp.time_since_epoch() } -> duration_like;
  { TP::clock::now().time_since_epoch() } -> duration_like;
  { TP::clock::is_steady } -> std::convertible_to<bool>;
};

inline constexpr std::int64_t kMaxNs = std::numeric_limits<std::int64_t>::max();
inline constexpr std::int64_t kMinNs = std::numeric_limits<std::int64_t>::min();

/// `d` in whole nanoseconds, rounded up (a deadline must never come early) and
/// saturated instead of overflowing: `hours::max()` or `duration<double>(1e300)`
/// become `INT64_MAX` nanoseconds, some 292 years, which is "never" here.
template <duration_like D>
constexpr std::int64_t ceil_ns_saturated(const D& d) noexcept {
  using Rep = typename D::rep;
  using ToNs = std::ratio_divide<typename D::period, std::nano>;  // ns per tick, reduced
  // The range test is done in long double, which holds every in-range value
  // closely enough; the margin keeps rounding from crossing the boundary.
  constexpr long double kLimit = 9.2e18L;
  const long double ns = static_cast<long double>(d.count()) * ToNs::num / ToNs::den;
  if (!(ns < kLimit)) return kMaxNs;  // also catches NaN: a NaN deadline never comes
  if (ns <= -kLimit) return kMinNs;
  if constexpr (!std::is_integral_v<Rep> || ToNs::num > kMaxNs / ToNs::den) {
    auto whole = static_cast<std::int64_t>(ns);  // truncates toward zero
    // Exact back in long double (even where it is only a double, as on 32-bit
    // ARM): `whole` came from a value of that type.
    return static_cast<long double>(whole) < ns ? whole + 1 : whole;
  } else {
    // Exact: count * num / den, rounded up, without forming count * num
    // (which may overflow where the result does not).
    const auto count = static_cast<std::int64_t>(d.count());
    const std::int64_t whole = count / ToNs::den * ToNs::num;
    const std::int64_t part = count % ToNs::den * ToNs::num;  // |part| < den * num: no overflow
    return whole + part / ToNs::den + (part > 0 && part % ToNs::den != 0 ? 1 : 0);
  }
}

/// a + b, or the bound it would have passed.
constexpr std::int64_t add_saturated(std::int64_t a, std::int64_t b) noexcept {
  if (b > 0 && a > kMaxNs - b) return kMaxNs;
  if (b < 0 && a < kMinNs - b) return kMinNs;
  return a + b;
}

/// The deadline `ns` nanoseconds from now on `clock`, saturated.
inline Deadline deadline_in(WaitClock clock, std::int64_t ns) noexcept {
  return {clock, ns == kMaxNs ? kMaxNs : add_saturated(now_ns(clock), ns)};
}

/// The steady-clock deadline `d` from now.
template <duration_like D>
Deadline deadline_after(const D& d) noexcept {
  return deadline_in(WaitClock::kSteady, ceil_ns_saturated(d));
}

/// Runs `wait_with_deadline(Deadline) -> bool` (true: the awaited condition
/// holds; false: the deadline passed) until `tp` on its own clock. The time
/// left by that clock's reckoning becomes a deadline on the monotonic clock
/// for a steady clock, on the real-time clock for any other (the standard's
/// wall clocks all move with system_clock, and a real-time deadline follows a
/// clock that is set forward). After each wait that times out, the time left
/// is measured again on the caller's clock, so the result never comes before
/// `tp` by that clock's reckoning, whatever the two clocks did meanwhile.
template <time_point_like TP, class WaitWithDeadline>
bool until(const TP& tp, WaitWithDeadline&& wait_with_deadline) {
  using Clock = typename TP::clock;
  constexpr WaitClock kOn = Clock::is_steady ? WaitClock::kSteady : WaitClock::kSystem;
  const std::int64_t target = ceil_ns_saturated(tp.time_since_epoch());
  for (;;) {
    // In nanoseconds since the clock's epoch, never as a chrono subtraction:
    // `time_point<Clock, hours>::max() - Clock::now()` overflows.
    const std::int64_t now = ceil_ns_saturated(Clock::now().time_since_epoch());
    if (now >= target) return wait_with_deadline(Deadline{kOn, 0});  // checks once, never sleeps
    const std::int64_t left = target == kMaxNs ? kMaxNs : add_saturated(target, now == kMinNs ? kMaxNs : -now);
    if (wait_with_deadline(deadline_in(kOn, left))) return true;
  }
}

}  // namespace detail
ONCE_NAMESPACE_END
