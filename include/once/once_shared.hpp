// once: initialize-once primitives for C++20.
// SPDX-License-Identifier: MIT
#pragma once

#include <chrono>
#include <concepts>
#include <memory>
#include <new>
#include <type_traits>
#include <utility>

#include "detail/config.hpp"
#include "detail/deadline.hpp"
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

/// A std::shared_ptr<T> slot that is set at most once and then read by any
/// number of threads, on hot paths, without touching the reference count.
///
///     constinit once::OnceShared<const Config> config;     // namespace scope, no static-init order problems
///     config.store(std::make_shared<const Config>(parse(file)));   // at start-up, lock-free
///     const Config* c = config.get();                       // per request: one acquire load
///     std::shared_ptr<const Config> keep = config.load();   // an owning copy for work that may outlive the slot
///
/// Members:
///   get()                       T*, nullptr while empty: one acquire load, no reference count touched
///   load()                      an owning std::shared_ptr<T> (empty while empty): one acquire load and a
///                               reference-count increment
///   store(p)                    lock-free; true if this call set the slot, false (p untouched) if it was set
///   get_or_init(f)              the value, made by f() (returning std::shared_ptr<T>, or anything that converts
///                               to one) if empty; exactly one f runs at a time, the other callers sleep
///   get_or_make_shared(args...) get_or_init with std::make_shared<T>(args...): one allocation for object and
///                               reference count; `args` are only used if this call makes the value
///   get_or_try_init(f)          as get_or_init for an f that may decline: it returns an optional-like of a
///                               shared_ptr (std::optional<std::shared_ptr<T>>); empty leaves the slot empty
///                               and yields nullptr
///   has_value()                 complete: as load() sees it (get() may see a winning store a moment earlier)
///   wait(), wait_for(d), wait_until(tp)
///                               block until some thread sets the slot: T&, or T* (nullptr on timeout)
///   wait(stop_token)            as wait(), T*: nullptr if stop was requested first (prompt on request_stop)
///   take()                      the owning pointer, leaving the slot empty and settable again (exclusive access)
///   OnceShared(p)               explicit; full from the start (null p throws std::invalid_argument, as store)
///
/// get() or load()? get() is the read path: one load, nothing written, so
/// readers on many cores do not contend on the reference count's cache line.
/// The pointer stays valid while the slot holds it, that is until the slot
/// is destroyed or take()n, which needs exclusive access, so a reader may use
/// it for as long as the slot itself is alive. load() is for a reference that
/// must outlive the slot (handing the object to a task, a callback, another
/// thread whose lifetime the slot's owner does not control). Its increment is
/// an atomic read-modify-write on a cache line shared by every load(); its
/// matching decrement comes when the copy is dropped.
///
/// Concurrency. The pointer is published with one compare-and-swap, which
/// decides among every store and initializer: exactly one wins, and every
/// later get() on any thread sees its pointer and the object it points to
/// (release on the publishing CAS, acquire in get()). A store never waits:
/// not for another store, not for a running initializer. A store that comes
/// while an initializer's f() runs wins; that initializer's result is then
/// released unused and its get_or_init returns the stored value. While f()
/// runs, other get_or_init callers sleep in the library's wait layer (no
/// spinning), and wake when it finishes or a store sets the slot.
///
/// After publishing its pointer, the winner takes its reference into the
/// slot (copy or move of one shared_ptr, no user code) and then marks the
/// slot complete. In that window of a few instructions, get() already returns
/// the pointer; load() and get_or_init wait the window out, so they return
/// only once the slot is complete. Once complete, the thread that set the
/// slot never touches it again, so a thread may destroy the slot as soon as
/// get_or_init or a non-null load() has returned to it. That does not hold
/// for get() or a store() that returned false: they can see the pointer
/// before the store that set it has returned.
///
/// Null. A null pointer is never a stored value, since get() uses null to
/// mean "empty". store(p) with p.get() == nullptr throws std::invalid_argument
/// (aborts with a message under -fno-exceptions) and leaves the slot as it
/// was, empty or not; an f() that returns null throws the same and leaves the
/// slot empty. The test is the stored pointer: a shared_ptr that owns nothing
/// but points somewhere, made with the aliasing constructor from an empty
/// one (the usual way to lend a static object through a shared_ptr API), is
/// accepted and handed back as it is by load(). An owning shared_ptr that
/// points to null is refused.
///
/// Failure and reentrancy. An f() that throws leaves the slot empty, the
/// exception goes to its caller, and the next caller (a sleeping one, if
/// any) tries its own. get_or_init or get_or_make_shared on the same slot
/// from inside its own f(), directly or through a cycle of cells, throws
/// recursive_init_error instead of deadlocking; store(), get() and load()
/// never do: a store from inside f() wins as any other store would.
///
/// Aliasing shared_ptrs (a pointer into an object the shared_ptr owns) are
/// stored as given: get() is the aliased pointer, and the whole owner stays
/// alive. OnceShared<const T> takes std::shared_ptr<T> in store and from f(),
/// and store(shared_ptr<Derived>) works for a base T: these converting
/// overloads also leave the argument untouched when they return false.
///
/// Copy and move. A copy load()s the source (safe while other threads use the
/// source) and holds the same object; a move take()s the source. Assignment
/// needs exclusive access to the target (and, for a move, to the source).
///
/// Unsafe concurrently: take(), assignment and destruction need the slot to
/// themselves: no other thread may be inside any member, including a store()
/// whose pointer a get() has already seen.
///
/// Size: four pointers (32 bytes on 64-bit targets), static_asserted below.
/// Three would be the published pointer and the owning shared_ptr's two
/// words, with no room left for the 4-byte state word that get_or_init's
/// callers sleep on. Folding the two roles into one word does not work:
///  * keeping only the state word and the shared_ptr makes the state word the
///    publication point, and then a store that loses to a store still copying
///    its shared_ptr in must either wait for it (not lock-free) or return
///    false while get() on its own thread still returns nullptr;
///  * reading the shared_ptr's own pointer field atomically is not portable
///    (its layout is unspecified and it is not trivially copyable), and
///    keeping flags in the pointer's low bits fails for aliasing pointers,
///    which need not be aligned;
///  * sleeping on some word outside the object (an address-keyed table)
///    would be a second wait mechanism and a shared hot spot.
/// So the fourth word holds the state (4 bytes and 4 of padding on 64-bit).
///
/// T must be an object type other than an array; it may be incomplete where
/// the slot is declared (as with std::shared_ptr).
template <class T>
class OnceShared {
  static_assert(detail::PointeeRules<T>::kChecked);  // each rule reports itself (detail/value_rules.hpp)

 public:
  using element_type = T;

  /// Empty. A constant initializer: `constinit` works.
  constexpr OnceShared() noexcept = default;

  /// Full from the start. Throws std::invalid_argument if `value.get()` is
  /// null, as store does.
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

  /// The stored pointer, or nullptr while the slot is empty. One acquire
  /// load; no reference count is touched. Shallow const, as std::shared_ptr:
  /// a const slot gives a T*, OnceShared<const T> a const T*.
  [[nodiscard]] ONCE_ALWAYS_INLINE T* get() const noexcept { return slot_.get(); }

  /// Whether the slot is set and complete (what load() and the waits see).
  [[nodiscard]] ONCE_ALWAYS_INLINE bool has_value() const noexcept { return slot_.is_complete(); }

  /// An owning copy of the stored pointer, or an empty shared_ptr while the
  /// slot is empty. Never blocks on an initializer; may wait out the few
  /// instructions a winning store needs to finish (see the class comment).
  [[nodiscard]] ONCE_ALWAYS_INLINE std::shared_ptr<T> load() const noexcept {
    // is_complete's acquire pairs with complete(), which follows the
    // construction of the owning reference.
    if (slot_.is_complete()) [[likely]]
      return slot_.completed_owner();
    return slot_.load_slow();
  }

  /// Stores `value` if the slot is empty. Lock-free. Returns true if this
  /// call set the slot; false if it was already set, and then `value` is
  /// untouched (not copied from, not moved from). Throws
  /// std::invalid_argument if `value.get()` is null, whatever the slot holds.
  bool store(const std::shared_ptr<T>& value) { return slot_.publish(value); }
  bool store(std::shared_ptr<T>&& value) { return slot_.publish(std::move(value)); }

  /// As above, for a shared_ptr<U> whose U* converts to T* (a derived class,
  /// or T = const U): converted only if this call wins, so a `store` that
  /// returns false leaves even a moved argument intact.
  template <class U>
  requires std::convertible_to<U*, T*>
  bool store(const std::shared_ptr<U>& value) { return slot_.publish(value); }
  template <class U>
  requires std::convertible_to<U*, T*>
  bool store(std::shared_ptr<U>&& value) { return slot_.publish(std::move(value)); }

  /// The value, first setting the slot to `f()` if it is empty. `f` returns
  /// a std::shared_ptr<T> (or anything that converts to one: shared_ptr<U>,
  /// unique_ptr<U>). One f runs at a time; the other callers sleep until it
  /// finishes. If `f` throws, or returns null (std::invalid_argument), the
  /// slot stays empty and the exception propagates; the next caller retries.
  /// If a store sets the slot while `f` runs, f's result is released and the
  /// stored value returned. Returns once the slot is complete.
  template <class F>
  requires detail::shared_initializer_for<F, T> ONCE_ALWAYS_INLINE T& get_or_init(F&& f) {
    // The state word rather than the pointer: returning only once complete
    // is what lets the caller destroy the slot right after (class comment).
    if (slot_.is_complete()) [[likely]]
      return *slot_.completed_pointer();
    return *slot_.template initialize<false>(std::forward<F>(f));
  }

  /// As get_or_init, for an `f` that may decline: `f` returns an
  /// optional-like of a shared_ptr (std::optional<std::shared_ptr<T>>: tests
  /// as bool, `*result` converts to std::shared_ptr<T>). Empty: the slot
  /// stays empty and this returns nullptr (a later call may try again). An
  /// engaged result holding null throws std::invalid_argument, as get_or_init.
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

  /// get_or_init with `std::make_shared<T>(std::forward<Args>(args)...)`: the
  /// object and its reference count in one allocation. The arguments are
  /// used only if this call makes the value; otherwise they are untouched.
  template <class... Args>
  requires std::constructible_from<std::remove_cv_t<T>, Args...> T& get_or_make_shared(Args&&... args) {
    if (slot_.is_complete()) [[likely]]
      return *slot_.completed_pointer();
    return *slot_.template initialize<false>(
        [&] { return std::make_shared<std::remove_cv_t<T>>(std::forward<Args>(args)...); });
  }

  /// Blocks until some thread sets the slot, then returns the value. Throws
  /// recursive_init_error if called from the slot's own initializer.
  T& wait() const {
    if (!slot_.is_complete()) slot_.state().wait();
    return *slot_.completed_pointer();
  }

  /// As wait(), giving up after `timeout` (steady_clock): nullptr then.
  template <class Rep, class Period>
  T* wait_for(const std::chrono::duration<Rep, Period>& timeout) const {
    if (slot_.is_complete()) return slot_.completed_pointer();
    return slot_.state().wait_until(detail::deadline_after(timeout)) ? slot_.completed_pointer() : nullptr;
  }

  /// As wait(), giving up once `deadline` has passed on `Clock`: nullptr then.
  template <class Clock, class Duration>
  T* wait_until(const std::chrono::time_point<Clock, Duration>& deadline) const {
    if (slot_.is_complete()) return slot_.completed_pointer();
    const bool complete =
        detail::until(deadline, [this](const detail::Deadline& d) { return slot_.state().wait_until(d); });
    return complete ? slot_.completed_pointer() : nullptr;
  }

  /// As wait(), until the value comes (T*) or a stop is requested on `token`
  /// first (nullptr). A std::stop_token works wherever <stop_token> does;
  /// see detail/stop_wait.hpp for other token types.
  template <detail::stop_token_like Token>
  T* wait(const Token& token) const {
    if (slot_.is_complete()) return slot_.completed_pointer();
    return detail::wait_unless_stopped(slot_.state(), token) ? slot_.completed_pointer() : nullptr;
  }

  /// Moves the owning pointer out and leaves the slot empty, ready to be set
  /// again. Empty shared_ptr if the slot was empty.
  /// Exclusive access only: no other thread may use the slot meanwhile.
  std::shared_ptr<T> take() noexcept { return slot_.take(); }

  // ====================== End of public interface ======================

 private:
  /// Exclusive access only: the old value (released while the slot is
  /// empty, so its destructor sees it so), then `value` if non-null.
  void replace_exclusive(std::shared_ptr<T>&& value) noexcept {
    static_cast<void>(take());
    if (value != nullptr) slot_.set_exclusive(std::move(value));
  }

  detail::SharedSlot<T> slot_;  // the publication protocol: see detail/shared_slot.hpp
};

static_assert(sizeof(OnceShared<int>) == 4 * sizeof(void*),
              "OnceShared is the published pointer, the state word (padded) and a shared_ptr: see the class comment");

ONCE_NAMESPACE_END
ONCE_STORAGE_WARNINGS_END
