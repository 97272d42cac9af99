// The model checker's scheduler: logical threads as fibers on one OS thread,
// switched only at scheduling points, with every choice recorded so that the
// explorer can replay a prefix and try the next alternative (depth-first,
// preemption-bounded), or draw choices at random.
#include <cxxabi.h>
#include <ucontext.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <utility>

#include <once/detail/reentrancy.hpp>

#include "model.hpp"
// After model.hpp: instantiated for model::Atom below.
#include <once/detail/waiter_list.hpp>
#include "run.hpp"

namespace model {
namespace {

// libstdc++ keeps, per OS thread, the stack of exceptions being handled and
// the count of those in flight. Fibers share the OS thread, so each keeps its
// own copy, swapped in when it runs (a fiber may be switched out while an
// exception unwinds through it: the state machine's roll-back is a
// scheduling point).
struct EhGlobals {
  void* caught;
  unsigned int uncaught;
};
EhGlobals* eh_globals() noexcept { return reinterpret_cast<EhGlobals*>(abi::__cxa_get_globals()); }

enum class Status : std::uint8_t { kRunnable, kParked, kFinished };

constexpr std::size_t kStackSize = 256 * 1024;
constexpr std::size_t kMaxSteps = 100000;

struct Thread {
  ucontext_t context{};
  Status status = Status::kRunnable;
  const void* last_read = nullptr;    // the atomic this thread read last
  const void* spinning_on = nullptr;  // after yield(): not scheduled until this atomic is written
  const void* parked_on = nullptr;
  bool timed = false;
  std::int64_t deadline = 0;
  std::vector<std::int64_t> passed;  // deadlines known to have passed
  VClock clock{};
  once::detail::InitFrame* innermost = nullptr;
  once::detail::WaiterBatch<model::Atom>* batches = nullptr;  // SetOnce: the set() calls this thread is inside
  EhGlobals eh{};
};

struct Event {
  int thread;
  const char* op;
  const void* where;
  int value = -1;  // a value choice's outcome
};

struct FailureInMain {};

/// One choice the scheduler made: which thread runs (option i is thread
/// thread[i]) or which value a choice point takes (option i is the value i).
struct Choice {
  std::uint8_t options = 0;
  std::uint8_t chosen = 0;
  std::uint8_t preemptions = 0;  // spent before this choice
  bool is_value = false;
  std::array<std::uint8_t, kMaxThreads> thread{};
  std::array<std::uint8_t, kMaxThreads> cost{};
};

struct World {
  Execution* execution = nullptr;
  int count = 0;    // logical threads
  int running = 0;  // 0: the scenario's own thread
  std::array<Thread, kMaxThreads> threads;
  std::array<std::unique_ptr<char[]>, kMaxThreads> stacks;
  std::vector<Event> events;
  std::size_t steps = 0;
  std::uint64_t notifications = 0;
  bool failed = false;
  std::string failure;

  // The explorer's side.
  std::vector<Choice> trail;
  std::size_t next = 0;
  int preemptions = 0;
  int bound = 0;
  bool cut = false;  // an alternative was left out for exceeding the bound
  bool random = false;
  std::mt19937_64 rng;
};

World world;
bool in_execution = false;

Thread& me() noexcept { return world.threads[static_cast<std::size_t>(world.running)]; }

bool enabled(const Thread& t) noexcept {
  return (t.status == Status::kRunnable && t.spinning_on == nullptr) || (t.status == Status::kParked && t.timed);
}

int pick(Choice proposed) {
  if (world.next < world.trail.size()) {
    Choice& replay = world.trail[world.next];
    if (replay.options != proposed.options || replay.is_value != proposed.is_value ||
        replay.thread != proposed.thread) {
      fail("the scenario is not deterministic: a replayed schedule offered different choices");
    }
    ++world.next;
    world.preemptions += replay.cost[replay.chosen];
    return replay.chosen;
  }
  proposed.preemptions = static_cast<std::uint8_t>(world.preemptions);
  if (world.random) {
    proposed.chosen = static_cast<std::uint8_t>(world.rng() % proposed.options);
  } else {
    proposed.chosen = 0;  // option 0 costs nothing: the running thread goes on, or value 0
  }
  world.trail.push_back(proposed);
  ++world.next;
  world.preemptions += proposed.cost[proposed.chosen];
  return proposed.chosen;
}

void save_thread_state(Thread& t) noexcept {
  t.innermost = once::detail::innermost_init();
  t.batches = once::detail::innermost_batch<model::Atom>;
  t.eh = *eh_globals();
}
void restore_thread_state(const Thread& t) noexcept {
  once::detail::set_innermost_init(t.innermost);
  once::detail::innermost_batch<model::Atom> = t.batches;
  *eh_globals() = t.eh;
}

void switch_to(int target) {
  const int from = world.running;
  if (target == from) return;
  Thread& source = world.threads[static_cast<std::size_t>(from)];
  Thread& destination = world.threads[static_cast<std::size_t>(target)];
  save_thread_state(source);
  world.running = target;
  restore_thread_state(destination);
  swapcontext(&source.context, &destination.context);
}

/// Chooses the logical thread that runs next, wakes it if it was parked with
/// a timeout (the timeout fires), and switches to it. Switching away from a
/// runnable thread is a preemption; from a parked or finished one it is free.
void reschedule() {
  const Thread& current = me();
  // A thread that just yielded is not enabled: switching away from it is free.
  const bool preemptible = world.running != 0 && enabled(current) && current.status == Status::kRunnable;
  Choice choice;
  if (world.running != 0 && enabled(current)) {
    choice.thread[choice.options] = static_cast<std::uint8_t>(world.running);
    choice.cost[choice.options++] = 0;
  }
  for (int i = 1; i <= world.count; ++i) {
    if (i == world.running || !enabled(world.threads[static_cast<std::size_t>(i)])) continue;
    choice.thread[choice.options] = static_cast<std::uint8_t>(i);
    choice.cost[choice.options++] = preemptible ? 1 : 0;
  }
  if (choice.options == 0) {
    bool all_finished = true;
    for (int i = 1; i <= world.count; ++i) {
      all_finished = all_finished && world.threads[static_cast<std::size_t>(i)].status == Status::kFinished;
    }
    bool spinning = false;
    for (int i = 1; i <= world.count; ++i) {
      spinning = spinning || world.threads[static_cast<std::size_t>(i)].spinning_on != nullptr;
    }
    if (spinning) fail("livelock: every logical thread that has not finished spins on a word nobody else will write");
    if (!all_finished) fail("deadlock or lost wake-up: every logical thread that has not finished is blocked");
    switch_to(0);
    std::abort();  // a finished thread is never resumed
  }
  const int target = choice.thread[static_cast<std::size_t>(pick(choice))];
  Thread& next = world.threads[static_cast<std::size_t>(target)];
  if (next.status == Status::kParked) {  // a timed wait times out: its deadline has passed
    next.status = Status::kRunnable;
    next.parked_on = nullptr;
    next.passed.push_back(next.deadline);
    world.events.push_back({target, "futex wait timed out", nullptr});
  }
  switch_to(target);
}

void thread_entry() {
  const int index = world.running;
  bool threw = false;
  try {
    world.execution->thread(index);
  } catch (...) {
    threw = true;
  }
  if (threw) fail("a logical thread ended with an exception the scenario did not expect");
  me().status = Status::kFinished;
  world.events.push_back({index, "finished", nullptr});
  reschedule();
  std::abort();  // never resumed
}

}  // namespace

// ---------------------------------------------------------------------------
// The interface model.hpp declares

int current() noexcept { return world.running; }
VClock& clock() noexcept { return me().clock; }
void tick() noexcept { ++me().clock[static_cast<std::size_t>(world.running)]; }

void fail(const std::string& what) {
  if (!in_execution) {
    std::fprintf(stderr, "model: %s (outside an execution)\n", what.c_str());
    std::abort();
  }
  if (!world.failed) {
    world.failed = true;
    world.failure = what;
  }
  if (world.running == 0) throw FailureInMain{};
  switch_to(0);  // abandon the execution: the explorer reports it
  std::abort();
}

void schedule(const char* op, const void* where) {
  if (!in_execution || world.running == 0) return;
  world.events.push_back({world.running, op, where});
  if (++world.steps > kMaxSteps) fail("an execution ran for too many steps (a livelock?)");
  reschedule();
}

bool choose(const char* what) {
  if (!in_execution || world.running == 0) return false;
  Choice choice;
  choice.is_value = true;
  choice.options = 2;
  const int value = pick(choice);
  world.events.push_back({world.running, what, nullptr, value});
  return value == 1;
}

void yield() {
  if (!in_execution || world.running == 0) return;
  Thread& t = me();
  if (t.last_read == nullptr) fail("yield() in a spin loop that reads no model atomic");
  t.spinning_on = t.last_read;
  schedule("yield", t.spinning_on);
}

void note_read(const void* atom) noexcept {
  if (in_execution) me().last_read = atom;
}

void note_write(const void* atom) noexcept {
  if (!in_execution) return;
  for (Thread& t : world.threads) {
    if (t.spinning_on == atom) t.spinning_on = nullptr;
  }
}

void park(const void* address, const std::function<bool()>& still_equal, bool timed, std::int64_t deadline) {
  schedule(timed ? "futex wait (timed)" : "futex wait", address);
  if (!still_equal()) return;  // the kernel's compare, in the same step as going to sleep
  Thread& t = me();
  t.status = Status::kParked;
  t.parked_on = address;
  t.timed = timed;
  t.deadline = deadline;
  reschedule();
}

void notify(const void* address) {
  schedule("futex wake", address);
  ++world.notifications;
  for (int i = 1; i <= world.count; ++i) {
    Thread& t = world.threads[static_cast<std::size_t>(i)];
    if (t.status == Status::kParked && t.parked_on == address) {
      t.status = Status::kRunnable;
      t.parked_on = nullptr;
    }
  }
}

std::uint64_t notifications() noexcept { return world.notifications; }

bool deadline_passed(std::int64_t deadline) {
  if (deadline <= 0) return true;
  const auto& passed = me().passed;
  return std::find(passed.begin(), passed.end(), deadline) != passed.end();
}

bool deadline_reached(std::int64_t deadline) {
  if (deadline_passed(deadline)) return true;
  if (!choose("deadline reached")) return false;
  me().passed.push_back(deadline);
  return true;
}

std::vector<Scenario>& scenarios() {
  static std::vector<Scenario> all;
  return all;
}

// ---------------------------------------------------------------------------
// The explorer

namespace {

/// Makes logical thread `i` ready to run the execution's thread(i), started
/// by thread 0: the setup happens before it. (Out of line: getcontext returns
/// twice, which the caller's locals need not know about.)
[[gnu::noinline]] void start_thread(int i) {
  Thread& t = world.threads[static_cast<std::size_t>(i)];
  t.clock = world.threads[0].clock;
  t.clock[static_cast<std::size_t>(i)] = 1;
  auto& stack = world.stacks[static_cast<std::size_t>(i)];
  if (!stack) stack = std::make_unique<char[]>(kStackSize);
  getcontext(&t.context);
  t.context.uc_stack.ss_sp = stack.get();
  t.context.uc_stack.ss_size = kStackSize;
  t.context.uc_link = nullptr;
  makecontext(&t.context, thread_entry, 0);
}

/// Runs one execution of `scenario` along the current trail (replaying its
/// choices, then taking option 0 or a random one for every new choice).
bool run_one(const Scenario& scenario) {
  world.next = 0;
  world.preemptions = 0;
  world.events.clear();
  world.steps = 0;
  world.notifications = 0;
  world.failed = false;
  world.failure.clear();
  world.running = 0;
  for (auto& t : world.threads) t = Thread{};
  world.threads[0].clock[0] = 1;
  in_execution = true;

  std::unique_ptr<Execution> execution;
  try {
    execution = scenario.make();
    world.execution = execution.get();
    world.count = execution->threads();
    if (world.count < 1 || world.count >= kMaxThreads) fail("a scenario runs 1 to 3 logical threads");
    for (int i = 1; i <= world.count; ++i) start_thread(i);
    tick();
    reschedule();  // runs the logical threads until all finish, or one fails
    if (!world.failed) {
      for (int i = 1; i <= world.count; ++i)
        join(world.threads[0].clock, world.threads[static_cast<std::size_t>(i)].clock);
      execution->finish();
    }
  } catch (const FailureInMain&) {
  }
  if (world.failed) {
    static_cast<void>(execution.release());  // abandoned mid-flight: its threads' stacks still refer to it
  } else {
    execution.reset();
  }
  in_execution = false;
  return !world.failed;
}

/// The next schedule in depth-first order whose preemptions stay within the
/// bound: the deepest choice with an untried affordable option takes it.
bool advance() {
  while (!world.trail.empty()) {
    Choice& c = world.trail.back();
    for (int i = c.chosen + 1; i < c.options; ++i) {
      if (c.preemptions + c.cost[static_cast<std::size_t>(i)] <= world.bound) {
        c.chosen = static_cast<std::uint8_t>(i);
        return true;
      }
      world.cut = true;
    }
    world.trail.pop_back();
  }
  return false;
}

void print_failure(const Scenario& scenario) {
  std::printf("FAIL %s: %s\n", scenario.name.c_str(), world.failure.c_str());
  std::printf("  schedule (%d preemptions): ", world.preemptions);
  for (std::size_t i = 0; i < world.next && i < world.trail.size(); ++i) {
    const Choice& c = world.trail[i];
    if (c.is_value) {
      std::printf("v%d ", c.chosen);
    } else {
      std::printf("t%d ", c.thread[c.chosen]);
    }
  }
  std::printf("\n  last steps:\n");
  const std::size_t first = world.events.size() > 40 ? world.events.size() - 40 : 0;
  for (std::size_t i = first; i < world.events.size(); ++i) {
    const Event& e = world.events[i];
    std::printf("    [thread %d] %s", e.thread, e.op);
    if (e.where != nullptr) std::printf(" @%p", e.where);
    if (e.value >= 0) std::printf(": %s", e.value == 1 ? "yes" : "no");
    std::printf("\n");
  }
  for (int i = 1; i <= world.count; ++i) {
    const Thread& t = world.threads[static_cast<std::size_t>(i)];
    const char* status = t.status == Status::kRunnable ? "runnable"
                         : t.status == Status::kParked ? "parked"
                                                       : "finished";
    std::printf("  thread %d: %s", i, status);
    if (t.status == Status::kParked) std::printf(" on %p%s", t.parked_on, t.timed ? " (timed)" : "");
    std::printf("\n");
  }
  std::fflush(stdout);
}

}  // namespace

Outcome explore(const Scenario& scenario, const Options& options) {
  Outcome outcome;
  const auto start = std::chrono::steady_clock::now();
  const int max_bound = options.bound >= 0 ? options.bound : scenario.bound;
  world.random = false;
  // Iterative context bounding: bound 0, then 1, ...: the first failure found
  // has the fewest preemptions. Each pass explores every schedule within its
  // bound (so the last pass's count covers all of them). A pass that never
  // left an alternative out for its cost explored every schedule there is.
  for (int bound = 0; bound <= max_bound && !outcome.complete; ++bound) {
    world.bound = bound;
    world.cut = false;
    world.trail.clear();
    std::uint64_t count = 0;
    do {
      ++count;
      if (!run_one(scenario)) {
        print_failure(scenario);
        outcome.passed = false;
        outcome.schedules = count;
        return outcome;
      }
    } while (advance());
    outcome.schedules = count;
    outcome.bound = bound;
    outcome.complete = !world.cut;
  }
  // Random schedules go beyond the bound; after a complete pass there is no beyond.
  const int random_runs = outcome.complete ? 0 : options.random_runs >= 0 ? options.random_runs : scenario.random_runs;
  world.random = true;
  world.rng.seed(options.seed);
  for (int i = 0; i < random_runs; ++i) {
    world.trail.clear();
    if (!run_one(scenario)) {
      std::printf("  (random schedule %d, seed %llu)\n", i, static_cast<unsigned long long>(options.seed));
      print_failure(scenario);
      outcome.passed = false;
      return outcome;
    }
    ++outcome.random;
  }
  outcome.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return outcome;
}

}  // namespace model
