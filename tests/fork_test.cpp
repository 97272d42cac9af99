// fork() while another thread runs a cell's initializer: the documented limitation, and no hang.
// SPDX-License-Identifier: MIT
//
// fork() while another thread runs a cell's initializer: the documented
// limitation (once_lock.hpp, "fork()"; docs/design.md). The child inherits the
// cell as being initialized, but not the thread that would finish it, and the
// library does not try to recover: in the child the cell reads as empty, timed
// waits time out, and get_or_init blocks for good. Each child reports through
// its exit status, and every wait here is bounded, so no outcome can hang.
#include <chrono>
#include <latch>
#include <thread>

#include <once/once_lock.hpp>

#include "catch.hpp"
#include "death.hpp"
#include "threads.hpp"

#if ONCE_TEST_CAN_FORK

#include <csignal>

namespace {

using namespace std::chrono_literals;

/// How a child process ended.
struct Ending {
  bool exited = false;
  int exit_code = -1;
  int signal = 0;
  bool timed_out = false;  // still running after the bound: killed by the test
};

/// Waits for `child` up to `bound`, then kills it.
Ending wait_for_child(pid_t child, std::chrono::milliseconds bound) {
  Ending ending;
  int status = 0;
  pid_t done = 0;
  if (!test::eventually([&] { return (done = ::waitpid(child, &status, WNOHANG)) != 0; }, bound)) {
    ::kill(child, SIGKILL);
    ::waitpid(child, &status, 0);
    ending.timed_out = true;
    return ending;
  }
  if (done < 0) return ending;
  ending.exited = WIFEXITED(status);
  ending.exit_code = ending.exited ? WEXITSTATUS(status) : -1;
  ending.signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
  return ending;
}

/// Runs `child_body` (which returns an exit code) in a child forked while
/// another thread holds `cell`'s initializer, then lets that initializer
/// finish in the parent. The child leaves with _exit: it must not destroy the
/// copy of the running thread's std::thread, nor run static destructors.
template <class ChildBody>
Ending fork_during_initialization(once::OnceLock<int>& cell, ChildBody child_body) {
  std::latch running(1);
  std::latch release(1);
  std::thread initializer([&] {
    cell.get_or_init([&] {
      running.count_down();
      release.wait();
      return 1;
    });
  });
  running.wait();
  const pid_t child = ::fork();
  if (child == 0) {
    std::signal(SIGALRM, SIG_DFL);
    ::_exit(child_body());
  }
  const Ending ending = child < 0 ? Ending{} : wait_for_child(child, 20s);
  release.count_down();
  initializer.join();
  return ending;
}

}  // namespace

TEST_CASE("after fork, the child sees a cell being initialized elsewhere as empty, and timed waits time out",
          "[fork]") {
  once::OnceLock<int> cell;
  const Ending ending = fork_during_initialization(cell, [&] {
    int failures = 0;
    if (cell.has_value()) failures |= 1;
    if (cell.get() != nullptr) failures |= 2;
    if (cell.wait_for(50ms) != nullptr) failures |= 4;
    if (cell.wait_until(std::chrono::system_clock::now() + 50ms) != nullptr) failures |= 8;
    return failures;
  });
  CHECK_FALSE(ending.timed_out);
  CHECK(ending.exited);
  CHECK(ending.exit_code == 0);                    // else a bit set above names what went wrong
  CHECK(cell.get_or_init([] { return 2; }) == 1);  // the parent is unaffected
}

TEST_CASE("after fork, get_or_init in the child blocks for good on a cell being initialized elsewhere", "[fork]") {
  once::OnceLock<int> cell;
  const Ending ending = fork_during_initialization(cell, [&] {
    ::alarm(1);  // the documented outcome: still blocked when the alarm ends the child
    cell.get_or_init([] { return 2; });
    return 42;  // returned: the child recovered, which the documentation says it does not
  });
  CHECK_FALSE(ending.timed_out);
  CHECK(ending.signal == SIGALRM);
  CHECK_FALSE(ending.exited);
  CHECK(*cell.get() == 1);
}

#else
TEST_CASE("fork tests need fork()", "[fork]") { SUCCEED("no fork() on this platform"); }
#endif
