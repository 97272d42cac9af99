// Catch2 2.x and 3.x behind one include.
// SPDX-License-Identifier: MIT
#pragma once

#if defined(ONCE_TEST_CATCH2_V3)
#include <catch2/catch_template_test_macros.hpp>
#include <catch2/catch_test_macros.hpp>
#else
#include <catch2/catch.hpp>
#endif
