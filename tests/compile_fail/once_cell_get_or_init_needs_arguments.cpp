// get_or_init with a function that needs arguments.
// SPDX-License-Identifier: MIT
// expect: once: get_or_init(f) needs an f callable with no arguments
#include <once/once_cell.hpp>

int f(once::OnceCell<int>& cell) {
  return cell.get_or_init([](int n) { return n; });  // error here
}
