// Death tests: run code that must abort in a forked child; report how it ended and what it printed.
// SPDX-License-Identifier: MIT
#pragma once

#if defined(__linux__)
#define ONCE_TEST_CAN_FORK 1

#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <string>

namespace test {

struct Death {
  bool aborted = false;  // ended by SIGABRT
  std::string stderr_text;
};

/// Runs `body` in a forked child and waits for it. The child gets the default
/// SIGABRT action (not Catch2's handler, which would report a failure of its
/// own) and its stderr goes to a pipe the parent reads.
template <class Body>
Death die_in_child(Body body) {
  Death death;
  int pipe_fds[2];
  if (::pipe(pipe_fds) != 0) return death;
  const pid_t child = ::fork();
  if (child < 0) return death;
  if (child == 0) {
    std::signal(SIGABRT, SIG_DFL);
    ::dup2(pipe_fds[1], 2);
    ::close(1);
    body();
    ::_exit(0);  // survived: the parent sees a normal exit
  }
  ::close(pipe_fds[1]);
  char buffer[256];
  for (ssize_t n; (n = ::read(pipe_fds[0], buffer, sizeof buffer)) > 0;) {
    death.stderr_text.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(pipe_fds[0]);
  int status = 0;
  death.aborted = ::waitpid(child, &status, 0) == child && WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT;
  return death;
}

}  // namespace test
#else
#define ONCE_TEST_CAN_FORK 0
#endif
