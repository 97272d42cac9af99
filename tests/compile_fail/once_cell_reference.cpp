// OnceCell<T&>: a cell holds an object; the error suggests a pointer.
// SPDX-License-Identifier: MIT
// expect: once: T cannot be a reference
#include <once/once_cell.hpp>

void f() {
  once::OnceCell<const int&> cell;  // error here
  static_cast<void>(cell);
}
