// Value types and helpers shared by the tests.
// SPDX-License-Identifier: MIT
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>

#include <once/detail/config.hpp>

namespace test {

/// Counts how many instances are alive and how many were ever constructed.
/// Atomic, so that concurrent tests can use it too.
struct Counted {
  static inline std::atomic<int> alive{0};
  static inline std::atomic<int> constructed{0};
  static void reset_counts() {
    alive = 0;
    constructed = 0;
  }

  int value = 0;

  explicit Counted(int v) : value(v) { born(); }
  Counted(const Counted& other) : value(other.value) { born(); }
  Counted(Counted&& other) noexcept : value(other.value) { born(); }
  Counted& operator=(const Counted&) = default;
  Counted& operator=(Counted&&) noexcept = default;
  ~Counted() { alive.fetch_sub(1, std::memory_order_relaxed); }

 private:
  static void born() {
    alive.fetch_add(1, std::memory_order_relaxed);
    constructed.fetch_add(1, std::memory_order_relaxed);
  }
};

/// Movable, not copyable; knows when it has been moved from.
struct MoveOnly {
  std::unique_ptr<int> value;
  explicit MoveOnly(int v) : value(std::make_unique<int>(v)) {}
  MoveOnly(MoveOnly&&) noexcept = default;
  MoveOnly& operator=(MoveOnly&&) noexcept = default;
  bool moved_from() const { return value == nullptr; }
};

/// Neither copyable nor movable: only guaranteed copy elision can make one.
struct Pinned {
  int value;
  explicit Pinned(int v) : value(v) {}
  Pinned(const Pinned&) = delete;
  Pinned& operator=(const Pinned&) = delete;
};

// make<T>(n) builds a T that holds n; value_of reads it back. Strings are
// long enough to live on the heap, so that sanitizers see their lifetime.
template <class T>
T make(int n);
template <>
inline int make<int>(int n) {
  return n;
}
template <>
inline std::string make<std::string>(int n) {
  return std::string(40, 'a') + std::to_string(n);
}
template <>
inline MoveOnly make<MoveOnly>(int n) {
  return MoveOnly(n);
}
template <>
inline Counted make<Counted>(int n) {
  return Counted(n);
}

inline int value_of(int v) { return v; }
inline int value_of(const std::string& s) { return std::stoi(s.substr(40)); }
inline int value_of(const MoveOnly& m) { return *m.value; }
inline int value_of(const Counted& c) { return c.value; }

/// Whether `v` still holds something (was not moved from).
inline bool intact(int) { return true; }
inline bool intact(const std::string& s) { return s.size() > 40; }
inline bool intact(const MoveOnly& m) { return !m.moved_from(); }
inline bool intact(const Counted&) { return true; }

struct Boom {};  // what the tests' initializers throw

/// rebind_t<OnceLock<int>, U> is OnceLock<U>.
template <class Cell, class U>
struct rebind;
template <template <class> class Cell, class T, class U>
struct rebind<Cell<T>, U> {
  using type = Cell<U>;
};
template <class Cell, class U>
using rebind_t = typename rebind<Cell, U>::type;

}  // namespace test
