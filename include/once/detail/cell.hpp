// Cell<T, State>: the value-plus-state core of OnceCell and OnceLock, every member they share.
// SPDX-License-Identifier: MIT
//
// OnceCell uses State = LocalOnceState, OnceLock State = OnceState. The
// public headers document the types; this one documents members.
#pragma once

#include <concepts>
#include <optional>
#include <type_traits>
#include <utility>

#include "config.hpp"
#include "storage.hpp"

ONCE_STORAGE_WARNINGS_BEGIN
ONCE_NAMESPACE_BEGIN
namespace detail {

template <class F>
using call_result_t = decltype(std::declval<F>()());

/// A prvalue T can initialize a T even when T has no copy or move
/// constructor (guaranteed copy elision); anything else needs a constructor.
template <class From, class T>
concept initializes = std::is_same_v<From, std::remove_cv_t<T>> || std::constructible_from<T, From>;

/// `F` can be called with no arguments, and its result can initialize a T.
template <class F, class T>
concept initializer_for = requires {
  typename call_result_t<F>;
}
&&initializes<call_result_t<F>, T>;

/// `F` returns something optional-like (std::optional<U>, a pointer, ...)
/// whose contents can construct a T: testable as bool, dereferenceable.
template <class F, class T>
concept try_initializer_for = requires(call_result_t<F> result) {
  static_cast<bool>(result);
  requires std::constructible_from<T, decltype(*std::move(result))>;
};

template <class T>
concept cell_value =
    std::is_object_v<T> && !std::is_array_v<T> && std::is_destructible_v<T> &&
    !std::is_same_v<std::remove_cv_t<T>, std::in_place_t> && !std::is_same_v<std::remove_cv_t<T>, std::nullopt_t>;

/// State and storage, with a destructor only when T needs one: cells of
/// trivially destructible T are trivially destructible themselves.
template <class T, class State, bool = std::is_trivially_destructible_v<T>>
class CellBase {
 protected:
  constexpr CellBase() noexcept = default;
  template <class... Args>
  constexpr explicit CellBase(std::in_place_t, Args&&... args)
      : state_(true), storage_(std::in_place, std::forward<Args>(args)...) {}

  State state_;
  Storage<T> storage_;
};

template <class T, class State>
class CellBase<T, State, false> : public CellBase<T, State, true> {
 protected:
  using CellBase<T, State, true>::CellBase;
  ~CellBase() {
    ONCE_ASSERT(!this->state_.is_running(), "a cell must not be destroyed while its initializer runs");
    if (this->state_.is_complete()) destroy_value(this->storage_);
  }
};

template <class T, class State>
class Cell : public CellBase<T, State> {
  static_assert(cell_value<T>, "once: T must be a complete, non-array object type other than in_place_t or nullopt_t");
  using Base = CellBase<T, State>;

  static constexpr bool kCopyable = std::is_copy_constructible_v<T>;
  static constexpr bool kCopyAssignable = kCopyable && std::is_copy_assignable_v<T>;
  static constexpr bool kMovable = std::is_move_constructible_v<T>;
  static constexpr bool kMoveAssignable = kMovable && std::is_move_assignable_v<T>;
  static constexpr bool kNothrowMove = std::is_nothrow_move_constructible_v<T>;
  static constexpr bool kNothrowMoveAssign = kNothrowMove && std::is_nothrow_move_assignable_v<T>;

 public:
  using value_type = T;

  /// Empty.
  constexpr Cell() noexcept = default;

  /// Holds `T(std::forward<Args>(args)...)` from the start (a constant
  /// expression when that constructor is constexpr).
  // (The constraint is in the template head: Clang 16 crashes on an
  // inherited constructor whose constraint trails the declarator.)
  template <class... Args>
  requires std::constructible_from<T, Args...>
  constexpr explicit Cell(std::in_place_t, Args&&... args) : Base(std::in_place, std::forward<Args>(args)...) {}

  // Copy and move as std::optional does: an empty source gives an empty cell,
  // a full one a copy or move of its value (the source stays full, of a
  // moved-from value). Neither side may be in use by another thread.
  Cell(const Cell& other) requires kCopyable : Base() {
    if (const T* value = other.get()) emplace_exclusive(*value);
  }

  Cell(Cell&& other) noexcept(kNothrowMove) requires kMovable : Base() {
    if (T* value = other.get()) emplace_exclusive(std::move(*value));
  }

  Cell& operator=(const Cell& other) requires kCopyAssignable {
    if (const T* value = other.get()) {
      assign_exclusive(*value);
    } else {
      reset();
    }
    return *this;
  }

  Cell& operator=(Cell&& other) noexcept(kNothrowMoveAssign) requires kMoveAssignable {
    if (T* value = other.get()) {
      assign_exclusive(std::move(*value));
    } else {
      reset();
    }
    return *this;
  }

  ~Cell() = default;

  /// Whether the cell holds a value.
  [[nodiscard]] ONCE_ALWAYS_INLINE bool has_value() const noexcept { return this->state_.is_complete(); }

  /// The value, or nullptr while the cell is empty.
  [[nodiscard]] ONCE_ALWAYS_INLINE T* get() noexcept { return has_value() ? value_ptr() : nullptr; }
  [[nodiscard]] ONCE_ALWAYS_INLINE const T* get() const noexcept { return has_value() ? value_ptr() : nullptr; }

  /// The value, first constructing it from `f()` if the cell is empty. `f`
  /// runs at most once per successful initialization; if it throws, the cell
  /// stays empty and the exception propagates (the next call tries again).
  /// The result of `f` initializes the value directly (no move for a prvalue).
  template <initializer_for<T> F>
  ONCE_ALWAYS_INLINE T& get_or_init(F&& f) {
    // Written so that the inlined read path is the same as a function-local
    // static's guard check: load, compare, branch to the cold call, value.
    if (!has_value()) [[unlikely]]
      init_slow(std::forward<F>(f));
    return *value_ptr();
  }
  /// Not a get_or_init: turns an `f` that cannot make a T into one error that says so.
  template <class F>
  requires(!initializer_for<F, T>) T& get_or_init(F&&) {
    static_assert(initializer_for<F, T>,
                  "once: get_or_init(f) needs an f callable with no arguments that returns something T can be "
                  "constructed from");
    return *value_ptr();
  }

  /// As get_or_init, for an `f` that may decline: it returns something
  /// optional-like (std::optional<U>, typically). If `f` returns an empty
  /// one, the cell stays empty and this returns nullptr; otherwise the value
  /// is constructed from `*result` and returned.
  template <try_initializer_for<T> F>
  T* get_or_try_init(F&& f) {
    if (T* value = get()) [[likely]]
      return value;
    bool declined = false;
    auto init = [&]() -> bool {
      auto result = std::forward<F>(f)();
      if (!result) {
        declined = true;
        return false;
      }
      construct_value(this->storage_, *std::move(result));
      return true;
    };
    this->state_.initialize(init);
    return declined ? nullptr : value_ptr();
  }

  /// Stores `value` if the cell is empty. Returns true if this call stored
  /// it; on false, `value` was not moved from.
  template <class U = T>
  bool set(U&& value) requires std::constructible_from<T, U> {
    if (has_value()) return false;
    auto init = [&]() -> bool {
      construct_value(this->storage_, std::forward<U>(value));
      return true;
    };
    return this->state_.initialize(init);
  }

  /// Constructs the value from `args` if the cell is empty, like
  /// std::map::try_emplace: returns the value and whether this call made it.
  /// The arguments are not touched when the cell is already full.
  template <class... Args>
  std::pair<T&, bool> try_emplace(Args&&... args) requires std::constructible_from<T, Args...> {
    if (T* value = get()) return {*value, false};
    auto init = [&]() -> bool {
      construct_value(this->storage_, std::forward<Args>(args)...);
      return true;
    };
    const bool emplaced = this->state_.initialize(init);
    return {*value_ptr(), emplaced};
  }

  /// Moves the value out and leaves the cell empty, ready to be set again.
  /// Exclusive access only: no other thread may use the cell meanwhile.
  std::optional<T> take() requires kMovable {
    ONCE_ASSERT(!this->state_.is_running(), "take() needs exclusive access, but the cell's initializer is running");
    std::optional<T> taken;
    if (T* value = get()) {
      taken.emplace(std::move(*value));
      reset();
    }
    return taken;
  }

  /// Destroys the value, if any, and leaves the cell empty.
  /// Exclusive access only: no other thread may use the cell meanwhile.
  void reset() noexcept {
    ONCE_ASSERT(!this->state_.is_running(), "reset() needs exclusive access, but the cell's initializer is running");
    if (has_value()) {
      this->state_.set_exclusive(false);  // empty first: a destructor that looks at the cell sees it empty
      destroy_value(this->storage_);
    }
  }

 protected:
  /// Where the value lives, whether or not it is there yet.
  T* value_ptr() const noexcept { return value_address(this->storage_); }

 private:
  template <class F>
  ONCE_COLD void init_slow(F&& f) {
    auto init = [&]() -> bool {
      construct_value_from_call(this->storage_, std::forward<F>(f));
      return true;
    };
    this->state_.initialize(init);
  }

  template <class... Args>
  void emplace_exclusive(Args&&... args) {
    construct_value(this->storage_, std::forward<Args>(args)...);
    this->state_.set_exclusive(true);
  }

  template <class U>
  void assign_exclusive(U&& value) {
    if (T* mine = get()) {
      *mine = std::forward<U>(value);
    } else {
      emplace_exclusive(std::forward<U>(value));
    }
  }
};

}  // namespace detail
ONCE_NAMESPACE_END
ONCE_STORAGE_WARNINGS_END
