// The model checker: a deterministic scheduler that runs two or three logical
// threads over the library's real state machines and explores every schedule
// up to a preemption bound (see docs/design.md, "Model checker").
//
// The state machines are templates on the atomic type (BasicOnceState<Atom>,
// ...) and sleep through WaitOps<Atom>. Here Atom is model::Atom: every
// operation on it is a scheduling point, a happens-before event and a
// liveness check; WaitOps<model::Atom> parks and wakes logical threads
// instead of OS threads. Values a scenario shares go into model::Plain, a
// plain (non-atomic) variable whose accesses are checked for data races with
// vector clocks.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <new>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <once/detail/atomic.hpp>
#include <once/detail/wait.hpp>

namespace model {

// The memory orders the library's code passes (detail/atomic.hpp).
using once::detail::memory_order;
using once::detail::memory_order_acq_rel;
using once::detail::memory_order_acquire;
using once::detail::memory_order_relaxed;
using once::detail::memory_order_release;
using once::detail::memory_order_seq_cst;

// ---------------------------------------------------------------------------
// Threads and clocks

/// Index 0 is the scenario's own thread (setup and final checks); logical
/// threads are 1..kMaxThreads-1.
inline constexpr int kMaxThreads = 4;

using VClock = std::array<std::uint32_t, kMaxThreads>;

inline void join(VClock& into, const VClock& from) noexcept {
  for (int i = 0; i < kMaxThreads; ++i) into[i] = into[i] < from[i] ? from[i] : into[i];
}

/// The logical thread running now (0 outside the threads).
int current() noexcept;
/// Its vector clock.
VClock& clock() noexcept;
/// After a release: later plain accesses of this thread are not covered by it.
void tick() noexcept;

/// Ends the execution as a failure with `what` (the schedule is printed).
[[noreturn]] void fail(const std::string& what);
inline void check(bool ok, const char* what) {
  if (!ok) fail(what);
}

/// A scheduling point: any enabled logical thread may run next. `op` and
/// `where` go into the trace printed with a failure.
void schedule(const char* op, const void* where);
/// A value the scheduler chooses (explored both ways).
bool choose(const char* what);
/// A spin loop's pause. The thread stops being scheduled until some thread
/// writes the atomic it read last (what it spins on), and switching away
/// costs no preemption: a spinning thread cannot starve the one it waits
/// for, and spinning adds no schedules of its own.
void yield();
/// For yield(): an atomic was read, or written, by the current thread.
void note_read(const void* atom) noexcept;
void note_write(const void* atom) noexcept;

// ---------------------------------------------------------------------------
// Parking: the futex that WaitOps<model::Atom> is built on.

/// In one step: if `still_equal()`, the current thread sleeps on `address`
/// until notify(address) or, when `timed`, a timeout the scheduler may choose
/// at any point. Returns at once otherwise. No happens-before edge, as with a
/// futex: the woken thread must re-read its word.
void park(const void* address, const std::function<bool()>& still_equal, bool timed, std::int64_t deadline);
/// Wakes every thread parked on `address`. Never reads through it.
void notify(const void* address);
/// How many notify() calls (futex wakes, each a system call in the real
/// build) this execution has made so far.
std::uint64_t notifications() noexcept;
/// Whether this thread's deadline `deadline` has passed: the scheduler's choice
/// until it has, then always true (time does not go back).
bool deadline_reached(std::int64_t deadline);
/// Whether it is known to have passed (a choice or a timeout said so); no choice.
bool deadline_passed(std::int64_t deadline);

// ---------------------------------------------------------------------------
// Memory orders as happens-before: a release (store or read-modify-write)
// leaves the thread's clock on the location; an acquire that reads from it
// takes it. Relaxed operations carry nothing. A relaxed store ends the
// location's release sequence; a read-modify-write continues it.

inline bool acquires(memory_order order) noexcept {
  return order == memory_order_acquire || order == memory_order_acq_rel || order == memory_order_seq_cst;
}
inline bool releases(memory_order order) noexcept {
  return order == memory_order_release || order == memory_order_acq_rel || order == memory_order_seq_cst;
}
inline memory_order failure_order(memory_order order) noexcept {
  if (order == memory_order_acq_rel) return memory_order_acquire;
  if (order == memory_order_release) return memory_order_relaxed;
  return order;
}

inline constexpr std::uint32_t kAlive = 0xA11CE5EDu;
inline constexpr std::uint32_t kDead = 0xDEADCE11u;

/// Poisons an object's liveness mark as its destructor ends. Volatile: the
/// compiler would otherwise drop a store into an object whose lifetime ends.
inline void poison(std::uint32_t& alive) noexcept { *static_cast<volatile std::uint32_t*>(&alive) = kDead; }
inline bool is_alive(const std::uint32_t& alive) noexcept {
  return *static_cast<const volatile std::uint32_t*>(&alive) == kAlive;
}

/// An atomic whose every operation is a scheduling point. Values are
/// sequentially consistent (every load reads the latest store); orders act
/// through happens-before only, which Plain checks.
template <class T>
class Atom {
  static_assert(std::is_trivially_copyable_v<T>);

 public:
  constexpr Atom() noexcept : value_() {}
  constexpr Atom(T value) noexcept : value_(value) {}  // NOLINT: as std::atomic
  ~Atom() { poison(alive_); }
  Atom(const Atom&) = delete;
  Atom& operator=(const Atom&) = delete;

  T load(memory_order order = memory_order_seq_cst) const {
    enter("load");
    read(order);
    note_read(this);
    return value_;
  }

  void store(T value, memory_order order = memory_order_seq_cst) {
    enter("store");
    note_write(this);
    if (releases(order)) {
      sync_ = clock();
      tick();
    } else {
      sync_ = VClock{};
    }
    value_ = value;
  }

  T exchange(T value, memory_order order = memory_order_seq_cst) {
    enter("exchange");
    note_write(this);
    const T old = value_;
    rmw(order);
    value_ = value;
    return old;
  }

  bool compare_exchange_strong(T& expected, T desired, memory_order success, memory_order failure) {
    enter("compare_exchange");
    if (value_ == expected) {
      note_write(this);
      rmw(success);
      value_ = desired;
      return true;
    }
    note_read(this);
    read(failure);
    expected = value_;
    return false;
  }
  bool compare_exchange_strong(T& expected, T desired, memory_order order = memory_order_seq_cst) {
    return compare_exchange_strong(expected, desired, order, failure_order(order));
  }
  // No spurious failures: a weak CAS fails only when the value differs.
  bool compare_exchange_weak(T& expected, T desired, memory_order success, memory_order failure) {
    return compare_exchange_strong(expected, desired, success, failure);
  }
  bool compare_exchange_weak(T& expected, T desired, memory_order order = memory_order_seq_cst) {
    return compare_exchange_strong(expected, desired, order, failure_order(order));
  }

  T fetch_add(T operand, memory_order order = memory_order_seq_cst) requires std::is_integral_v<T> {
    return modify("fetch_add", order, [operand](T v) { return static_cast<T>(v + operand); });
  }
  T fetch_sub(T operand, memory_order order = memory_order_seq_cst) requires std::is_integral_v<T> {
    return modify("fetch_sub", order, [operand](T v) { return static_cast<T>(v - operand); });
  }
  T fetch_and(T operand, memory_order order = memory_order_seq_cst) requires std::is_integral_v<T> {
    return modify("fetch_and", order, [operand](T v) { return static_cast<T>(v & operand); });
  }
  T fetch_or(T operand, memory_order order = memory_order_seq_cst) requires std::is_integral_v<T> {
    return modify("fetch_or", order, [operand](T v) { return static_cast<T>(v | operand); });
  }

  /// For the parking layer: the value, with no scheduling point and no
  /// happens-before (a futex compares the word in the kernel).
  T peek() const {
    check_alive("futex wait");
    return value_;
  }

 private:
  void enter(const char* op) const {
    schedule(op, this);
    check_alive(op);
  }
  void check_alive(const char* op) const {
    if (!is_alive(alive_)) fail(std::string("an atomic ") + op + " touched a destroyed object");
  }
  void read(memory_order order) const {
    if (acquires(order)) join(clock(), sync_);
  }
  void rmw(memory_order order) {
    read(order);
    if (releases(order)) {
      join(sync_, clock());
      tick();
    }
  }
  template <class F>
  T modify(const char* op, memory_order order, F f) {
    enter(op);
    note_write(this);
    const T old = value_;
    rmw(order);
    value_ = f(old);
    return old;
  }

  T value_;
  std::uint32_t alive_ = kAlive;
  mutable VClock sync_{};  // the clock a release left here
};

// ---------------------------------------------------------------------------
/// A plain variable shared between logical threads: every access is checked
/// to be ordered by happens-before with the conflicting ones before it (the
/// last write, and for a write every read since), and the object to be alive.
/// A scenario puts the values its cells hold in here.
template <class T>
class Plain {
 public:
  template <class... Args>
  explicit Plain(Args&&... args) : value_(std::forward<Args>(args)...) {
    writer_ = current();
    write_epoch_ = clock()[writer_];
  }
  ~Plain() {
    on_write("destroyed");
    poison(alive_);
  }
  Plain(const Plain&) = delete;
  Plain& operator=(const Plain&) = delete;

  const T& read() const {
    check_alive("read");
    if (!ordered_after_write()) fail("data race: a read of a value is not ordered after the write that made it");
    reads_[current()] = clock()[current()];
    return value_;
  }

  void write(T value) {
    on_write("written");
    value_ = std::move(value);
  }

 private:
  void check_alive(const char* op) const {
    if (!is_alive(alive_)) fail(std::string("a value was ") + op + " after it was destroyed");
  }
  bool ordered_after_write() const { return clock()[writer_] >= write_epoch_; }
  void on_write(const char* op) {
    check_alive(op);
    if (!ordered_after_write()) fail(std::string("data race: a value was ") + op + " unordered with its last write");
    for (int t = 0; t < kMaxThreads; ++t) {
      if (reads_[t] > clock()[t]) fail(std::string("data race: a value was ") + op + " unordered with a read of it");
    }
    reads_ = VClock{};
    writer_ = current();
    write_epoch_ = clock()[writer_];
  }

  T value_;
  std::uint32_t alive_ = kAlive;
  int writer_ = 0;
  std::uint32_t write_epoch_ = 0;
  mutable VClock reads_{};
};

// ---------------------------------------------------------------------------
/// Room for an object that a logical thread may destroy: after destruction its
/// bytes stay (poisoned by the destructors of Atom and Plain) until the
/// execution ends, so a late touch is caught instead of reading freed memory.
template <class T>
class Box {
 public:
  template <class... Args>
  T& emplace(Args&&... args) {
    live_ = true;
    return *::new (static_cast<void*>(bytes_)) T(std::forward<Args>(args)...);
  }
  void destroy() {
    check(live_, "the scenario destroyed an object twice");
    live_ = false;
    get()->~T();
  }
  T* get() noexcept { return std::launder(reinterpret_cast<T*>(bytes_)); }
  T& operator*() noexcept { return *get(); }
  T* operator->() noexcept { return get(); }
  bool live() const noexcept { return live_; }
  ~Box() {
    if (live_) get()->~T();
  }

 private:
  alignas(T) unsigned char bytes_[sizeof(T)];
  bool live_ = false;
};

// ---------------------------------------------------------------------------
// Scenarios

/// One execution of a scenario: constructed fresh for every schedule (the
/// constructor is the setup, on thread 0), then thread(1..threads()) run as
/// logical threads, then finish() checks the outcome on thread 0, which has
/// joined every logical thread.
class Execution {
 public:
  virtual ~Execution() = default;
  virtual int threads() const = 0;
  virtual void thread(int index) = 0;
  virtual void finish() {}
};

struct Scenario {
  std::string name;
  std::string description;
  int bound;        // preemption bound explored exhaustively
  int random_runs;  // random schedules beyond the bound
  std::function<std::unique_ptr<Execution>()> make;
};

/// The registry every scenario file adds to (at static initialization).
std::vector<Scenario>& scenarios();
struct Register {
  explicit Register(Scenario scenario) { scenarios().push_back(std::move(scenario)); }
};

}  // namespace model

// ---------------------------------------------------------------------------
// The wait layer over model atoms: the futex operations become parking and
// waking of logical threads, the spin one scheduling point, and deadlines the
// scheduler's choice.
ONCE_NAMESPACE_BEGIN
namespace detail {

template <>
struct WaitOps<model::Atom> {
  static std::int32_t spin_while_equal(const model::Atom<std::int32_t>& word, std::int32_t /*expected*/) {
    return word.load(memory_order_acquire);  // the spin's re-reads, as one
  }
  /// A spin on a lock word: lets every other enabled thread run first (as a
  /// fair scheduler would), at no cost in preemptions.
  static void spin_pause(int /*step*/) { model::yield(); }

  // The futex operations, on the state word (int32) and on SetOnce's list
  // word (uintptr_t, whose low 32 bits the futex compares).
  template <class T>
  static void wait(const model::Atom<T>& word, T expected) {
    model::park(
        &word, [&] { return low_half(word.peek()) == low_half(expected); }, false, 0);
  }
  template <class T>
  static void wait_until(const model::Atom<T>& word, T expected, const Deadline& deadline) {
    if (model::deadline_passed(deadline.ns)) return;  // the futex returns at once
    model::park(
        &word, [&] { return low_half(word.peek()) == low_half(expected); }, true, deadline.ns);
  }
  template <class T>
  static void notify_all(model::Atom<T>* word) {
    model::notify(word);
  }
  static bool reached(const Deadline& deadline) { return model::deadline_reached(deadline.ns); }

 private:
  template <class T>
  static std::uint32_t low_half(T value) {
    return static_cast<std::uint32_t>(static_cast<std::uint64_t>(value) & 0xffffffffu);
  }
};

}  // namespace detail
ONCE_NAMESPACE_END
