// LazyCell<int> from a capturing lambda: the error says to let CTAD pick F.
// SPDX-License-Identifier: MIT
//
// LazyCell<int> names F = int(*)(), which a capturing lambda does not convert to.
// expect: let class template argument deduction pick its type, `LazyCell x = [&] { ... };`
#include <once/lazy_cell.hpp>

int f(int n) {
  once::LazyCell<int> lazy = [&] { return n * 2; };  // error here
  return *lazy;
}
