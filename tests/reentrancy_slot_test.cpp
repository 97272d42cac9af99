// Reentrancy detection through the program's ONCE_REENTRANCY_SLOT() hook.
// SPDX-License-Identifier: MIT
//
// Reentrancy detection through the program's ONCE_REENTRANCY_SLOT() hook, as
// a build without thread_local (firmware, an RTOS) provides it: the frames
// live in the running context's slot, and two contexts on one thread (an
// interrupt preempting the main loop) are told apart.
#include <chrono>

namespace context {
// Context 0 is the "main loop", context 1 an "interrupt handler".
inline void* slots[2] = {};
inline int running = 0;
}  // namespace context

#define ONCE_REENTRANCY_SLOT() (::context::slots[::context::running])

#include <once/once_lock.hpp>

#include "catch.hpp"

using namespace std::chrono_literals;

namespace {
constexpr int kNotCalled = -1;
}  // namespace

static_assert(ONCE_REENTRANCY_DETECTION, "the slot hook turns detection on");

TEST_CASE("the initializer's frame lives in the running context's slot", "[reentrancy][slot]") {
  once::OnceLock<int> cell;
  bool in_own_slot = false;
  bool other_slot_empty = false;
  cell.get_or_init([&] {
    in_own_slot = context::slots[0] != nullptr;
    other_slot_empty = context::slots[1] == nullptr;
    return 1;
  });
  CHECK(in_own_slot);
  CHECK(other_slot_empty);
  CHECK(context::slots[0] == nullptr);  // popped again
}

TEST_CASE("another context finding the cell held waits instead of throwing", "[reentrancy][slot]") {
  once::OnceLock<int> cell;
  const int* seen_by_other_context = &kNotCalled;
  cell.get_or_init([&] {
    context::running = 1;  // as if an interrupt preempted the initializer
    const auto start = std::chrono::steady_clock::now();
    seen_by_other_context = cell.wait_for(20ms);
    CHECK(std::chrono::steady_clock::now() - start >= 20ms);
    context::running = 0;
    return 1;
  });
  CHECK(seen_by_other_context == nullptr);  // timed out: an ordinary wait
  CHECK(*cell.get() == 1);
}

#if ONCE_HAS_EXCEPTIONS
TEST_CASE("the same context reentering its own cell gets recursive_init_error", "[reentrancy][slot]") {
  once::OnceLock<int> cell;
  bool threw = false;
  cell.get_or_init([&] {
    try {
      cell.wait_for(1h);
    } catch (const once::recursive_init_error&) {
      threw = true;
    }
    return 1;
  });
  CHECK(threw);
  CHECK(*cell.get() == 1);
}
#endif
