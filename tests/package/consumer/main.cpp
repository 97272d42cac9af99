// The consumer program: uses every public header through the umbrella header.
// SPDX-License-Identifier: MIT
#include <cstdio>
#include <string>

#include <once/once.hpp>

namespace {
constinit once::LazyLock greeting = [] { return std::string("hello from once"); };
constinit once::OnceLock<int> answer;
}  // namespace

int main() {
  answer.set(42);
  once::OnceCell<int> cell;
  once::LazyCell lazy = [] { return 1; };
  std::printf("%s %d %d %d (version %d.%d.%d)\n", greeting->c_str(), *answer.get(), cell.get_or_init([] { return 7; }),
              *lazy, ONCE_VERSION_MAJOR, ONCE_VERSION_MINOR, ONCE_VERSION_PATCH);
  return *answer.get() == 42 ? 0 : 1;
}
