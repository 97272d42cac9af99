// Every public member of OnceFlag and call_once, for the warnings test (see CMakeLists.txt).
// SPDX-License-Identifier: MIT
#include <once/call_once.hpp>

#include "exercise.hpp"

namespace warnings {
namespace {

void init_with(int& out, const std::string& text, MoveOnly moved) {
  out = static_cast<int>(text.size()) + *moved.value;
}

struct Widget {
  int calls = 0;
  void init(int n) { calls += n; }
};

}  // namespace

void call_once() {
  static once::once_flag flag;
  once::call_once(flag, [] { use(opaque()); });
  int out = 0;
  once::OnceFlag other;
  once::call_once(other, init_with, out, make<std::string>(1), make<MoveOnly>(2));
  Widget widget;
  once::OnceFlag member;
  once::call_once(member, &Widget::init, widget, 3);
  use(out);
  use(widget.calls);
  const once::OnceFlag& view = other;
  use(view.is_completed());
  view.wait();
  use(view.wait_for(std::chrono::milliseconds(1)));
  use(view.wait_until(std::chrono::steady_clock::now()));
  use(view.wait_until(std::chrono::system_clock::now()));
  use(view.wait_until(OtherClock::now()));
#if defined(__cpp_lib_jthread)
  std::stop_source source;
  use(view.wait(source.get_token()));
#endif
}

}  // namespace warnings
