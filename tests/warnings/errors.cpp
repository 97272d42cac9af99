// Every public member of recursive_init_error, for the warnings test (see CMakeLists.txt).
// SPDX-License-Identifier: MIT
#include <once/errors.hpp>

#include "exercise.hpp"

namespace warnings {

void errors() {
  const once::recursive_init_error error;
  const std::logic_error& base = error;
  use(base.what());
  once::recursive_init_error copy = error;
  copy = error;
  use(copy.what());
}

}  // namespace warnings
