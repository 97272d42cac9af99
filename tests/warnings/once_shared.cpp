// Every public member of OnceShared<T>, for the warnings test (see CMakeLists.txt).
// SPDX-License-Identifier: MIT
#include <once/once_shared.hpp>

#include <version>
#if defined(__cpp_lib_jthread)
#include <stop_token>
#endif

#include "exercise.hpp"

namespace warnings {
namespace {

template <class T>
void exercise() {
  once::OnceShared<T> slot;
  use(slot.get());
  use(slot.load());
  const std::shared_ptr<T> made = std::make_shared<T>(make<T>(1));
  use(slot.store(made));
  use(slot.store(std::make_shared<T>(make<T>(2))));
  use(slot.get_or_init([] { return std::make_shared<T>(make<T>(3)); }));
  use(slot.get_or_init([] { return std::make_unique<T>(make<T>(4)); }));
  use(slot.get_or_make_shared(make<T>(5)));
  use(slot.has_value());
  use(slot.wait());
  use(slot.wait_for(std::chrono::milliseconds(1)));
  use(slot.wait_until(std::chrono::steady_clock::now()));
  use(slot.wait_until(OtherClock::now()));
#if defined(__cpp_lib_jthread)
  std::stop_source source;
  use(slot.wait(source.get_token()));
#endif
  use(slot.take());
  use(slot.get_or_try_init([]() -> std::optional<std::shared_ptr<T>> { return std::make_shared<T>(make<T>(9)); }));
  once::OnceShared<T> full(std::make_shared<T>(make<T>(10)));
  use(full.get());

  once::OnceShared<const T> to_const;
  use(to_const.store(made));
  use(to_const.store(std::make_shared<T>(make<T>(6))));
  use(to_const.get_or_init([] { return std::make_shared<T>(make<T>(7)); }));
  use(to_const.get_or_make_shared(make<T>(8)));
  const once::OnceShared<const T>& view = to_const;
  use(view.get());
  use(view.load());

  once::OnceShared<T> copy(slot);
  once::OnceShared<T> moved(std::move(copy));
  slot = moved;
  slot = std::move(moved);
  slot = once::OnceShared<T>();
  copy = slot;
  if (opaque() != 0) use(slot.take());
  use(slot.get());

  use(slot.has_value());
  use(slot.get_or_try_init([] { return std::optional<std::shared_ptr<T>>(std::make_shared<T>(make<T>(9))); }));
  use(slot.wait());
  use(view.wait());
  use(slot.wait_for(std::chrono::milliseconds(1)));
  use(slot.wait_until(std::chrono::steady_clock::now()));
  use(slot.wait_until(OtherClock::now()));
#if defined(__cpp_lib_jthread)
  use(slot.wait(std::stop_token{}));
#endif
}

}  // namespace

void once_shared() {
  exercise<int>();
  exercise<std::string>();
  exercise<MoveOnly>();
}

}  // namespace warnings
