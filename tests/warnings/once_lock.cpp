// Every public member of OnceLock<T>, for the warnings test (see CMakeLists.txt).
// SPDX-License-Identifier: MIT
#include <once/once_lock.hpp>

#include "exercise.hpp"

namespace warnings {
namespace {

template <class T>
void exercise() {
  once::OnceLock<T> cell;
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

  once::OnceLock<T> full(std::in_place, make<T>(6));
  const once::OnceLock<T>& view = full;
  use(view.get());
  use(view.has_value());

  once::OnceLock<T> moved(std::move(full));
  cell = std::move(moved);
  cell = once::OnceLock<T>();
  cell = once::OnceLock<T>(std::in_place, make<T>(7));
  if constexpr (std::is_copy_constructible_v<T>) {
    once::OnceLock<T> copy(cell);
    cell = copy;
    copy = once::OnceLock<T>();
    use(copy.get());
  }
  if (opaque() != 0) cell.reset();
  use(cell.get());

  use(cell.wait());
  use(view.wait());
  use(cell.wait_for(std::chrono::milliseconds(1)));
  use(view.wait_for(std::chrono::duration<double>(0.001)));
  use(cell.wait_until(std::chrono::steady_clock::now()));
  use(view.wait_until(std::chrono::system_clock::now() + std::chrono::seconds(1)));
  use(cell.wait_until(OtherClock::now()));
#if defined(__cpp_lib_jthread)
  std::stop_source source;
  use(cell.wait(source.get_token()));
  use(view.wait(source.get_token()));
#endif
}

}  // namespace

void once_lock() {
  exercise<int>();
  exercise<std::string>();
  exercise<MoveOnly>();
}

}  // namespace warnings
