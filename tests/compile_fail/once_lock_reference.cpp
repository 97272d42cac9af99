// OnceLock<T&>: a cell holds an object; the error suggests a pointer.
// SPDX-License-Identifier: MIT
// expect: once: T cannot be a reference
#include <once/once_lock.hpp>

once::OnceLock<int&> cell;  // error here
