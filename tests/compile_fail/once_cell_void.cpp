// OnceCell<void>: nothing to hold; the error suggests OnceFlag and call_once.
// SPDX-License-Identifier: MIT
// expect: once: T cannot be void: for code that runs once, use once::OnceFlag
#include <once/once_cell.hpp>

once::OnceCell<void> flag;  // error here
