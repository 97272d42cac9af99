// The program the gdb pretty-printer test stops in: each type in each state the printers tell apart.
// SPDX-License-Identifier: MIT
//
// gdb stops at once_gdb_marker() and prints them (tests/gdb/check_printers.py).
// Built with -O0 -g.
#include <atomic>
#include <cstdint>
#include <latch>
#include <memory>
#include <string>
#include <thread>

#include <once/once.hpp>
#if ONCE_GDB_TEST_ONCE_FLAG
#include <once/call_once.hpp>
#endif

#include "coro.hpp"

// Global, outside any anonymous namespace, so that gdb finds each by name.
namespace probe {

once::OnceCell<int> cell_empty;
once::OnceCell<std::string> cell_full;
once::OnceLock<std::string> lock_empty;
once::OnceLock<std::string> lock_full;
once::OnceLock<int> lock_int;
once::OnceLock<std::string> lock_running;  // an initializer runs, another thread sleeps on it
once::OnceLock<int> lock_waited;           // empty, a thread sleeps in wait()
constinit once::LazyCell lazy_cell_unforced = [] { return 1; };
constinit once::LazyCell lazy_cell_forced = [] { return std::string("lazy cell"); };
constinit once::LazyLock lazy_lock_unforced = [] { return 2; };
constinit once::LazyLock lazy_lock_forced = [] { return 7; };
once::OnceShared<int> shared_empty;
once::OnceShared<int> shared_full;
std::shared_ptr<int> shared_keep;  // a second owner: use count 2
once::SetOnce<int> set_empty;
once::SetOnce<int> set_waited;  // three coroutines wait
once::SetOnce<std::string> set_full;
once::SetOnce<void> event_set;
once::SetOnce<void> event_waited;  // two coroutines wait
#if ONCE_GDB_TEST_ONCE_FLAG
once::OnceFlag flag_done;
once::OnceFlag flag_not_done;
once::OnceFlag flag_running;  // call_once runs, another thread sleeps on it
#endif

}  // namespace probe

// Where gdb stops: every object above is in the state its comment says.
extern "C" [[gnu::noinline]] void once_gdb_marker() { asm volatile("" ::: "memory"); }

namespace {

/// The state word of a OnceLock: its first 4 bytes (detail/cell.hpp). The
/// printers read the same word; here it tells when a sleeper has flagged it.
/// (OnceFlag's too: it is one OnceState.)
template <class Lock>
std::int32_t state_word(const Lock& lock) {
  return reinterpret_cast<const std::atomic<std::int32_t>*>(&lock)->load();
}

template <class Lock>
void wait_for_word(const Lock& lock, std::int32_t word) {
  while (state_word(lock) != word) std::this_thread::yield();
}

test::Detached await_value(once::SetOnce<int>& cell, std::atomic<int>& sum) { sum += co_await cell; }
test::Detached await_event(once::SetOnce<void>& event, std::atomic<int>& count) {
  co_await event;
  ++count;
}

}  // namespace

int main() {
  using namespace probe;
  cell_full.set("cell value");
  lock_full.set("hello");
  lock_int.set(42);
  (void)*lazy_cell_forced;
  (void)*lazy_lock_forced;
  // Used, so that no compiler drops them (a lambda's type gives them internal linkage).
  if (lazy_cell_unforced.has_value() || lazy_lock_unforced.has_value()) return 1;
  shared_full.store(std::make_shared<int>(5));
  shared_keep = shared_full.load();
  set_full.set("done");
  event_set.set();

  std::atomic<int> sum{0};
  std::atomic<int> events{0};
  for (int i = 0; i < 3; ++i) await_value(set_waited, sum);
  for (int i = 0; i < 2; ++i) await_event(event_waited, events);

  std::latch release(1);
  std::thread initializer([&] {
    lock_running.get_or_init([&] {
      release.wait();
      return std::string("late");
    });
  });
  while (state_word(lock_running) == 0) std::this_thread::yield();
  std::thread sleeper([] { (void)lock_running.get_or_init([] { return std::string("never"); }); });
  wait_for_word(lock_running, 1 | 2);  // kRunning | kWaiters: the sleeper has flagged the word
  std::thread waiter([] { (void)lock_waited.wait(); });
  wait_for_word(lock_waited, 2);  // kEmpty | kWaiters
#if ONCE_GDB_TEST_ONCE_FLAG
  once::call_once(flag_done, [] {});
  std::thread flag_caller([&] { once::call_once(flag_running, [&] { release.wait(); }); });
  while (state_word(flag_running) == 0) std::this_thread::yield();
  std::thread flag_sleeper([] { once::call_once(flag_running, [] {}); });
  wait_for_word(flag_running, 1 | 2);
#endif

  once_gdb_marker();

  release.count_down();
  lock_waited.set(1);
  initializer.join();
  sleeper.join();
  waiter.join();
#if ONCE_GDB_TEST_ONCE_FLAG
  flag_caller.join();
  flag_sleeper.join();
#endif
  set_waited.set(1);
  event_waited.set();
  return (sum == 3 && events == 2 && *lock_running.get() == "late") ? 0 : 1;
}
