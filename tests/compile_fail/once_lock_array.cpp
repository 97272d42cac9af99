// OnceLock<int[4]>: C arrays are not values; the error suggests std::array.
// SPDX-License-Identifier: MIT
// expect: once: T cannot be a C array
#include <once/once_lock.hpp>

once::OnceLock<int[4]> cell;  // error here
