// Every public member of SetOnce<T> and SetOnce<void>, for the warnings test (see CMakeLists.txt).
// SPDX-License-Identifier: MIT
#include <once/set_once.hpp>

#include "exercise.hpp"

namespace warnings {
namespace {

template <class T>
Task await_value(once::SetOnce<T>& cell) {
  use(co_await cell);
  use(co_await cell.async_wait(Executor{}));
#if defined(__cpp_lib_jthread)
  std::stop_source source;
  use(co_await cell.async_wait(source.get_token()));
  use(co_await cell.async_wait(Executor{}, source.get_token()));
  use(cell.wait(source.get_token()));
  if (auto claim = co_await cell.claim(source.get_token())) use(claim.set(make<T>(13)));
#endif
  const once::SetOnce<T>& view = cell;
  use(co_await view);
  use(co_await view.async_wait(Executor{}));
  if (auto claim = co_await cell.claim()) use(claim.set(make<T>(10)));
  if (auto claim = co_await cell.claim(Executor{})) {
    use(claim.cancelled());
    use(claim.emplace(make<T>(11)));
  }
  use(co_await cell.get_or_init([] { return make<T>(12); }));
  use(co_await cell.get_or_init(Executor{}, [] { return make<T>(14); }));
}

template <class T>
void exercise() {
  once::SetOnce<T> cell;
  await_value(cell);
  use(cell.has_value());
  use(cell.get());
  use(cell.set(make<T>(1)));
  T lvalue = make<T>(2);
  if constexpr (std::is_copy_constructible_v<T>) use(cell.set(lvalue));
  use(cell.emplace(make<T>(3)));
  const once::SetOnce<T>& view = cell;
  use(view.get());
  use(view.has_value());
  use(cell.wait());
  use(cell.wait_for(std::chrono::milliseconds(1)));
  use(cell.wait_until(std::chrono::steady_clock::now()));
  use(cell.wait_until(std::chrono::system_clock::now()));
  use(cell.wait_until(OtherClock::now()));
  use(cell.take());
  once::SetOnce<T> full(std::in_place, make<T>(15));
  use(full.get());
}

Task await_event(once::SetOnce<void>& event) {
  co_await event;
  co_await event.async_wait(Executor{});
#if defined(__cpp_lib_jthread)
  std::stop_source source;
  use(co_await event.async_wait(source.get_token()));
  use(co_await event.async_wait(Executor{}, source.get_token()));
  use(event.wait(source.get_token()));
#endif
  if (auto claim = co_await event.claim()) use(claim);
}

void exercise_event() {
  once::SetOnce<void> event;
  await_event(event);
  use(event.has_value());
  use(event.set());
  event.wait();
  use(event.wait_for(std::chrono::milliseconds(1)));
  use(event.wait_until(std::chrono::steady_clock::now()));
  use(event.wait_until(OtherClock::now()));
  once::SetOnce<void> done(std::in_place);
  use(done.has_value());
}

}  // namespace

void set_once() {
  exercise<int>();
  exercise<std::string>();
  exercise<MoveOnly>();
  exercise_event();
}

}  // namespace warnings
