// A lazy value of a function returning nothing: deduced T is void.
// SPDX-License-Identifier: MIT
// expect: once: T cannot be void: for code that runs once, use once::OnceFlag
#include <once/lazy_cell.hpp>

void f() {
  once::LazyCell lazy = [] {};  // error here
  static_cast<void>(lazy);
}
