// The clocks, for the wait backends that read them through <chrono>: the portable and spin ones.
// SPDX-License-Identifier: MIT
//
// The futex backend reads the clocks with clock_gettime, and the public
// headers take the caller's chrono types as templates (deadline.hpp), so on
// Linux no public header includes any of <chrono>. Elsewhere this header
// brings the clock core without the calendars, time zones and formatting of
// the full <chrono> (why: docs/design.md, "Compile time"). The standard
// libraries keep that core in internal headers; on the releases listed here
// this header includes those instead:
//
//   libstdc++ 11 to 14   <bits/chrono.h> (split out of <chrono> in 11 for
//                        <thread> and <mutex>)
//   libc++ 14 and 16     <__chrono/duration.h>, <__chrono/time_point.h>,
//                        <__chrono/steady_clock.h>, <__chrono/system_clock.h>
//
// Everywhere else it is the full <chrono>: slower to compile, never
// different.
#pragma once

#include <version>  // the standard library's identity and release, nothing else

#if defined(_GLIBCXX_RELEASE) && _GLIBCXX_RELEASE >= 11 && _GLIBCXX_RELEASE <= 14 && __has_include(<bits/chrono.h>)
#include <bits/chrono.h>
#define ONCE_LIGHT_CHRONO 1
#elif defined(_LIBCPP_VERSION) && __has_include(<__chrono/steady_clock.h>) && \
    ((_LIBCPP_VERSION >= 14000 && _LIBCPP_VERSION < 15000) || (_LIBCPP_VERSION >= 160000 && _LIBCPP_VERSION < 170000))
// (_LIBCPP_VERSION is 14000 for libc++ 14.0, 160006 for 16.0.6.)
#include <__chrono/duration.h>
#include <__chrono/steady_clock.h>
#include <__chrono/system_clock.h>
#include <__chrono/time_point.h>
#define ONCE_LIGHT_CHRONO 1
#else
#include <chrono>
#define ONCE_LIGHT_CHRONO 0
#endif
