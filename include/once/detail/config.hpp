// Configuration macros shared by every header: version, ABI namespace, inlining hints, exceptions, assertions.
// SPDX-License-Identifier: MIT
#pragma once

#include <cstdio>
#include <cstdlib>

#define ONCE_VERSION_MAJOR 1
#define ONCE_VERSION_MINOR 1
#define ONCE_VERSION_PATCH 0

// ---------------------------------------------------------------------------
// Environment. Without an OS (a freestanding build, or a C++ library built
// without threads, as the bare-metal newlib toolchains are) there is nothing
// to sleep in and no thread_local: the library then spins (below) and finds
// reentrancy through ONCE_REENTRANCY_SLOT() or not at all (reentrancy.hpp).
#if (defined(__STDC_HOSTED__) && __STDC_HOSTED__ == 0) || (defined(__GLIBCXX__) && !defined(_GLIBCXX_HAS_GTHREADS))
#define ONCE_NO_OS 1
#else
#define ONCE_NO_OS 0
#endif

// ---------------------------------------------------------------------------
// Wait backend (wait.hpp), one of three:
//  * futex: on Linux, the futex system call directly on the state word;
//  * portable: std::atomic::wait / notify_all, elsewhere, or with
//    ONCE_FORCE_PORTABLE_WAIT;
//  * spin: no OS to sleep in (ONCE_NO_OS), or ONCE_FORCE_SPIN_WAIT: a waiter
//    re-reads the word with the CPU's pause hint, then ONCE_SPIN_WAIT_HOOK()
//    if the program defines it (an RTOS yield, a WFE), and a waker calls
//    ONCE_SPIN_WAKE_HOOK() if defined (the SEV that ends a WFE).
// A waiter and its waker must use the same backend, so the choice is part of
// the ABI namespace: a program that mixes translation units built two ways
// fails to link instead of hanging.
#if defined(ONCE_FORCE_PORTABLE_WAIT) && defined(ONCE_FORCE_SPIN_WAIT)
#error "once: define at most one of ONCE_FORCE_PORTABLE_WAIT and ONCE_FORCE_SPIN_WAIT"
#endif
#if defined(ONCE_FORCE_SPIN_WAIT) || (ONCE_NO_OS && !defined(ONCE_FORCE_PORTABLE_WAIT))
#define ONCE_FUTEX_WAIT 0
#define ONCE_SPIN_WAIT 1
#define ONCE_ABI_NAMESPACE v1_spin_wait
#elif defined(__linux__) && !defined(ONCE_FORCE_PORTABLE_WAIT)
#define ONCE_FUTEX_WAIT 1
#define ONCE_SPIN_WAIT 0
#define ONCE_ABI_NAMESPACE v1
#else
#define ONCE_FUTEX_WAIT 0
#define ONCE_SPIN_WAIT 0
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
#if ONCE_NO_OS
  // Without printf: on a microcontroller it would be most of the image.
  char digits[12] = {};
  char* first = digits + sizeof digits - 1;  // before the terminating '\0'
  unsigned rest = line > 0 ? static_cast<unsigned>(line) : 0u;
  do {
    *--first = static_cast<char>('0' + rest % 10);
    rest /= 10;
  } while (rest != 0);
  const char* const parts[] = {file, ":", first, ": once: ", what, "\n"};
  for (const char* part : parts) std::fputs(part, stderr);
#else
  std::fprintf(stderr, "%s:%d: once: %s\n", file, line, what);
#endif
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
