// recursive_init_error, and how the library raises its errors (a throw, or a message and abort()).
// SPDX-License-Identifier: MIT
#pragma once

#include <stdexcept>

#include "detail/config.hpp"

ONCE_NAMESPACE_BEGIN

/// Thrown when an initializer, on the thread running it, makes a call that
/// would wait for that same initialization: get_or_init, get_or_try_init,
/// set, try_emplace, call_once or a wait on the cell being initialized (or
/// forcing the LazyCell or LazyLock being forced), directly or through a cycle of cells.
/// - The cell is left as it was: the outer initialization goes on, and if the
///   error escapes it, the cell is empty and can be retried.
/// - With -fno-exceptions the library prints the message and aborts instead.
/// - OnceCell and LazyCell cannot tell reentrancy from a second thread using
///   the cell meanwhile (a misuse), so their message names both.
class recursive_init_error : public std::logic_error {
 public:
  recursive_init_error()
      : std::logic_error("once: recursive initialization: a cell's initializer needs the value of that same cell") {}
  /// With `what` as the message.
  explicit recursive_init_error(const char* what) : std::logic_error(what) {}
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

/// A single-threaded cell found mid-initialization by a call that would need
/// its value: reentrancy, or a second thread using the cell (see above).
[[noreturn]] ONCE_COLD inline void throw_single_threaded_cell_busy() {
#define ONCE_DETAIL_CELL_BUSY                                                                                   \
  "a single-threaded cell (OnceCell, LazyCell) is already being initialized: either its initializer needs the " \
  "value of that same cell (recursive initialization), or another thread is using the cell at the same time, "  \
  "which OnceCell and LazyCell do not allow (share a OnceLock or LazyLock between threads instead)"
#if ONCE_HAS_EXCEPTIONS
  throw recursive_init_error("once: " ONCE_DETAIL_CELL_BUSY);
#else
  fail(ONCE_DETAIL_CELL_BUSY, __FILE__, __LINE__);
#endif
#undef ONCE_DETAIL_CELL_BUSY
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
