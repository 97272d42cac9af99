// LazyLock<int> from a capturing lambda: the error says to let CTAD pick F.
// SPDX-License-Identifier: MIT
//
// LazyLock<int> names F = int(*)(), which a capturing lambda does not convert to.
// expect: let class template argument deduction pick its type, `LazyLock x = [&] { ... };`
#include <once/lazy_lock.hpp>

int f(int n) {
  once::LazyLock<int> lazy = [&] { return n * 2; };  // error here
  return *lazy;
}
