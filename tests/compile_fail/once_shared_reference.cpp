// OnceShared<T&>: a slot shares ownership of an object, never a reference.
// SPDX-License-Identifier: MIT
// expect: once: OnceShared<T> cannot take a reference type
#include <once/once_shared.hpp>

once::OnceShared<int&> slot;  // error here
