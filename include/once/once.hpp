// once: initialize-once primitives for C++20.
// SPDX-License-Identifier: MIT
//
// Umbrella header: every public type of the library.
#pragma once

#include "call_once.hpp"
#include "errors.hpp"
#include "lazy_cell.hpp"
#include "lazy_lock.hpp"
#include "once_cell.hpp"
#include "once_lock.hpp"
#include "once_shared.hpp"
#include "set_once.hpp"
