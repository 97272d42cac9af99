// What an interrupt handler must not do: initialize a cell that the code it
// preempted is initializing. On one core that code cannot run again until
// the handler returns, so waiting for it would spin forever; the reentrancy
// slot (once_platform.hpp) shows the handler the preempted initializer, and
// the library stops the program with its recursive-initialization message
// (-fno-exceptions: a message and abort()).
#include "once_platform.hpp"

#include <once/once_lock.hpp>

#include "board.hpp"

namespace {
constinit once::OnceLock<int> shared;
}  // namespace

extern "C" void Software_IRQHandler() {
  board::print("handler: initializing the cell the main loop holds\n");
  shared.get_or_init([] { return 2; });
  board::print("handler: returned (must not happen)\n");
}

int main() {
  board::enable_irq(board::kSoftwareIrq);
  shared.get_or_init([] {
    board::trigger_irq(board::kSoftwareIrq);  // preempts this initializer
    return 1;
  });
  board::print("main: initialized (must not happen)\n");
  return 0;
}
