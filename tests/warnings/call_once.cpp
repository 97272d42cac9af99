// Every public member of OnceFlag, and call_once, for the warnings test (see
// CMakeLists.txt).
#include <once/call_once.hpp>

#include <version>
#if defined(__cpp_lib_jthread)
#include <stop_token>
#endif

#include "exercise.hpp"

namespace warnings {
namespace {

struct Widget {
  int value = 0;
  void add(int n) { value += n; }
};

int counter = 0;
void bump(int n) { counter += n; }

}  // namespace

void call_once() {
  once::OnceFlag flag;
  once::call_once(flag, [] { use(make<std::string>(1)); });
  once::call_once(flag, bump, 2);
  Widget widget;
  once::OnceFlag member;
  once::call_once(member, &Widget::add, widget, 3);
  once::call_once(member, &Widget::add, &widget, 4);
  once::OnceFlag moved_argument;
  once::call_once(
      moved_argument, [](MoveOnly m) { use(m); }, make<MoveOnly>(5));
  use(flag.is_completed());
  const once::once_flag& view = flag;
  view.wait();
  use(view.wait_for(std::chrono::milliseconds(1)));
  use(view.wait_for(std::chrono::duration<double>(0.001)));
  use(view.wait_until(std::chrono::steady_clock::now()));
  use(view.wait_until(std::chrono::system_clock::now() + std::chrono::seconds(1)));
  use(view.wait_until(OtherClock::now()));
#if defined(__cpp_lib_jthread)
  use(view.wait(std::stop_token{}));
#endif
}

}  // namespace warnings
