// SPDX-License-Identifier: MIT
//
// Reentrancy detection: each thread's stack of the cells it is initializing.
#pragma once

#include "config.hpp"

ONCE_NAMESPACE_BEGIN
namespace detail {

// Every thread keeps a stack of the cells it is initializing at this moment,
// linked through frames that live on the initializing call's own stack. A
// call that finds a cell held by a running initializer consults it before
// going to sleep: if this very thread holds the cell, sleeping would be a
// deadlock, so it throws recursive_init_error instead. The cost is nothing in
// the object and nothing on the read path: one push and pop per initializer
// run, and a short walk only when a caller is about to block anyway.
struct InitFrame {
  const void* cell;
  InitFrame* outer;
};

inline constinit thread_local InitFrame* innermost_init = nullptr;

inline bool initializing_on_this_thread(const void* cell) noexcept {
  for (const InitFrame* frame = innermost_init; frame != nullptr; frame = frame->outer) {
    if (frame->cell == cell) return true;
  }
  return false;
}

/// Pushes `cell` on this thread's stack of running initializers for its scope.
class InitFrameScope {
 public:
  explicit InitFrameScope(const void* cell) noexcept : frame_{cell, innermost_init} { innermost_init = &frame_; }
  ~InitFrameScope() { innermost_init = frame_.outer; }
  InitFrameScope(const InitFrameScope&) = delete;
  InitFrameScope& operator=(const InitFrameScope&) = delete;

 private:
  InitFrame frame_;
};

}  // namespace detail
ONCE_NAMESPACE_END
