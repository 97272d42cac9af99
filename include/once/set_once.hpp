// once: initialize-once primitives for C++20.
// SPDX-License-Identifier: MIT
#pragma once

#include <concepts>
#include <coroutine>
#include <optional>
#include <type_traits>
#include <utility>

#include "detail/cell.hpp"
#include "detail/config.hpp"
#include "detail/deadline.hpp"
#include "detail/set_once_awaiters.hpp"
#include "detail/stop_callback.hpp"
#include "detail/storage.hpp"
#include "detail/thread_parker.hpp"
#include "detail/waiter_list.hpp"
#include "errors.hpp"

ONCE_NAMESPACE_BEGIN

namespace detail {

/// The list and the storage, with a destructor only when T needs one: a
/// SetOnce of a trivially destructible T is trivially destructible, so a
/// `constinit` global one with a thread still blocked on it at exit is
/// simply left alone (no destructor runs, nothing asserts).
template <class T, bool = std::is_trivially_destructible_v<T>>
class SetOnceBase {
 protected:
  constexpr SetOnceBase() noexcept = default;
  template <class... Args>
  constexpr explicit SetOnceBase(std::in_place_t, Args&&... args)
      : list_(true), storage_(std::in_place, std::forward<Args>(args)...) {}

  mutable WaiterList list_;  // mutable: waiting on a const cell queues a node
  Storage<T> storage_;
};

template <class T>
class SetOnceBase<T, false> : public SetOnceBase<T, true> {
 protected:
  using SetOnceBase<T, true>::SetOnceBase;
  ~SetOnceBase() {
    ONCE_ASSERT(!this->list_.has_coroutine_waiters(),
                "a SetOnce must not be destroyed while coroutines wait on it (set it, or destroy them, first)");
    if (this->list_.is_set()) destroy_value(this->storage_);
  }
  SetOnceBase(const SetOnceBase&) = delete;
  SetOnceBase& operator=(const SetOnceBase&) = delete;
};

/// What get_or_init's function may return: something T is made from (void for void).
template <class T, class Result>
inline constexpr bool initializer_result = initializes<Result, T>;
template <class Result>
inline constexpr bool initializer_result<void, Result> = std::is_void_v<Result>;

template <class F, class T>
concept set_once_initializer = std::invocable<F&> && initializer_result<T, std::invoke_result_t<F&>>;

}  // namespace detail

/// A value that is set once and awaited by any number of coroutines and
/// threads: a one-shot event that carries a value (SetOnce<void>: no value).
///
///     once::SetOnce<Config> config;
///     // consumers, coroutines:           Config& c = co_await config;
///     //   or, resumed on a thread pool:  Config& c = co_await config.async_wait(pool_executor);
///     //   or, threads:                   Config& c = config.wait();
///     // the producer:                    config.set(load_config());
///
/// Members:
///   set(value), emplace(args...)        store it if empty; true if this call did; every waiter is released
///   has_value(), get()                  one acquire load; get() is nullptr while empty
///   co_await cell                       T& (nothing for void); never suspends once set
///   co_await cell.async_wait(executor)  T&, resumed through executor(std::coroutine_handle<>)
///   co_await cell.async_wait(stop_token)            T* (bool for void): nullptr if stopped first
///   co_await cell.async_wait(executor, stop_token)  the same, resumed through the executor
///   wait()                              blocks a thread until set; T& (void for void)
///   wait_for(duration), wait_until(time_point)   T* (bool for void), nullptr on timeout
///
/// Where waiters resume. `set()` releases the waiters in the order they began
/// to wait, before it returns:
///  * `co_await cell` and `async_wait(stop_token)` resume inline, on the
///    setting thread, inside set(), one after the other: the cheapest hand-off
///    (tens of nanoseconds each), but set() returns only after every such
///    coroutine has run to its next suspension point, and they all run on
///    the setter's thread.
///  * `async_wait(executor, ...)` calls `executor(handle)` instead: the
///    executor (a thread pool's post, an asio-style `post`, a strand, ...)
///    decides where the coroutine runs. The executor is moved out of the
///    awaiter before the call, so it may also resume the handle at once. It
///    must not throw: set() cannot report an exception and still release the
///    other waiters, so one terminates the program (as does an exception that
///    escapes a coroutine's resume(), i.e. an unhandled_exception that rethrows).
///  * Threads blocked in wait(), wait_for() or wait_until() are woken by a
///    futex wake on a word of their own; they sleep without burning CPU.
/// A wait that begins after the cell is set never suspends or blocks: it
/// continues at once on its own thread, whichever form it takes.
/// Choose inline resumption for short continuations on a thread that may run
/// them; choose an executor when the continuations are long, when they must
/// run on particular threads, or when they chain (see recursion below).
///
/// Recursion depth. An inline-resumed waiter that itself sets another
/// SetOnce resumes that cell's waiters from inside the first set(): a chain
/// of N such hand-offs nests N set() calls on one stack, and a long enough
/// chain (tens of thousands of links on an 8 MB stack, far fewer in
/// sanitizer builds) overflows it. Resume through an executor to make the
/// depth constant: each link then runs from the executor's own loop.
///
/// Cancellation (where the standard library has <stop_token>, i.e. where
/// `__cpp_lib_jthread` is defined). `async_wait(stop_token)` yields nullptr
/// (false for void) if stop is requested before the value comes. The
/// cancelled waiter is unlinked from the cell at once, so it holds nothing
/// of the cell's afterwards, and it is resumed exactly once even when
/// request_stop() and set() race: whichever takes the waiter off the cell's
/// list first decides the result. Without an executor the cancelled waiter
/// resumes inline, inside request_stop(), on the thread that called it. With
/// an executor, a cancellation goes through the executor too (called from
/// inside request_stop()), so a coroutine that chose an executor only ever
/// resumes where the executor puts it. If stop was requested before the
/// co_await, the waiter does not suspend and yields nullptr, unless the cell
/// is set, in which case the value wins.
///
/// Concurrent set() calls. Exactly one stores its value. A set() or emplace()
/// that arrives while another is still constructing the value sleeps until
/// that one finishes: then it returns false (and its argument was not moved
/// from), or, if the other's constructor threw, it goes on to store its own.
/// So a false return always means the cell holds a value. A constructor that
/// throws leaves the cell empty, its waiters still waiting (none is released
/// without a value), and the exception goes to its caller. A set() from inside
/// the value's own constructor on the same cell throws recursive_init_error
/// (so does wait()), where it would otherwise deadlock.
///
/// Timed waits never return nullptr before the deadline (steady_clock and
/// system_clock deadlines are slept on by the kernel; other clocks are re-read
/// after each wake-up) and return promptly once the value is set. A timed
/// waiter whose deadline passes just as a set() takes the list of waiters
/// belongs to that set(): it returns the value, as soon as set() reaches it.
///
/// Unsafe concurrently, and preconditions:
///  * destroying the cell while any waiter is still pending: a coroutine that
///    is suspended on it, a thread blocked on it, or a waiter that set() has
///    released but not yet resumed (a coroutine resumed inline by set() may
///    destroy the cell only if no other waiter of that set() is still to
///    come). Destroying a cell with queued waiters asserts in debug builds;
///  * destroying it while a set() or emplace() runs (also asserted);
///  * letting the cell go away before a co_await on it has finished.
///
/// No allocation: each waiter's list node lives in its awaiter (in the
/// coroutine frame) or on the waiting thread's stack. A set() with nobody
/// waiting makes no system call: two atomic read-modify-writes (one for
/// SetOnce<void>). `sizeof(SetOnce<void>) == sizeof(void*)`;
/// `sizeof(SetOnce<int>) == 2 * sizeof(void*)`. `constinit` works. Neither
/// copyable nor movable: waiters hold its address.
template <class T>
class SetOnce : private detail::SetOnceBase<T> {
  static_assert(detail::cell_value<T>,
                "once: T must be a complete, non-array object type other than in_place_t or nullopt_t");
  using Base = detail::SetOnceBase<T>;
  template <class Executor, class Token>
  using Awaiter = detail::ValueAwaiter<T, Executor, Token>;
  template <class Executor, class Token>
  using ConstAwaiter = detail::ValueAwaiter<const T, Executor, Token>;
  template <class Executor, class Token>
  using ClaimAwaiter = detail::ClaimAwaiter<T, Executor, Token>;
  using Inline = detail::ResumeInline;
  using NoStop = detail::NoStopToken;

 public:
  using value_type = T;
  /// The right to set the value, yielded by `co_await cell.claim()`.
  using Claim = detail::SetOnceClaim<T>;

  /// Empty.
  constexpr SetOnce() noexcept = default;

  /// Full from the start: the value constructed from `args`.
  template <class... Args>
  requires std::constructible_from<T, Args...>
  constexpr explicit SetOnce(std::in_place_t, Args&&... args) : Base(std::in_place, std::forward<Args>(args)...) {}

  SetOnce(const SetOnce&) = delete;
  SetOnce& operator=(const SetOnce&) = delete;

  /// Stores `value` if the cell is empty and releases every waiter. True if
  /// this call stored it; on false, `value` was not moved from.
  template <class U = T>
  requires std::constructible_from<T, U>
  bool set(U&& value) {
    if (has_value()) return false;
    auto construct = [&] { detail::construct_value(this->storage_, std::forward<U>(value)); };
    return detail::set_with(this->list_, construct);
  }

  /// Constructs the value from `args` if the cell is empty; as set().
  template <class... Args>
  requires std::constructible_from<T, Args...>
  bool emplace(Args&&... args) {
    if (has_value()) return false;
    auto construct = [&] { detail::construct_value(this->storage_, std::forward<Args>(args)...); };
    return detail::set_with(this->list_, construct);
  }

  [[nodiscard]] ONCE_ALWAYS_INLINE bool has_value() const noexcept { return this->list_.is_set(); }
  [[nodiscard]] ONCE_ALWAYS_INLINE T* get() noexcept { return has_value() ? value_ptr() : nullptr; }
  [[nodiscard]] ONCE_ALWAYS_INLINE const T* get() const noexcept { return has_value() ? value_ptr() : nullptr; }

  /// `co_await cell`: T& (const T& on a const cell), resumed inline.
  auto operator co_await() & noexcept { return Awaiter<Inline, NoStop>(this->list_, {value_ptr()}, {}, {}); }
  auto operator co_await() const& noexcept { return ConstAwaiter<Inline, NoStop>(this->list_, {value_ptr()}, {}, {}); }
  void operator co_await() && = delete;  // nobody else could set a temporary
  void operator co_await() const&& = delete;

  /// `co_await cell.async_wait(executor)`: T&, resumed through `executor`.
  template <detail::set_once_executor Executor>
  auto async_wait(Executor executor) & {
    return Awaiter<Executor, NoStop>(this->list_, {value_ptr()}, std::move(executor), {});
  }
  template <detail::set_once_executor Executor>
  auto async_wait(Executor executor) const& {
    return ConstAwaiter<Executor, NoStop>(this->list_, {value_ptr()}, std::move(executor), {});
  }
  /// `co_await cell.async_wait(token)`: T*, nullptr if stop was requested first.
  template <detail::stop_token_like Token>
  auto async_wait(Token token) & {
    return Awaiter<Inline, Token>(this->list_, {value_ptr()}, {}, std::move(token));
  }
  template <detail::stop_token_like Token>
  auto async_wait(Token token) const& {
    return ConstAwaiter<Inline, Token>(this->list_, {value_ptr()}, {}, std::move(token));
  }
  /// As async_wait(token), resumed through `executor` whichever way it ends.
  template <detail::set_once_executor Executor, detail::stop_token_like Token>
  auto async_wait(Executor executor, Token token) & {
    return Awaiter<Executor, Token>(this->list_, {value_ptr()}, std::move(executor), std::move(token));
  }
  template <detail::set_once_executor Executor, detail::stop_token_like Token>
  auto async_wait(Executor executor, Token token) const& {
    return ConstAwaiter<Executor, Token>(this->list_, {value_ptr()}, std::move(executor), std::move(token));
  }
  template <class... Args>
  void async_wait(Args&&...) && = delete;  // nobody else could set a temporary
  template <class... Args>
  void async_wait(Args&&...) const&& = delete;

  /// `co_await cell.claim()`: a Claim that holds the right to set the value,
  /// or, once the value is there, an empty one. Also claim(executor),
  /// claim(token), claim(executor, token), resumed as the async_wait alike.
  auto claim() & { return ClaimAwaiter<Inline, NoStop>(this->list_, &this->storage_, {}, {}); }
  template <detail::set_once_executor Executor>
  auto claim(Executor executor) & {
    return ClaimAwaiter<Executor, NoStop>(this->list_, &this->storage_, std::move(executor), {});
  }
  template <detail::stop_token_like Token>
  auto claim(Token token) & {
    return ClaimAwaiter<Inline, Token>(this->list_, &this->storage_, {}, std::move(token));
  }
  template <detail::set_once_executor Executor, detail::stop_token_like Token>
  auto claim(Executor executor, Token token) & {
    return ClaimAwaiter<Executor, Token>(this->list_, &this->storage_, std::move(executor), std::move(token));
  }
  template <class... Args>
  void claim(Args&&...) && = delete;
  template <class... Args>
  void claim(Args&&...) const&& = delete;

  /// `co_await cell.get_or_init(f)`: T&. The awaiter that gets the claim
  /// runs `f()` and publishes; the others wait. If `f` throws, the exception
  /// goes to its awaiter and the claim to the next claim waiter.
  template <class F>
  requires detail::set_once_initializer<F, T>
  auto get_or_init(F f) & {
    return detail::GetOrInitAwaiter<T, Inline, F>(this->list_, &this->storage_, {value_ptr()}, {}, std::move(f));
  }
  template <detail::set_once_executor Executor, class F>
  requires detail::set_once_initializer<F, T>
  auto get_or_init(Executor executor, F f) & {
    return detail::GetOrInitAwaiter<T, Executor, F>(this->list_, &this->storage_, {value_ptr()}, std::move(executor),
                                                    std::move(f));
  }
  template <class... Args>
  void get_or_init(Args&&...) && = delete;
  template <class... Args>
  void get_or_init(Args&&...) const&& = delete;

  /// Blocks the calling thread until the value is set.
  T& wait() {
    if (!has_value()) detail::wait_until_set(this->list_);
    return *value_ptr();
  }
  const T& wait() const {
    if (!has_value()) detail::wait_until_set(this->list_);
    return *value_ptr();
  }

  /// As wait(), or nullptr once stop is requested on `token` (one wake-up).
  template <detail::stop_token_like Token>
  T* wait(const Token& token) {
    return has_value() || detail::wait_until_set(this->list_, token) ? value_ptr() : nullptr;
  }
  template <detail::stop_token_like Token>
  const T* wait(const Token& token) const {
    return has_value() || detail::wait_until_set(this->list_, token) ? value_ptr() : nullptr;
  }

  /// As wait(), or nullptr after `timeout` (steady_clock), never before.
  template <class Rep, class Period>
  T* wait_for(const std::chrono::duration<Rep, Period>& timeout) {
    return has_value() || detail::wait_until_set(this->list_, detail::deadline_after(timeout)) ? value_ptr() : nullptr;
  }
  template <class Rep, class Period>
  const T* wait_for(const std::chrono::duration<Rep, Period>& timeout) const {
    return const_cast<SetOnce*>(this)->wait_for(timeout);
  }

  /// As wait(), or nullptr once `deadline` has passed on `Clock`, never before.
  template <class Clock, class Duration>
  T* wait_until(const std::chrono::time_point<Clock, Duration>& deadline) {
    if (has_value()) return value_ptr();
    const bool set =
        detail::until(deadline, [this](const detail::Deadline& d) { return detail::wait_until_set(this->list_, d); });
    return set ? value_ptr() : nullptr;
  }
  template <class Clock, class Duration>
  const T* wait_until(const std::chrono::time_point<Clock, Duration>& deadline) const {
    return const_cast<SetOnce*>(this)->wait_until(deadline);
  }

  /// Moves the value out and leaves the cell empty, to be set again.
  /// Exclusive access only: no waiter, no concurrent call.
  std::optional<T> take() {
    if (!has_value()) return std::nullopt;
    ONCE_STORAGE_WARNINGS_BEGIN
    std::optional<T> out(std::move(*value_ptr()));
    ONCE_STORAGE_WARNINGS_END
    detail::destroy_value(this->storage_);
    this->list_.reset_exclusive();
    return out;
  }

 private:
  T* value_ptr() const noexcept { return detail::value_address(this->storage_); }
};

/// A one-shot event: SetOnce without a value. As SetOnce<T>, but set() takes
/// no argument, waits yield nothing (void) and timed and stop-token waits
/// bool (true: set); claims yield a Claim whose set() takes no argument;
/// get_or_init(f) takes a `void f()`. No take(). Always trivially destructible.
template <>
class SetOnce<void> {
  template <class Executor, class Token>
  using Awaiter = detail::ValueAwaiter<void, Executor, Token>;
  template <class Executor, class Token>
  using ClaimAwaiter = detail::ClaimAwaiter<void, Executor, Token>;
  using Inline = detail::ResumeInline;
  using NoStop = detail::NoStopToken;

 public:
  using value_type = void;
  using Claim = detail::SetOnceClaim<void>;

  constexpr SetOnce() noexcept = default;
  /// Set from the start.
  constexpr explicit SetOnce(std::in_place_t) noexcept : list_(true) {}
  SetOnce(const SetOnce&) = delete;
  SetOnce& operator=(const SetOnce&) = delete;

  /// Sets the event and releases every waiter. True if this call set it.
  /// Nothing is constructed, so it does not wait for a held claim: the
  /// claim's later set() is then a no-op.
  bool set() noexcept { return !has_value() && list_.publish(); }

  [[nodiscard]] ONCE_ALWAYS_INLINE bool has_value() const noexcept { return list_.is_set(); }

  auto operator co_await() const& noexcept { return Awaiter<Inline, NoStop>(list_, {}, {}, {}); }
  void operator co_await() const&& = delete;

  template <detail::set_once_executor Executor>
  auto async_wait(Executor executor) const& {
    return Awaiter<Executor, NoStop>(list_, {}, std::move(executor), {});
  }
  template <detail::stop_token_like Token>
  auto async_wait(Token token) const& {
    return Awaiter<Inline, Token>(list_, {}, {}, std::move(token));
  }
  template <detail::set_once_executor Executor, detail::stop_token_like Token>
  auto async_wait(Executor executor, Token token) const& {
    return Awaiter<Executor, Token>(list_, {}, std::move(executor), std::move(token));
  }
  template <class... Args>
  void async_wait(Args&&...) const&& = delete;

  auto claim() & { return ClaimAwaiter<Inline, NoStop>(list_, nullptr, {}, {}); }
  template <detail::set_once_executor Executor>
  auto claim(Executor executor) & {
    return ClaimAwaiter<Executor, NoStop>(list_, nullptr, std::move(executor), {});
  }
  template <detail::stop_token_like Token>
  auto claim(Token token) & {
    return ClaimAwaiter<Inline, Token>(list_, nullptr, {}, std::move(token));
  }
  template <detail::set_once_executor Executor, detail::stop_token_like Token>
  auto claim(Executor executor, Token token) & {
    return ClaimAwaiter<Executor, Token>(list_, nullptr, std::move(executor), std::move(token));
  }
  template <class... Args>
  void claim(Args&&...) && = delete;
  template <class... Args>
  void claim(Args&&...) const&& = delete;

  template <class F>
  requires detail::set_once_initializer<F, void>
  auto get_or_init(F f) & { return detail::GetOrInitAwaiter<void, Inline, F>(list_, nullptr, {}, {}, std::move(f)); }
  template <detail::set_once_executor Executor, class F>
  requires detail::set_once_initializer<F, void>
  auto get_or_init(Executor executor, F f) & {
    return detail::GetOrInitAwaiter<void, Executor, F>(list_, nullptr, {}, std::move(executor), std::move(f));
  }
  template <class... Args>
  void get_or_init(Args&&...) && = delete;
  template <class... Args>
  void get_or_init(Args&&...) const&& = delete;

  void wait() const {
    if (!has_value()) detail::wait_until_set(list_);
  }

  template <detail::stop_token_like Token>
  bool wait(const Token& token) const {
    return has_value() || detail::wait_until_set(list_, token);
  }

  template <class Rep, class Period>
  bool wait_for(const std::chrono::duration<Rep, Period>& timeout) const {
    return has_value() || detail::wait_until_set(list_, detail::deadline_after(timeout));
  }

  template <class Clock, class Duration>
  bool wait_until(const std::chrono::time_point<Clock, Duration>& deadline) const {
    return has_value() ||
           detail::until(deadline, [this](const detail::Deadline& d) { return detail::wait_until_set(list_, d); });
  }

 private:
  mutable detail::WaiterList list_;
};

// ====================== End of public interface ======================

static_assert(sizeof(SetOnce<void>) == sizeof(void*), "SetOnce<void> is its state word");
static_assert(sizeof(SetOnce<int>) == 2 * sizeof(void*), "SetOnce<int> is its state word and the int, padded");
static_assert(std::is_trivially_destructible_v<SetOnce<void>> && std::is_trivially_destructible_v<SetOnce<int>>);

ONCE_NAMESPACE_END
