// Every public member of OnceShared<T>, for the warnings test (see CMakeLists.txt).
#include <once/once_shared.hpp>

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
  use(slot.take());

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
}

}  // namespace

void once_shared() {
  exercise<int>();
  exercise<std::string>();
  exercise<MoveOnly>();
}

}  // namespace warnings
