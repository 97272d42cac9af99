// Waking waiters: the cost per waiter of one set() that releases N coroutines or N blocked threads.
// SPDX-License-Identifier: MIT
//
//
//   set_once_coroutines/inline/<N>/manual_time  SetOnce<int>, N coroutines resumed inline
//   set_once_coroutines/handles_baseline/<N>/manual_time  the same N coroutines resumed from a
//                                               std::vector of handles (the floor)
//   set_once_coroutines/handles_same_frame/<N>/manual_time  as handles_baseline, with frames
//                                               padded to the SetOnce waiters' size
//   set_once_threads/<id>/<N>/manual_time       N threads blocked on an event (events.hpp); <id> is
//                                               set_once (SetOnce<void>::wait),
//                                               mutex_cv_baseline (std::mutex + std::condition_variable),
//                                               shared_future (std::promise<void> / std::shared_future)
//
// Counters: ns_per_waiter, the timed region divided by N; frame_bytes, the
// size of one waiting coroutine's frame.
//
// Coroutines, one round per iteration: N fresh coroutines suspend on a fresh
// cell (untimed); the timed region is the set() call, which resumes all of
// them inline, each running to its end (one atomic increment); the frames
// are destroyed after the timed region, so no free() is measured.
//
// Threads, one round per iteration: N persistent threads are handed a fresh
// event, block on it, and are given 200 us to fall asleep (untimed); the
// timed region runs from just before the set to the moment the setting
// thread sees the last waiter's "woken" increment. It includes the kernel's
// wake-ups and the scheduling of N threads on the machine's cores, so it is
// a wake-up latency per waiter, not CPU work per waiter: on a machine with
// fewer cores than waiters, the waiters wake in turn.
#include <benchmark/benchmark.h>

#include <array>
#include <atomic>
#include <barrier>
#include <chrono>
#include <coroutine>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <memory>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include <once/set_once.hpp>

#include "common.hpp"
#include "events.hpp"

namespace {

using Clock = std::chrono::steady_clock;

// ---- Coroutines ------------------------------------------------------------

thread_local std::size_t t_frame_bytes = 0;

/// A coroutine that starts at once and keeps its frame after finishing, until
/// its owner destroys it: frame allocation and release stay out of the
/// timed region.
class OwnedTask {
 public:
  struct promise_type {
    OwnedTask get_return_object() noexcept {
      return OwnedTask(std::coroutine_handle<promise_type>::from_promise(*this));
    }
    // Records the frame's size (counter frame_bytes): the frames are what a
    // resumption touches, so two rows compare fairly only at equal sizes.
    static void* operator new(std::size_t size) {
      t_frame_bytes = size;
      return ::operator new(size);
    }
    static void operator delete(void* frame) noexcept { ::operator delete(frame); }
    std::suspend_never initial_suspend() noexcept { return {}; }
    std::suspend_always final_suspend() noexcept { return {}; }
    void return_void() noexcept {}
    [[noreturn]] void unhandled_exception() noexcept { std::terminate(); }
  };

  explicit OwnedTask(std::coroutine_handle<promise_type> handle) noexcept : handle_(handle) {}
  OwnedTask(OwnedTask&& other) noexcept : handle_(std::exchange(other.handle_, {})) {}
  OwnedTask& operator=(OwnedTask&&) = delete;
  ~OwnedTask() {
    if (handle_) handle_.destroy();
  }

 private:
  std::coroutine_handle<promise_type> handle_;
};

OwnedTask await_cell(once::SetOnce<int>& cell, std::int64_t& sum) { sum += co_await cell; }

void set_once_coroutines(benchmark::State& state) {
  const auto waiters = static_cast<std::size_t>(state.range(0));
  std::vector<OwnedTask> tasks;
  tasks.reserve(waiters);
  std::int64_t sum = 0;
  double total_ns = 0;
  for (auto _ : state) {
    auto cell = std::make_unique<once::SetOnce<int>>();
    for (std::size_t i = 0; i < waiters; ++i) tasks.push_back(await_cell(*cell, sum));
    const auto start = Clock::now();
    cell->set(1);
    const auto end = Clock::now();
    const double ns = std::chrono::duration<double, std::nano>(end - start).count();
    state.SetIterationTime(ns * 1e-9);
    total_ns += ns;
    tasks.clear();
  }
  benchmark::DoNotOptimize(sum);
  state.counters["ns_per_waiter"] = total_ns / (static_cast<double>(state.iterations()) * static_cast<double>(waiters));
  state.counters["frame_bytes"] = static_cast<double>(t_frame_bytes);
}
BENCHMARK(set_once_coroutines)->Name("set_once_coroutines/inline")->Arg(1)->Arg(100)->Arg(10000)->UseManualTime();

/// The baselines: the same coroutines suspended on an awaiter that only keeps
/// their handles in a vector, resumed one after the other from that vector:
/// what resuming N frames costs with no list to walk and nothing to
/// synchronize. `handles_baseline` uses the smallest such awaiter;
/// `handles_same_frame` pads it so that each frame is exactly as large as a
/// frame waiting on the SetOnce (counter frame_bytes), which separates the
/// list's cost from the frame size its node adds (at 10^4 waiters the frames
/// no longer fit in the L2 cache, and their bytes dominate).
/// The handles and the value the baselines' coroutines wait for: the
/// stand-in for the cell.
struct HandleQueue {
  std::vector<std::coroutine_handle<>> handles;
  int value = 0;
};

template <std::size_t Pad>
struct HandleSlot {
  struct NoPad {};
  HandleQueue* queue;
  [[no_unique_address]] std::conditional_t<Pad == 0, NoPad, std::array<std::byte, Pad>> pad{};
  bool await_ready() const noexcept { return false; }
  void await_suspend(std::coroutine_handle<> handle) const { queue->handles.push_back(handle); }
  int await_resume() const noexcept { return queue->value; }
};

// The same shape as await_cell: one reference to what is awaited, one to the
// sum, and the awaiter a temporary in the frame.
template <std::size_t Pad>
OwnedTask await_slot(HandleQueue& queue, std::int64_t& sum) {
  sum += co_await HandleSlot<Pad>{&queue};
}

using CellAwaiter = decltype(std::declval<once::SetOnce<int>&>().operator co_await());
constexpr std::size_t kSameFramePad = sizeof(CellAwaiter) - sizeof(HandleQueue*);
static_assert(sizeof(HandleSlot<kSameFramePad>) == sizeof(CellAwaiter),
              "the padded slot is as large as the cell's awaiter");

template <std::size_t Pad>
void handles_baseline(benchmark::State& state) {
  const auto waiters = static_cast<std::size_t>(state.range(0));
  std::vector<OwnedTask> tasks;
  tasks.reserve(waiters);
  std::int64_t sum = 0;
  double total_ns = 0;
  for (auto _ : state) {
    auto queue = std::make_unique<HandleQueue>();
    queue->handles.reserve(waiters);
    for (std::size_t i = 0; i < waiters; ++i) tasks.push_back(await_slot<Pad>(*queue, sum));
    const auto start = Clock::now();
    queue->value = 1;
    for (const auto handle : queue->handles) handle.resume();
    const auto end = Clock::now();
    const double ns = std::chrono::duration<double, std::nano>(end - start).count();
    state.SetIterationTime(ns * 1e-9);
    total_ns += ns;
    tasks.clear();
  }
  benchmark::DoNotOptimize(sum);
  state.counters["ns_per_waiter"] = total_ns / (static_cast<double>(state.iterations()) * static_cast<double>(waiters));
  state.counters["frame_bytes"] = static_cast<double>(t_frame_bytes);
}
BENCHMARK(handles_baseline<0>)
    ->Name("set_once_coroutines/handles_baseline")
    ->Arg(1)
    ->Arg(100)
    ->Arg(10000)
    ->UseManualTime();
BENCHMARK(handles_baseline<kSameFramePad>)
    ->Name("set_once_coroutines/handles_same_frame")
    ->Arg(1)
    ->Arg(100)
    ->Arg(10000)
    ->UseManualTime();

// ---- Threads ---------------------------------------------------------------

template <class Event>
void thread_waiters(benchmark::State& state) {
  const auto waiters = static_cast<int>(state.range(0));
  std::barrier round_start(waiters + 1);
  std::atomic<Event*> current{nullptr};
  std::atomic<int> woken{0};
  std::atomic<bool> stop{false};
  std::vector<std::thread> threads;
  for (int i = 0; i < waiters; ++i) {
    threads.emplace_back([&] {
      for (;;) {
        round_start.arrive_and_wait();
        if (stop.load()) return;
        current.load()->wait();
        woken.fetch_add(1);
      }
    });
  }
  double total_ns = 0;
  for (auto _ : state) {
    auto event = std::make_unique<Event>();
    current = event.get();
    woken = 0;
    round_start.arrive_and_wait();
    std::this_thread::sleep_for(std::chrono::microseconds(200));  // let them fall asleep
    const auto start = Clock::now();
    event->set();
    while (woken.load() != waiters) std::this_thread::yield();
    const auto end = Clock::now();
    const double ns = std::chrono::duration<double, std::nano>(end - start).count();
    state.SetIterationTime(ns * 1e-9);
    total_ns += ns;
  }
  stop = true;
  round_start.arrive_and_wait();
  for (auto& thread : threads) thread.join();
  state.counters["ns_per_waiter"] = total_ns / (static_cast<double>(state.iterations()) * waiters);
}

// A fixed count: each round also sleeps 200 us untimed, which a time-based count would multiply.
void thread_args(benchmark::internal::Benchmark* b) { b->Arg(1)->Arg(4)->Arg(16)->Iterations(300)->UseManualTime(); }

using bench::peers::CellEvent;
using bench::peers::CondvarEvent;
using bench::peers::FutureEvent;
BENCHMARK(thread_waiters<CellEvent<once::SetOnce<void>>>)->Name("set_once_threads/set_once")->Apply(thread_args);
BENCHMARK(thread_waiters<CondvarEvent>)->Name("set_once_threads/mutex_cv_baseline")->Apply(thread_args);
BENCHMARK(thread_waiters<FutureEvent>)->Name("set_once_threads/shared_future")->Apply(thread_args);

}  // namespace

int main(int argc, char** argv) { return bench::run_benchmarks(argc, argv); }
