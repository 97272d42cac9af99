// get_or_init with a function whose result cannot make a T.
// SPDX-License-Identifier: MIT
// expect: once: get_or_init(f) needs an f callable with no arguments that returns something T can be constructed from
#include <string>

#include <once/once_lock.hpp>

int f(once::OnceLock<int>& cell) {
  return cell.get_or_init([] { return std::string("42"); });  // error here
}
