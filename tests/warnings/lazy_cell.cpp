// Every public member of LazyCell<T, F>, for the warnings test (see CMakeLists.txt).
// SPDX-License-Identifier: MIT
#include <once/lazy_cell.hpp>

#include "exercise.hpp"

namespace warnings {
namespace {

template <class T>
T make_one() {
  return make<T>(1);
}

template <class T>
void exercise() {
  once::LazyCell<T> by_pointer(make_one<T>);
  once::LazyCell<T> by_lambda = [] { return make<T>(2); };
  const int n = opaque();
  once::LazyCell deduced = [n] { return make<T>(n); };
  use(by_pointer.has_value());
  use(by_pointer.get());
  use(by_pointer.force());
  use(*by_lambda);
  use(by_lambda.operator->());
  use(deduced.force());
  const auto& view = deduced;
  use(view.get());
  use(view.has_value());
  use(*view);
  use(view.operator->());
  use(view.force());
}

}  // namespace

void lazy_cell() {
  exercise<int>();
  exercise<std::string>();
  exercise<MoveOnly>();
}

}  // namespace warnings
