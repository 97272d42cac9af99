// OnceShared<T>: a std::shared_ptr<T> slot set once, read without touching the reference count.
// SPDX-License-Identifier: MIT
#pragma once

#include <concepts>
#include <new>
#include <type_traits>
#include <utility>

#include "detail/config.hpp"
#include "detail/deadline.hpp"
#include "detail/shared_ptr.hpp"
#include "detail/shared_slot.hpp"
#include "detail/stop_wait.hpp"
#include "detail/value_rules.hpp"
#include "errors.hpp"

ONCE_STORAGE_WARNINGS_BEGIN
ONCE_NAMESPACE_BEGIN
namespace detail {
/// `F` can be called with no arguments and returns what makes a std::shared_ptr<T>.
template <class F, class T>
concept shared_initializer_for = std::invocable<F> && std::convertible_to<std::invoke_result_t<F>, std::shared_ptr<T>>;
}  // namespace detail

/// A std::shared_ptr<T> slot that is set at most once, then read by any
/// number of threads on hot paths without touching the reference count.
///
///     constinit once::OnceShared<const Config> config;
///     config.store(std::make_shared<const Config>(parse(file)));  // lock-free
///     const Config* c = config.get();                             // per request: one acquire load
///     std::shared_ptr<const Config> keep = config.load();         // a reference that outlives the slot
///
/// - Every store and initializer competes in one compare-and-swap on the
///   published pointer: exactly one wins, and every later get() on any thread
///   sees its pointer and the object behind it.
/// - A store never waits, not even for a running initializer: one that lands
///   while f() runs wins, f's result is released unused and that get_or_init
///   returns the stored value. Other get_or_init callers sleep while f() runs.
/// - get() may see the pointer a few instructions before the slot is
///   complete; load(), has_value(), get_or_init and the waits return only
///   once it is. So a thread may destroy the slot as soon as get_or_init or a
///   non-null load() has returned to it, but not after a get() or a false store().
/// - Null is never a value (get() uses it for "empty"): a store, or an f()
///   result, whose get() is null throws std::invalid_argument (aborts under
///   -fno-exceptions) and leaves the slot as it was. A non-owning shared_ptr
///   that points somewhere is accepted; aliasing pointers are stored as given.
/// - An f() that throws leaves the slot empty and the next caller retries.
///   get_or_init from inside its own f(), directly or through a cycle of
///   cells, throws recursive_init_error; store(), get() and load() never do.
/// - A copy load()s the source, a move take()s it. take(), assignment and
///   destruction need exclusive access: no other thread in any member,
///   including a store() whose pointer a get() has already seen.
/// - T is an object type, not an array, and may be incomplete where the slot
///   is declared. Four pointers in size (why: docs/design.md); constinit works.
template <class Pointee>
class OnceShared {
  using T = detail::checked_pointee_t<Pointee>;  // Pointee, or a stand-in once a broken rule has reported itself

 public:
  using element_type = T;

  /// Empty. A constant initializer: `constinit` works.
  constexpr OnceShared() noexcept = default;

  /// Full from the start. A null `value.get()` throws std::invalid_argument.
  explicit OnceShared(std::shared_ptr<T> value) {
    if (value == nullptr) detail::throw_invalid_argument("once: OnceShared: a null pointer is not a value");
    slot_.set_exclusive(std::move(value));
  }

  OnceShared(const OnceShared& other) noexcept : OnceShared() {
    if (std::shared_ptr<T> value = other.load()) slot_.set_exclusive(std::move(value));
  }
  OnceShared(OnceShared&& other) noexcept : OnceShared() {
    if (std::shared_ptr<T> value = other.take()) slot_.set_exclusive(std::move(value));
  }
  OnceShared& operator=(const OnceShared& other) noexcept {
    replace_exclusive(other.load());  // loaded first: self-assignment keeps the value
    return *this;
  }
  OnceShared& operator=(OnceShared&& other) noexcept {
    if (this != &other) replace_exclusive(other.take());
    return *this;
  }

  /// Releases the slot's reference, if it holds one.
  ~OnceShared() = default;

  /// The pointer, nullptr while empty: one acquire load, no reference count.
  /// Shallow const, as std::shared_ptr (OnceShared<const T> gives a const T*).
  [[nodiscard]] ONCE_ALWAYS_INLINE T* get() const noexcept { return slot_.get(); }

  /// Whether the slot is set and complete (what load() and the waits see).
  [[nodiscard]] ONCE_ALWAYS_INLINE bool has_value() const noexcept { return slot_.is_complete(); }

  /// An owning copy, empty while the slot is. Never blocks on an initializer;
  /// may wait out the few instructions a winning store needs to complete.
  [[nodiscard]] ONCE_ALWAYS_INLINE std::shared_ptr<T> load() const noexcept {
    // is_complete's acquire pairs with complete(), which follows the
    // construction of the owning reference.
    if (slot_.is_complete()) [[likely]]
      return slot_.completed_owner();
    return slot_.load_slow();
  }

  /// Lock-free: stores `value` if empty. True if this call set the slot; on
  /// false `value` is untouched. A null `value.get()` throws std::invalid_argument.
  bool store(const std::shared_ptr<T>& value) { return slot_.publish(value); }
  bool store(std::shared_ptr<T>&& value) { return slot_.publish(std::move(value)); }

  /// As above for U* convertible to T* (a derived class, or T = const U);
  /// converted only if this call wins, so false leaves even an rvalue intact.
  template <class U>
  requires std::convertible_to<U*, T*>
  bool store(const std::shared_ptr<U>& value) { return slot_.publish(value); }
  template <class U>
  requires std::convertible_to<U*, T*>
  bool store(std::shared_ptr<U>&& value) { return slot_.publish(std::move(value)); }

  /// The value, first set to `f()` if empty; `f` returns std::shared_ptr<T> or
  /// what converts to one (shared_ptr<U>, unique_ptr<U>). Returns once complete.
  template <class F>
  requires detail::shared_initializer_for<F, T> ONCE_ALWAYS_INLINE T& get_or_init(F&& f) {
    // The state word rather than the pointer: returning only once complete
    // is what lets the caller destroy the slot right after.
    if (slot_.is_complete()) [[likely]]
      return *slot_.completed_pointer();
    return *slot_.template initialize<false>(std::forward<F>(f));
  }

  /// As get_or_init for an `f` returning std::optional<std::shared_ptr<T>> (or
  /// anything optional-like): empty leaves the slot empty and returns nullptr.
  template <class F>
  requires std::invocable<F> && requires(std::invoke_result_t<F> result) {
    static_cast<bool>(result);
    { *std::move(result) } -> std::convertible_to<std::shared_ptr<T>>;
  }
  T* get_or_try_init(F&& f) {
    if (slot_.is_complete()) [[likely]]
      return slot_.completed_pointer();
    return slot_.template initialize<true>(std::forward<F>(f));
  }

  /// Not a get_or_init: turns an `f` that cannot make the pointer into one
  /// error that says so.
  template <class F>
  requires(!detail::shared_initializer_for<F, T>) T& get_or_init(F&&) {
    static_assert(detail::shared_initializer_for<F, T>,
                  "once: OnceShared<T>::get_or_init(f) needs an f callable with no arguments that returns a "
                  "std::shared_ptr<T> (or what converts to one: std::shared_ptr<U>, std::unique_ptr<U>)");
    return *get();
  }

  /// get_or_init with std::make_shared<T>(args...), one allocation; the
  /// arguments are used only if this call makes the value.
  template <class... Args>
  requires std::constructible_from<std::remove_cv_t<T>, Args...> T& get_or_make_shared(Args&&... args) {
    if (slot_.is_complete()) [[likely]]
      return *slot_.completed_pointer();
    return *slot_.template initialize<false>(
        [&] { return std::make_shared<std::remove_cv_t<T>>(std::forward<Args>(args)...); });
  }

  /// Blocks until some thread sets the slot. From inside the slot's own
  /// initializer: recursive_init_error.
  T& wait() const {
    if (!slot_.is_complete()) slot_.state().wait();
    return *slot_.completed_pointer();
  }

  /// As wait(), giving up after `timeout` (a std::chrono duration; steady clock): nullptr then.
  template <detail::duration_like Duration>
  T* wait_for(const Duration& timeout) const {
    if (slot_.is_complete()) return slot_.completed_pointer();
    return slot_.state().wait_until(detail::deadline_after(timeout)) ? slot_.completed_pointer() : nullptr;
  }

  /// As wait(), giving up once `deadline` has passed on its clock: nullptr then.
  template <detail::time_point_like TimePoint>
  T* wait_until(const TimePoint& deadline) const {
    if (slot_.is_complete()) return slot_.completed_pointer();
    const bool complete =
        detail::until(deadline, [this](const detail::Deadline& d) { return slot_.state().wait_until(d); });
    return complete ? slot_.completed_pointer() : nullptr;
  }

  /// As wait(), or nullptr if a stop is requested on `token` first: a
  /// std::stop_token, or any type with stop_requested(), stop_possible(), callback_type<F>.
  template <detail::stop_token_like Token>
  T* wait(const Token& token) const {
    if (slot_.is_complete()) return slot_.completed_pointer();
    return detail::wait_unless_stopped(slot_.state(), token) ? slot_.completed_pointer() : nullptr;
  }

  /// Moves the owning pointer out (empty if none); the slot can be set again.
  /// Exclusive access only.
  std::shared_ptr<T> take() noexcept { return slot_.take(); }

  // ====================== End of public interface ======================

 private:
  /// Exclusive access only: the old value (released while the slot is
  /// empty, so its destructor sees it so), then `value` if non-null.
  void replace_exclusive(std::shared_ptr<T>&& value) noexcept {
    static_cast<void>(take());
    if (value != nullptr) slot_.set_exclusive(std::move(value));
  }

  detail::SharedSlot<T> slot_;  // the publication protocol
};

static_assert(sizeof(OnceShared<int>) == 4 * sizeof(void*),
              "OnceShared is the published pointer, the state word (padded) and a shared_ptr");

ONCE_NAMESPACE_END
ONCE_STORAGE_WARNINGS_END
