// SetOnce<T>: a value set once and awaited by coroutines and threads; SetOnce<void>, the event alone.
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
#include "detail/stop_token.hpp"
#include "detail/storage.hpp"
#include "detail/thread_parker.hpp"
#include "detail/value_rules.hpp"
#include "detail/waiter_list.hpp"
#include "errors.hpp"

ONCE_NAMESPACE_BEGIN

namespace detail {

/// The list and the storage, with a destructor only when T needs one: a
/// SetOnce of a trivially destructible T is trivially destructible, so a
/// `constinit` global one with a thread still blocked on it at exit is
/// simply left alone (no destructor runs, nothing asserts).
template <class T, bool = std::is_trivially_destructible_v<T>>
class SetOnceBase : public SetOnceCell<T> {
 protected:
  using SetOnceCell<T>::SetOnceCell;
};

template <class T>
class SetOnceBase<T, false> : public SetOnceCell<T> {
 protected:
  using SetOnceCell<T>::SetOnceCell;
  ~SetOnceBase() {
    ONCE_ASSERT(!this->list_.has_coroutine_waiters(),
                "a SetOnce must not be destroyed while coroutines wait on it (set it, or destroy them, first)");
    if (this->list_.is_set()) destroy_value(this->storage_);
  }

 public:
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
/// threads: a one-shot event that carries a value (SetOnce<void>: none), and
/// an asynchronous OnceLock (claim, get_or_init).
///
///     Config& c = co_await config;                       // a coroutine, resumed inside set()
///     Config& c = co_await config.async_wait(executor);  // resumed through executor(handle)
///     Config& c = config.wait();                         // a thread
///     config.set(load_config());                         // the producer
///     if (auto claim = co_await config.claim()) claim.set(co_await fetch_config());
///
/// - set()/emplace() store the value if empty (true if this call did) and
///   release every waiter, oldest first, before returning. One claim at a
///   time constructs the value: a set() that finds it held sleeps until it
///   ends, then returns false or, if the holder gave up, may store its own.
/// - Inline waits (co_await, async_wait(token), claim(), get_or_init(f))
///   resume on the releasing thread: inside set(), a stop request, or the
///   call that hands a claim over (even a handle.destroy()). A chain of them
///   nests one set() per link; an executor keeps the depth constant.
///   Executors must not throw.
/// - A claim released without a value (a throw, a dropped Claim, a destroyed
///   coroutine) goes to the oldest claim waiter alone; value waiters wait on.
/// - Cancellation: destroying a coroutine suspended in any wait unlinks it
///   (and hands on a claim it held or was granted). A stop token cancels a
///   wait the same way, yielding nullptr (false for void, a cancelled()
///   claim) unless the value came first. Undefined: destroying a coroutine
///   while another thread resumes it.
/// - Blocked threads sleep on the cell's word; one set() wakes them all.
/// - set() or wait() from inside the value's constructor throws
///   recursive_init_error. A thread blocking on a cell whose claim a
///   coroutine on that same thread holds deadlocks (not detected).
/// - No waiter may be pending when the cell is destroyed (debug builds assert
///   it for coroutines when T has a destructor); take() needs exclusive access.
/// - No allocation; neither copyable nor movable; trivially destructible when T is.
template <class Value>
class SetOnce : private detail::SetOnceBase<detail::checked_value_t<Value>> {  // checks Value first
  using Base = detail::SetOnceBase<detail::checked_value_t<Value>>;
  using T = detail::checked_value_t<Value>;  // Value, or a stand-in once a broken rule has reported itself
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
  /// Yielded by `co_await cell.claim()`. True: held (set(v), emplace(args...) publish;
  /// dropped unused, it passes on). False: the value is there, or cancelled().
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
    // NOLINTNEXTLINE(modernize-avoid-c-arrays): U is a string literal's array type for set("...")
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
  auto operator co_await() & noexcept { return Awaiter<Inline, NoStop>(cell(), {}, {}); }
  auto operator co_await() const& noexcept { return ConstAwaiter<Inline, NoStop>(cell(), {}, {}); }
  void operator co_await() && = delete;  // nobody else could set a temporary
  void operator co_await() const&& = delete;

  /// `co_await cell.async_wait(executor)`: T&, resumed through `executor`.
  template <detail::set_once_executor Executor>
  auto async_wait(Executor executor) & {
    return Awaiter<Executor, NoStop>(cell(), std::move(executor), {});
  }
  template <detail::set_once_executor Executor>
  auto async_wait(Executor executor) const& {
    return ConstAwaiter<Executor, NoStop>(cell(), std::move(executor), {});
  }
  /// `co_await cell.async_wait(token)`: T*, nullptr if stop was requested first.
  template <detail::stop_token_like Token>
  auto async_wait(Token token) & {
    return Awaiter<Inline, Token>(cell(), {}, std::move(token));
  }
  template <detail::stop_token_like Token>
  auto async_wait(Token token) const& {
    return ConstAwaiter<Inline, Token>(cell(), {}, std::move(token));
  }
  /// As async_wait(token), resumed through `executor` whichever way it ends.
  template <detail::set_once_executor Executor, detail::stop_token_like Token>
  auto async_wait(Executor executor, Token token) & {
    return Awaiter<Executor, Token>(cell(), std::move(executor), std::move(token));
  }
  template <detail::set_once_executor Executor, detail::stop_token_like Token>
  auto async_wait(Executor executor, Token token) const& {
    return ConstAwaiter<Executor, Token>(cell(), std::move(executor), std::move(token));
  }
  template <class... Args>
  void async_wait(Args&&...) && = delete;  // nobody else could set a temporary
  template <class... Args>
  void async_wait(Args&&...) const&& = delete;

  /// `co_await cell.claim()`: a held Claim, or an empty one once the value is there.
  /// Also with an executor and/or a token, resumed as the async_wait alike.
  auto claim() & { return ClaimAwaiter<Inline, NoStop>(cell(), {}, {}); }
  template <detail::set_once_executor Executor>
  auto claim(Executor executor) & {
    return ClaimAwaiter<Executor, NoStop>(cell(), std::move(executor), {});
  }
  template <detail::stop_token_like Token>
  auto claim(Token token) & {
    return ClaimAwaiter<Inline, Token>(cell(), {}, std::move(token));
  }
  template <detail::set_once_executor Executor, detail::stop_token_like Token>
  auto claim(Executor executor, Token token) & {
    return ClaimAwaiter<Executor, Token>(cell(), std::move(executor), std::move(token));
  }
  template <class... Args>
  void claim(Args&&...) && = delete;
  template <class... Args>
  void claim(Args&&...) const&& = delete;

  /// `co_await cell.get_or_init(f)`: T&. The claimant runs `f()` and publishes; if
  /// `f` throws, the exception goes to it and the claim to the next claim waiter.
  template <class F>
  requires detail::set_once_initializer<F, T>
  auto get_or_init(F f) & { return detail::GetOrInitAwaiter<T, Inline, F>(cell(), {}, std::move(f)); }
  template <detail::set_once_executor Executor, class F>
  requires detail::set_once_initializer<F, T>
  auto get_or_init(Executor executor, F f) & {
    return detail::GetOrInitAwaiter<T, Executor, F>(cell(), std::move(executor), std::move(f));
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

  /// As wait(), or nullptr after `timeout` (a std::chrono duration; steady clock), never before.
  template <detail::duration_like Duration>
  T* wait_for(const Duration& timeout) {
    return has_value() || detail::wait_until_set(this->list_, detail::deadline_after(timeout)) ? value_ptr() : nullptr;
  }
  template <detail::duration_like Duration>
  const T* wait_for(const Duration& timeout) const {
    return const_cast<SetOnce*>(this)->wait_for(timeout);
  }

  /// As wait(), or nullptr once `deadline` has passed on its clock, never before.
  template <detail::time_point_like TimePoint>
  T* wait_until(const TimePoint& deadline) {
    if (has_value()) return value_ptr();
    const bool set =
        detail::until(deadline, [this](const detail::Deadline& d) { return detail::wait_until_set(this->list_, d); });
    return set ? value_ptr() : nullptr;
  }
  template <detail::time_point_like TimePoint>
  const T* wait_until(const TimePoint& deadline) const {
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
  T* value_ptr() const noexcept { return this->value(); }
  detail::SetOnceCell<T>& cell() noexcept { return *this; }
  const detail::SetOnceCell<T>& cell() const noexcept { return *this; }
};

/// A one-shot event: SetOnce without a value. As SetOnce<T>, but set() takes
/// no argument, waits yield nothing (void) and timed and stop-token waits
/// bool (true: set); claims yield a Claim whose set() takes no argument;
/// get_or_init(f) takes a `void f()`. No take(). Always trivially destructible.
template <>
class SetOnce<void> : private detail::SetOnceCell<void> {
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
  constexpr explicit SetOnce(std::in_place_t) noexcept : SetOnceCell(std::in_place) {}
  SetOnce(const SetOnce&) = delete;
  SetOnce& operator=(const SetOnce&) = delete;

  /// Sets the event and releases every waiter; true if this call set it. Does
  /// not wait for a held claim (nothing to construct): that claim's set() is then a no-op.
  bool set() noexcept { return !has_value() && list_.publish(); }

  [[nodiscard]] ONCE_ALWAYS_INLINE bool has_value() const noexcept { return list_.is_set(); }

  auto operator co_await() const& noexcept { return Awaiter<Inline, NoStop>(*this, {}, {}); }
  void operator co_await() const&& = delete;

  template <detail::set_once_executor Executor>
  auto async_wait(Executor executor) const& {
    return Awaiter<Executor, NoStop>(*this, std::move(executor), {});
  }
  template <detail::stop_token_like Token>
  auto async_wait(Token token) const& {
    return Awaiter<Inline, Token>(*this, {}, std::move(token));
  }
  template <detail::set_once_executor Executor, detail::stop_token_like Token>
  auto async_wait(Executor executor, Token token) const& {
    return Awaiter<Executor, Token>(*this, std::move(executor), std::move(token));
  }
  template <class... Args>
  void async_wait(Args&&...) const&& = delete;

  auto claim() & { return ClaimAwaiter<Inline, NoStop>(*this, {}, {}); }
  template <detail::set_once_executor Executor>
  auto claim(Executor executor) & {
    return ClaimAwaiter<Executor, NoStop>(*this, std::move(executor), {});
  }
  template <detail::stop_token_like Token>
  auto claim(Token token) & {
    return ClaimAwaiter<Inline, Token>(*this, {}, std::move(token));
  }
  template <detail::set_once_executor Executor, detail::stop_token_like Token>
  auto claim(Executor executor, Token token) & {
    return ClaimAwaiter<Executor, Token>(*this, std::move(executor), std::move(token));
  }
  template <class... Args>
  void claim(Args&&...) && = delete;
  template <class... Args>
  void claim(Args&&...) const&& = delete;

  template <class F>
  requires detail::set_once_initializer<F, void>
  auto get_or_init(F f) & { return detail::GetOrInitAwaiter<void, Inline, F>(*this, {}, std::move(f)); }
  template <detail::set_once_executor Executor, class F>
  requires detail::set_once_initializer<F, void>
  auto get_or_init(Executor executor, F f) & {
    return detail::GetOrInitAwaiter<void, Executor, F>(*this, std::move(executor), std::move(f));
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

  template <detail::duration_like Duration>
  bool wait_for(const Duration& timeout) const {
    return has_value() || detail::wait_until_set(list_, detail::deadline_after(timeout));
  }

  template <detail::time_point_like TimePoint>
  bool wait_until(const TimePoint& deadline) const {
    return has_value() ||
           detail::until(deadline, [this](const detail::Deadline& d) { return detail::wait_until_set(list_, d); });
  }
};

// ====================== End of public interface ======================

static_assert(sizeof(SetOnce<void>) == sizeof(void*), "SetOnce<void> is its state word");
static_assert(sizeof(SetOnce<int>) == 2 * sizeof(void*), "SetOnce<int> is its state word and the int, padded");
static_assert(std::is_trivially_destructible_v<SetOnce<void>> && std::is_trivially_destructible_v<SetOnce<int>>);

ONCE_NAMESPACE_END
