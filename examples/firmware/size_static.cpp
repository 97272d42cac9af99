// One lazily computed int through a function-local static (thread-safe
// statics, as the compiler's default: __cxa_guard_acquire/release), for the
// image size comparison with size_lazylock.cpp.
#include <cstdint>

#include "board.hpp"

namespace {
volatile int seed = 41;  // read at run time: the value cannot be folded

int& answer() {
  static int value = seed + 1;
  return value;
}
}  // namespace

int main() {
  board::print("value ");
  board::print_number(static_cast<std::uint32_t>(answer()));
  board::print("\n");
  return 0;
}
