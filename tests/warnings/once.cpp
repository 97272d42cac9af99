// The umbrella header, for the warnings test (see CMakeLists.txt): every public header together.
// SPDX-License-Identifier: MIT
//
// One type of each is used.
#include <once/once.hpp>

#include "exercise.hpp"

namespace warnings {

void umbrella() {
  once::OnceLock<std::string> lock;
  use(lock.get_or_init([] { return make<std::string>(1); }));
  once::LazyLock lazy = [] { return make<std::string>(2); };
  use(*lazy);
  once::OnceShared<std::string> shared;
  use(shared.get_or_make_shared(make<std::string>(3)));
  once::SetOnce<std::string> set;
  use(set.set(make<std::string>(4)));
}

}  // namespace warnings
