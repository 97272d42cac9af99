// once: initialize-once primitives for C++20.
// SPDX-License-Identifier: MIT
//
// The exception types the library throws.
#pragma once

#include <stdexcept>

#include "detail/config.hpp"

ONCE_NAMESPACE_BEGIN

/// Thrown when a cell's initializer, on the thread running it, makes a call
/// that would wait for that same initialization to finish: `get_or_init`,
/// `get_or_try_init`, `set`, `try_emplace` or `wait` on the cell being
/// initialized (or dereferencing the LazyCell / LazyLock being forced),
/// directly or through a cycle of cells (A's initializer needs B, whose
/// initializer needs A). Without it that call would deadlock (OnceLock) or
/// read a value that does not exist yet (OnceCell).
///
/// The cell is left as it was: the outer initialization goes on, and if the
/// error escapes the initializer, the cell is empty and can be retried.
/// Built with -fno-exceptions, the library prints the message and aborts.
class recursive_init_error : public std::logic_error {
 public:
  recursive_init_error()
      : std::logic_error("once: recursive initialization: a cell's initializer needs the value of that same cell") {}
};

// ====================== End of public interface ======================

namespace detail {

[[noreturn]] ONCE_COLD inline void throw_recursive_init_error() {
#if ONCE_HAS_EXCEPTIONS
  throw recursive_init_error();
#else
  fail("recursive initialization: a cell's initializer needs the value of that same cell", __FILE__, __LINE__);
#endif
}

[[noreturn]] ONCE_COLD inline void throw_invalid_argument(const char* what) {
#if ONCE_HAS_EXCEPTIONS
  throw std::invalid_argument(what);
#else
  fail(what, __FILE__, __LINE__);
#endif
}

}  // namespace detail
ONCE_NAMESPACE_END
