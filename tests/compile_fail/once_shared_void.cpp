// OnceShared<void>: refused at the user's line.
// SPDX-License-Identifier: MIT
// expect: once: OnceShared<void> is not supported
#include <once/once_shared.hpp>

once::OnceShared<void> slot;  // error here
