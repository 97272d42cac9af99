// detail::invoke against std::invoke: same results, result types, noexcept and validity.
// SPDX-License-Identifier: MIT
//
// Over the three kinds of callables and the three ways of naming the object
// of a pointer to member.
#include <once/detail/invoke.hpp>

#include <functional>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>

#include "catch.hpp"

namespace {

using once::detail::invoke;

struct Base {
  int value = 1;
  constexpr int get() const { return value; }
  int add(int x) & { return value + x; }
  int add(int x) && { return value + 100 * x; }
  void set(int x) noexcept { value = x; }
};
struct Derived : Base {};

struct Functor {
  int operator()(int x) & { return x; }
  int operator()(int x) && { return -x; }
};

int twice(int x) { return 2 * x; }

// Same type, same noexcept, and callable exactly where std::invoke is.
template <class F, class... Args>
constexpr bool kAgrees = std::is_same_v<decltype(invoke(std::declval<F>(), std::declval<Args>()...)),
                                        std::invoke_result_t<F, Args...>>&& noexcept(invoke(std::declval<F>(),
                                                                                            std::declval<Args>()...)) ==
                         std::is_nothrow_invocable_v<F, Args...>;

template <class F, class... Args>
constexpr bool kInvocable = requires(F&& f, Args&&... args) {
  invoke(std::forward<F>(f), std::forward<Args>(args)...);
};

using Get = int (Base::*)() const;
using Add = int (Base::*)(int) &;
using AddRvalue = int (Base::*)(int) &&;
using Set = void (Base::*)(int) noexcept;
using Value = int Base::*;

static_assert(kAgrees<int (*)(int), int>);
static_assert(kAgrees<Functor&, int> && kAgrees<Functor, int>);
static_assert(kAgrees<Get, Base&> && kAgrees<Get, const Derived&> && kAgrees<Get, Base*> && kAgrees<Get, const Base*>);
static_assert(kAgrees<Get, std::reference_wrapper<Base>> && kAgrees<Get, std::unique_ptr<Derived>&>);
static_assert(kAgrees<Add, Base&, int> && kAgrees<AddRvalue, Base, int> && kAgrees<Set, Base*, int>);
static_assert(kAgrees<Value, Base&> && kAgrees<Value, Base&&> && kAgrees<Value, const Derived&>);
static_assert(kAgrees<Value, Base*> && kAgrees<Value, std::reference_wrapper<const Base>>);
static_assert(std::is_same_v<decltype(invoke(std::declval<Value>(), std::declval<Base>())), int&&>);
static_assert(std::is_same_v<decltype(invoke(std::declval<Value>(), std::declval<const Base&>())), const int&>);

// Refused where std::invoke is refused.
static_assert(!kInvocable<Add, Base, int>);         // & member on an rvalue
static_assert(!kInvocable<AddRvalue, Base&, int>);  // && member on an lvalue
static_assert(!kInvocable<Set, const Base&, int>);  // non-const member on a const object
static_assert(!kInvocable<Value, Base&, int>);      // a data member takes no arguments
static_assert(!kInvocable<int (*)(int)>);
static_assert(!kInvocable<int (*)(int), std::string>);

constexpr int constexpr_use() {
  Base b{};
  b.value = 7;
  return invoke(&Base::value, b) + invoke(&Base::get, &b) + invoke([](int x) { return x; }, 1);
}
static_assert(constexpr_use() == 15);

}  // namespace

TEST_CASE("invoke calls a callable as std::invoke does") {
  Functor functor;
  CHECK(invoke(twice, 3) == 6);
  CHECK(invoke(&twice, 3) == std::invoke(&twice, 3));
  CHECK(invoke(functor, 3) == 3);
  CHECK(invoke(Functor{}, 3) == -3);  // the rvalue-qualified call operator
  CHECK(invoke([](std::string s) { return s + "!"; }, std::string("a")) == "a!");
  int calls = 0;
  invoke([&calls] { ++calls; });
  CHECK(calls == 1);
}

TEST_CASE("invoke applies a pointer to member function to an object, a reference_wrapper or a pointer") {
  Derived d;
  d.value = 5;
  CHECK(invoke(&Base::get, d) == 5);
  CHECK(invoke(&Base::get, std::as_const(d)) == 5);
  CHECK(invoke(&Base::get, std::ref(d)) == 5);
  CHECK(invoke(&Base::get, std::cref(d)) == 5);
  CHECK(invoke(&Base::get, &d) == 5);
  auto owned = std::make_unique<Derived>();
  owned->value = 9;
  CHECK(invoke(&Base::get, owned) == 9);
  CHECK(invoke(&Base::get, std::make_shared<Base>()) == 1);

  // Ref-qualified overloads are picked by the object's value category.
  CHECK(invoke(static_cast<Add>(&Base::add), d, 2) == 7);
  CHECK(invoke(static_cast<AddRvalue>(&Base::add), Derived{}, 2) == 201);
  CHECK(invoke(static_cast<AddRvalue>(&Base::add), std::move(d), 2) == 205);

  // It acts on the object itself, not on a copy.
  invoke(&Base::set, d, 11);
  CHECK(d.value == 11);
  invoke(&Base::set, std::ref(d), 12);
  CHECK(d.value == 12);
  invoke(&Base::set, &d, 13);
  CHECK(d.value == 13);
  invoke(&Base::set, owned, 14);
  CHECK(owned->value == 14);
}

TEST_CASE("invoke applies a pointer to data member to an object, a reference_wrapper or a pointer") {
  Derived d;
  d.value = 3;
  CHECK(invoke(&Base::value, d) == 3);
  CHECK(invoke(&Base::value, std::ref(d)) == 3);
  CHECK(invoke(&Base::value, &d) == 3);
  // The result is a reference to the member: writable through a non-const object.
  invoke(&Base::value, d) = 4;
  CHECK(d.value == 4);
  invoke(&Base::value, std::ref(d)) = 5;
  CHECK(d.value == 5);
  invoke(&Base::value, &d) = 6;
  CHECK(d.value == 6);
  auto owned = std::make_unique<Base>();
  invoke(&Base::value, owned) = 8;
  CHECK(owned->value == 8);
  CHECK(&invoke(&Base::value, std::cref(d)) == &d.value);
}
