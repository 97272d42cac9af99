// One lazily computed int through LazyLock, for the image size comparison
// with size_static.cpp (the same program with a function-local static).
#include "once_platform.hpp"

#include <cstdint>
#include <once/lazy_lock.hpp>

#include "board.hpp"

namespace {
volatile int seed = 41;  // read at run time: the value cannot be folded
constinit once::LazyLock<int> answer = [] { return seed + 1; };
}  // namespace

int main() {
  board::print("value ");
  board::print_number(static_cast<std::uint32_t>(*answer));
  board::print("\n");
  return 0;
}
