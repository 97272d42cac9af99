// SetOnce<T&>: a cell holds an object, never a reference.
// SPDX-License-Identifier: MIT
// expect: once: T cannot be a reference
#include <once/set_once.hpp>

once::SetOnce<int&> cell;  // error here
