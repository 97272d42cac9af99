// With reentrancy detection off, a cell's own initializer waiting on it is an ordinary wait.
// SPDX-License-Identifier: MIT
//
// With reentrancy detection off (ONCE_REENTRANCY_DETECTION 0: a build without
// thread_local and without ONCE_REENTRANCY_SLOT()), a cell's own initializer
// waiting on it is an ordinary wait: a timed one times out, an untimed one
// would never return.
#include <chrono>

#define ONCE_REENTRANCY_DETECTION 0

#include <once/once_lock.hpp>

#include "catch.hpp"

using namespace std::chrono_literals;

namespace {
constexpr int kNotCalled = -1;
}  // namespace

TEST_CASE("without detection, a reentrant wait waits instead of throwing", "[reentrancy][off]") {
  once::OnceLock<int> cell;
  const int* seen = &kNotCalled;
  cell.get_or_init([&] {
    const auto start = std::chrono::steady_clock::now();
    seen = cell.wait_for(20ms);
    CHECK(std::chrono::steady_clock::now() - start >= 20ms);
    return 1;
  });
  CHECK(seen == nullptr);
  CHECK(*cell.get() == 1);
}
