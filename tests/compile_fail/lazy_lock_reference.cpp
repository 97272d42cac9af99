// LazyLock<T&>: the lazy types hold an object too.
// SPDX-License-Identifier: MIT
// expect: once: T cannot be a reference
#include <once/lazy_lock.hpp>

int global = 1;
int& get_global() { return global; }
once::LazyLock<int&> lazy(get_global);  // error here
