// once: initialize-once primitives for C++20.
// SPDX-License-Identifier: MIT
//
// Configuration macros shared by every header: version, ABI namespace,
// inlining hints, exception support and debug assertions.
#pragma once

#include <cstdio>
#include <cstdlib>

#define ONCE_VERSION_MAJOR 1
#define ONCE_VERSION_MINOR 1
#define ONCE_VERSION_PATCH 0

// ---------------------------------------------------------------------------
// Wait backend. On Linux the library sleeps on its state words with the futex
// system call; elsewhere, or when ONCE_FORCE_PORTABLE_WAIT is defined, it uses
// std::atomic::wait / notify_all. A waiter and its waker must use the same
// backend, so the choice is part of the ABI namespace: a program that mixes
// translation units built both ways fails to link instead of hanging.
#if defined(__linux__) && !defined(ONCE_FORCE_PORTABLE_WAIT)
#define ONCE_FUTEX_WAIT 1
#define ONCE_ABI_NAMESPACE v1
#else
#define ONCE_FUTEX_WAIT 0
#if defined(ONCE_FORCE_PORTABLE_WAIT)
#define ONCE_ABI_NAMESPACE v1_portable_wait
#else
#define ONCE_ABI_NAMESPACE v1
#endif
#endif

#define ONCE_NAMESPACE_BEGIN \
  namespace once {           \
  inline namespace ONCE_ABI_NAMESPACE {
#define ONCE_NAMESPACE_END \
  }                        \
  }

// ---------------------------------------------------------------------------
// Inlining. The read path of every type is forced inline; everything that
// runs at most a few times per object (initialization, waiting, errors) is
// kept out of line and marked cold so it does not bloat or slow the callers.
#if defined(__GNUC__) || defined(__clang__)
#define ONCE_ALWAYS_INLINE [[gnu::always_inline]] inline
#define ONCE_COLD [[gnu::noinline, gnu::cold]]
#elif defined(_MSC_VER)
#define ONCE_ALWAYS_INLINE __forceinline
#define ONCE_COLD __declspec(noinline)
#else
#define ONCE_ALWAYS_INLINE inline
#define ONCE_COLD
#endif

// ---------------------------------------------------------------------------
// GCC warns that a cell's value "may be used uninitialized" wherever it sees a
// cell constructed empty and its value read under a test of the state word:
// it cannot see through the atomic load that the read happens only after the
// value was constructed. The warning is false by construction (std::optional
// has the same shape, and libstdc++ is silent only because it is a system
// header), so the code that reads a cell's storage is bracketed with these.
#if defined(__GNUC__) && !defined(__clang__)
#define ONCE_STORAGE_WARNINGS_BEGIN \
  _Pragma("GCC diagnostic push") _Pragma("GCC diagnostic ignored \"-Wmaybe-uninitialized\"")
#define ONCE_STORAGE_WARNINGS_END _Pragma("GCC diagnostic pop")
#else
#define ONCE_STORAGE_WARNINGS_BEGIN
#define ONCE_STORAGE_WARNINGS_END
#endif

// ---------------------------------------------------------------------------
// Exceptions. Without them, every error the library would throw prints a
// message and aborts instead.
#if defined(__cpp_exceptions) || defined(__EXCEPTIONS) || defined(_CPPUNWIND)
#define ONCE_HAS_EXCEPTIONS 1
#else
#define ONCE_HAS_EXCEPTIONS 0
#endif

// ---------------------------------------------------------------------------
// Precondition checks. ONCE_ASSERT(cond, "rule") aborts with the rule's text
// when cond is false, in builds without NDEBUG (or with ONCE_ENABLE_ASSERTS).
#if !defined(ONCE_ENABLE_ASSERTS) && !defined(NDEBUG)
#define ONCE_ENABLE_ASSERTS 1
#endif

ONCE_NAMESPACE_BEGIN
namespace detail {

[[noreturn]] ONCE_COLD inline void fail(const char* what, const char* file, int line) noexcept {
  std::fprintf(stderr, "%s:%d: once: %s\n", file, line, what);
  std::fflush(stderr);
  std::abort();
}

}  // namespace detail
ONCE_NAMESPACE_END

#if defined(ONCE_ENABLE_ASSERTS) && ONCE_ENABLE_ASSERTS
#define ONCE_ASSERT(cond, rule) \
  ((cond) ? static_cast<void>(0) : ::once::detail::fail("precondition violated: " rule, __FILE__, __LINE__))
#else
#define ONCE_ASSERT(cond, rule) static_cast<void>(0)
#endif
