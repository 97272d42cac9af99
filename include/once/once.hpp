// The umbrella header: every public type of the library.
// SPDX-License-Identifier: MIT
#pragma once

#include "call_once.hpp"
#include "errors.hpp"
#include "lazy_cell.hpp"
#include "lazy_lock.hpp"
#include "once_cell.hpp"
#include "once_lock.hpp"
#include "once_shared.hpp"
#include "set_once.hpp"
