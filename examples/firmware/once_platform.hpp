// What the library needs to be told about this firmware, included before any
// <once/...> header (a real project would pass it with -include).
//
// Without an OS the library picks the spin wait backend by itself
// (__STDC_HOSTED__ is 0) and there is no thread_local, so reentrancy
// detection needs to know the running execution context. On one core where
// only interrupts preempt, contexts nest strictly (a handler runs to its end
// above the code it interrupted), so one slot for the whole program keeps a
// correct stack of the cells being initialized: a handler pushes above the
// interrupted code's frames and pops back before it returns. It also sees
// the interrupted code's frames, so a handler about to wait for a cell that
// the code it preempted holds (a certain deadlock on one core) gets the
// recursive-initialization error instead of spinning forever.
//
// With an RTOS, whose tasks switch in any order, the slot must be the task's
// own (a word in its control block).
#pragma once

namespace firmware {
inline void* once_context = nullptr;
}

#define ONCE_REENTRANCY_SLOT() (::firmware::once_context)
