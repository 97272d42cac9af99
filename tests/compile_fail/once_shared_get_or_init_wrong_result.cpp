// OnceShared::get_or_init with a function that returns the object, not a pointer.
// SPDX-License-Identifier: MIT
// expect: once: OnceShared<T>::get_or_init(f) needs an f callable with no arguments that returns a std::shared_ptr<T>
#include <once/once_shared.hpp>

int f(once::OnceShared<int>& slot) {
  return slot.get_or_init([] { return 42; });  // error here
}
