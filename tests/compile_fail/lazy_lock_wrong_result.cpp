// LazyLock<int> from a lambda that returns something an int cannot be made from.
// SPDX-License-Identifier: MIT
// expect: once: the function of a LazyLock<T> must return something T can be constructed from
#include <string>

#include <once/lazy_lock.hpp>

once::LazyLock<int> lazy = [] { return std::string("42"); };  // error here
