// once: initialize-once primitives for C++20.
// SPDX-License-Identifier: MIT
#pragma once

#include <atomic>
#include <concepts>
#include <memory>
#include <new>
#include <type_traits>
#include <utility>

#include "detail/config.hpp"
#include "detail/once_state.hpp"
#include "detail/storage.hpp"
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
///   take()                      the owning pointer, leaving the slot empty and settable again (exclusive access)
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

  OnceShared(const OnceShared& other) noexcept : OnceShared() {
    if (std::shared_ptr<T> value = other.load()) set_exclusive(std::move(value));
  }
  OnceShared(OnceShared&& other) noexcept : OnceShared() {
    if (std::shared_ptr<T> value = other.take()) set_exclusive(std::move(value));
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
  ~OnceShared() {
    ONCE_ASSERT(!state_.is_running(), "a OnceShared must not be destroyed while its initializer runs");
    ONCE_ASSERT(state_.is_complete() || ptr_.load(std::memory_order_relaxed) == nullptr,
                "a OnceShared must not be destroyed while a store into it is still running");
    if (state_.is_complete()) std::destroy_at(std::addressof(owner_.value_));
  }

  /// The stored pointer, or nullptr while the slot is empty. One acquire
  /// load; no reference count is touched. Shallow const, as std::shared_ptr:
  /// a const slot gives a T*, OnceShared<const T> a const T*.
  [[nodiscard]] ONCE_ALWAYS_INLINE T* get() const noexcept {
    // Acquire pairs with the release of the publishing CAS (publish, or
    // init_slow's commit): the object behind the pointer is fully visible.
    return ptr_.load(std::memory_order_acquire);
  }

  /// An owning copy of the stored pointer, or an empty shared_ptr while the
  /// slot is empty. Never blocks on an initializer; may wait out the few
  /// instructions a winning store needs to finish (see the class comment).
  [[nodiscard]] ONCE_ALWAYS_INLINE std::shared_ptr<T> load() const noexcept {
    // is_complete's acquire pairs with complete(), which follows the
    // construction of owner_.
    if (state_.is_complete()) [[likely]]
      return owner_.value_;
    return load_slow();
  }

  /// Stores `value` if the slot is empty. Lock-free. Returns true if this
  /// call set the slot; false if it was already set, and then `value` is
  /// untouched (not copied from, not moved from). Throws
  /// std::invalid_argument if `value.get()` is null, whatever the slot holds.
  bool store(const std::shared_ptr<T>& value) { return publish(value); }
  bool store(std::shared_ptr<T>&& value) { return publish(std::move(value)); }

  /// As above, for a shared_ptr<U> whose U* converts to T* (a derived class,
  /// or T = const U): converted only if this call wins, so a `store` that
  /// returns false leaves even a moved argument intact.
  template <class U>
  requires std::convertible_to<U*, T*>
  bool store(const std::shared_ptr<U>& value) { return publish(value); }
  template <class U>
  requires std::convertible_to<U*, T*>
  bool store(std::shared_ptr<U>&& value) { return publish(std::move(value)); }

  /// The value, first setting the slot to `f()` if it is empty. `f` returns
  /// a std::shared_ptr<T> (or anything that converts to one: shared_ptr<U>,
  /// unique_ptr<U>). One f runs at a time; the other callers sleep until it
  /// finishes. If `f` throws, or returns null (std::invalid_argument), the
  /// slot stays empty and the exception propagates; the next caller retries.
  /// If a store sets the slot while `f` runs, f's result is released and the
  /// stored value returned. Returns once the slot is complete.
  template <class F>
  requires std::invocable<F> && std::convertible_to<std::invoke_result_t<F>, std::shared_ptr<T>> ONCE_ALWAYS_INLINE T&
  get_or_init(F&& f) {
    // The state word rather than ptr_: returning only once complete is what
    // lets the caller destroy the slot right after (see the class comment).
    // Relaxed ptr_: is_complete's acquire pairs with complete(), which the
    // winner issues after its publishing CAS.
    if (state_.is_complete()) [[likely]]
      return *ptr_.load(std::memory_order_relaxed);
    return init_slow(std::forward<F>(f));
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
    if (state_.is_complete()) [[likely]]
      return *ptr_.load(std::memory_order_relaxed);  // as in get_or_init
    return init_slow([&] { return std::make_shared<std::remove_cv_t<T>>(std::forward<Args>(args)...); });
  }

  /// Moves the owning pointer out and leaves the slot empty, ready to be set
  /// again. Empty shared_ptr if the slot was empty.
  /// Exclusive access only: no other thread may use the slot meanwhile.
  std::shared_ptr<T> take() noexcept {
    ONCE_ASSERT(!state_.is_running(), "take() needs exclusive access, but the slot's initializer is running");
    ONCE_ASSERT(state_.is_complete() || ptr_.load(std::memory_order_relaxed) == nullptr,
                "take() needs exclusive access, but a store into the slot is still running");
    if (!state_.is_complete()) return {};
    std::shared_ptr<T> taken = std::move(owner_.value_);
    std::destroy_at(std::addressof(owner_.value_));
    ptr_.store(nullptr, std::memory_order_relaxed);
    state_.set_exclusive(false);
    return taken;
  }

  // ====================== End of public interface ======================

 private:
  /// Whoever wins the CAS on ptr_ owns the rest of the publication: taking
  /// its reference into owner_, then completing the state word.
  template <class SharedPtr>
  bool publish(SharedPtr&& value) {
    T* const pointer = value.get();  // converts U* to T* exactly as the shared_ptr<T> constructor below does
    if (pointer == nullptr) detail::throw_invalid_argument("once: OnceShared::store: a null pointer is not a value");
    T* expected = nullptr;
    // Success: release pairs with the acquire load in get() (and the other
    // loads of ptr_ that hand out the pointer): the caller's writes to the
    // object happen before any reader's use of it. Failure: nothing of ours
    // is published, and the caller learns only "already set" (a get() it
    // makes next acquires for itself), so relaxed.
    if (!ptr_.compare_exchange_strong(expected, pointer, std::memory_order_release, std::memory_order_relaxed)) {
      return false;
    }
    // Cannot throw (shared_ptr copy, move and conversion are noexcept), so
    // the slot is never left published but incomplete.
    ::new (static_cast<void*>(std::addressof(owner_.value_))) std::shared_ptr<T>(std::forward<SharedPtr>(value));
    // Release (inside complete) pairs with the acquire in load() and in
    // get_or_init: owner_ is constructed before anyone copies it. The last
    // touch of *this: a waiter that sees it complete may destroy the slot.
    state_.complete();
    return true;
  }

  ONCE_COLD std::shared_ptr<T> load_slow() const noexcept {
    // Relaxed: only whether some thread has published matters here; the
    // reference itself is read after the acquire in the wait below.
    if (ptr_.load(std::memory_order_relaxed) == nullptr) return {};
    // A winner is between its CAS and complete(), running no user code. It
    // is never this thread: publish completes before returning, and an
    // initializer on this thread publishes only after its f() returned. So
    // even inside this slot's own initializer this wait cannot deadlock, and
    // OnceState::wait()'s reentrancy check (which would throw out of this
    // noexcept function) must not apply.
    state_.wait_for_imminent_complete();
    return owner_.value_;
  }

  template <class F>
  ONCE_COLD T& init_slow(F&& f) {
    T* made_here = nullptr;
    auto init = [&]() -> bool {
      // This thread holds the state word. A store may have published since
      // the caller looked, or while an earlier initializer ran: then f must
      // not run. Relaxed: declining reads nothing through the pointer.
      if (ptr_.load(std::memory_order_relaxed) != nullptr) return false;
      std::shared_ptr<T> made = std::forward<F>(f)();
      if (made == nullptr) {
        detail::throw_invalid_argument("once: OnceShared::get_or_init: the initializer returned null");
      }
      T* expected = nullptr;
      // Orders as in publish(). On failure a store won while f ran: decline,
      // and `made` is released on the way out.
      if (!ptr_.compare_exchange_strong(expected, made.get(), std::memory_order_release, std::memory_order_relaxed)) {
        return false;
      }
      made_here = made.get();
      ::new (static_cast<void*>(std::addressof(owner_.value_))) std::shared_ptr<T>(std::move(made));
      return true;  // the state word's Attempt completes the slot
    };
    // Skip claiming the word if a winner is already finishing.
    if (ptr_.load(std::memory_order_relaxed) == nullptr && state_.initialize(init)) {
      return *made_here;  // not ptr_: after completing, this thread must not read *this again
    }
    // Another thread published: either it completed (initialize saw
    // kComplete) or it is a store between its CAS and complete(), never on
    // this thread (see load_slow). Waiting needs no reentrancy check.
    state_.wait_for_imminent_complete();
    // Relaxed: the wait's acquire pairs with complete(), issued after the CAS.
    return *ptr_.load(std::memory_order_relaxed);
  }

  /// Exclusive access only: an empty slot takes `value` (non-null).
  void set_exclusive(std::shared_ptr<T>&& value) noexcept {
    T* const pointer = value.get();
    ::new (static_cast<void*>(std::addressof(owner_.value_))) std::shared_ptr<T>(std::move(value));
    ptr_.store(pointer, std::memory_order_relaxed);
    state_.set_exclusive(true);
  }

  /// Exclusive access only: the old value (released while the slot is
  /// empty, so its destructor sees it so), then `value` if non-null.
  void replace_exclusive(std::shared_ptr<T>&& value) noexcept {
    static_cast<void>(take());
    if (value != nullptr) set_exclusive(std::move(value));
  }

  // The slot's states, as (ptr_, state_); W is the state word's waiters flag.
  //
  //   (null, kEmpty[+W])     empty
  //   (null, kRunning[+W])   an initializer's f() runs; get_or_init callers sleep
  //   (p, kEmpty|kRunning[+W])
  //                          a store or initializer won the CAS with p and is
  //                          constructing owner_: get() already returns p,
  //                          load() and get_or_init wait for kComplete
  //   (p, kComplete)         set: owner_ holds the reference, p == owner_.get()
  //
  //   empty/running --CAS ptr_ null->p (release)--> published --owner_, complete()--> set
  //   running       --f throws or declines--------> empty (state rollback; ptr_ untouched)
  //   set           --take / destruction, exclusive access--> empty
  //
  // A store may win while an initializer runs; complete() then replaces
  // kRunning with kComplete, and the initializer's later rollback only clears
  // kRunning, so the slot stays complete.

  std::atomic<T*> ptr_{nullptr};  // the published pointer: get()'s one load
  detail::OnceState state_;       // initializer exclusivity, and "owner_ constructed"
  detail::Storage<std::shared_ptr<T>> owner_;
};

static_assert(sizeof(OnceShared<int>) == 4 * sizeof(void*),
              "OnceShared is the published pointer, the state word (padded) and a shared_ptr: see the class comment");

ONCE_NAMESPACE_END
ONCE_STORAGE_WARNINGS_END
