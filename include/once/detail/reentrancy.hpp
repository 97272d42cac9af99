// Reentrancy detection: each execution context's stack of the cells it is initializing.
// SPDX-License-Identifier: MIT
//
// Where the stack is kept (one choice for the whole program):
//  * ONCE_REENTRANCY_SLOT(), if the program defines it: an lvalue of type
//    `void*`, private to the running execution context and null at its start
//    (an RTOS task's, a CPU's, an interrupt level's). This is how a build
//    without thread_local keeps detection.
//  * Otherwise a thread_local, where there is an OS (ONCE_NO_OS is 0).
//  * Otherwise nowhere: detection is off (ONCE_REENTRANCY_DETECTION is 0;
//    a program may also define it 0 itself). Reentrant initialization then
//    waits for itself: an untimed wait spins (or sleeps) forever instead of
//    throwing recursive_init_error.
// Define these macros the same way in every translation unit.
#pragma once

#include "config.hpp"

#if !defined(ONCE_REENTRANCY_DETECTION)
#if defined(ONCE_REENTRANCY_SLOT) || !ONCE_NO_OS
#define ONCE_REENTRANCY_DETECTION 1
#else
#define ONCE_REENTRANCY_DETECTION 0
#endif
#elif ONCE_REENTRANCY_DETECTION && ONCE_NO_OS && !defined(ONCE_REENTRANCY_SLOT)
#error "once: without an OS there is no thread_local: reentrancy detection needs ONCE_REENTRANCY_SLOT()"
#endif

ONCE_NAMESPACE_BEGIN
namespace detail {

// Every context keeps a stack of the cells it is initializing at this moment,
// linked through frames that live on the initializing call's own stack. A
// call that finds a cell held by a running initializer consults it before
// going to sleep: if this very context holds the cell, sleeping would be a
// deadlock, so it throws recursive_init_error instead. The cost is nothing in
// the object and nothing on the read path: one push and pop per initializer
// run, and a short walk only when a caller is about to block anyway.
struct InitFrame {
  const void* cell;
  InitFrame* outer;
};

#if !ONCE_REENTRANCY_DETECTION
inline InitFrame* innermost_init() noexcept { return nullptr; }
inline void set_innermost_init(InitFrame*) noexcept {}
#elif defined(ONCE_REENTRANCY_SLOT)
inline InitFrame* innermost_init() noexcept { return static_cast<InitFrame*>(ONCE_REENTRANCY_SLOT()); }
inline void set_innermost_init(InitFrame* frame) noexcept { ONCE_REENTRANCY_SLOT() = frame; }
#else
inline constinit thread_local InitFrame* innermost_init_of_thread = nullptr;
inline InitFrame* innermost_init() noexcept { return innermost_init_of_thread; }
inline void set_innermost_init(InitFrame* frame) noexcept { innermost_init_of_thread = frame; }
#endif

inline bool initializing_on_this_thread(const void* cell) noexcept {
  for (const InitFrame* frame = innermost_init(); frame != nullptr; frame = frame->outer) {
    if (frame->cell == cell) return true;
  }
  return false;
}

/// A frame for `cell` on this context's stack of running initializers: built
/// first, pushed by push(), and popped at the end of its scope (popping a
/// frame that was never pushed stores the value the slot already holds).
/// Building and pushing are two steps so that a caller can build the frame
/// before the atomic operation that claims the cell and push it after: the
/// slot's load and the frame's store then overlap that operation instead of
/// following it.
class InitFrameScope {
 public:
  explicit InitFrameScope(const void* cell) noexcept : frame_{cell, innermost_init()} {}
  void push() noexcept { set_innermost_init(&frame_); }
  ~InitFrameScope() { set_innermost_init(frame_.outer); }
  InitFrameScope(const InitFrameScope&) = delete;
  InitFrameScope& operator=(const InitFrameScope&) = delete;

 private:
  InitFrame frame_;
};

}  // namespace detail
ONCE_NAMESPACE_END
