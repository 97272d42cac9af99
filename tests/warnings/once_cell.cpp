// Every public member of OnceCell<T>, for the warnings test (see CMakeLists.txt).
// SPDX-License-Identifier: MIT
#include <once/once_cell.hpp>

#include "exercise.hpp"

namespace warnings {
namespace {

template <class T>
void exercise() {
  once::OnceCell<T> cell;
  use(cell.has_value());
  use(cell.get());
  use(cell.get_or_init([] { return make<T>(1); }));
  use(cell.get_or_try_init([]() -> std::optional<T> { return make<T>(2); }));
  use(cell.set(make<T>(3)));
  T lvalue = make<T>(4);
  if constexpr (std::is_copy_constructible_v<T>) use(cell.set(lvalue));
  use(cell.try_emplace(make<T>(5)).second);
  std::optional<T> taken = cell.take();
  use(taken);
  cell.reset();

  once::OnceCell<T> full(std::in_place, make<T>(6));
  const once::OnceCell<T>& view = full;
  use(view.get());
  use(view.has_value());

  once::OnceCell<T> moved(std::move(full));
  cell = std::move(moved);
  cell = once::OnceCell<T>();
  cell = once::OnceCell<T>(std::in_place, make<T>(7));
  if constexpr (std::is_copy_constructible_v<T>) {
    once::OnceCell<T> copy(cell);
    cell = copy;
    copy = once::OnceCell<T>();
    use(copy.get());
  }
  if (opaque() != 0) cell.reset();
  use(cell.get());
}

}  // namespace

void once_cell() {
  exercise<int>();
  exercise<std::string>();
  exercise<MoveOnly>();
}

}  // namespace warnings
