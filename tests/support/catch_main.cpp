// Catch2 2.x: the test runner's main, built once and linked into every test.
// SPDX-License-Identifier: MIT
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
