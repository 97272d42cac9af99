// std::shared_ptr and std::make_shared, without the rest of <memory>.
// SPDX-License-Identifier: MIT
//
// OnceShared's API is std::shared_ptr; the rest of C++20's <memory> (the
// ranges algorithms on uninitialized memory, atomic<shared_ptr>, with
// libstdc++ <ostream> for unique_ptr's stream operator) is most of what
// once_shared.hpp would cost (docs/design.md, "Compile time"). The standard
// libraries keep shared_ptr in an internal header, self-contained; on the
// releases checked here this header includes that instead:
//
//   libstdc++ 12         <bits/shared_ptr.h>
//   libc++ 14 and 16     <__memory/shared_ptr.h>
//
// Everywhere else it is the full <memory>: slower to compile, never
// different.
#pragma once

#include <version>  // the standard library's identity and release, nothing else

#if defined(_GLIBCXX_RELEASE) && _GLIBCXX_RELEASE == 12 && __has_include(<bits/shared_ptr.h>)
#include <bits/shared_ptr.h>
#define ONCE_LIGHT_MEMORY 1
#elif defined(_LIBCPP_VERSION) && __has_include(<__memory/shared_ptr.h>) && \
    ((_LIBCPP_VERSION >= 14000 && _LIBCPP_VERSION < 15000) || (_LIBCPP_VERSION >= 160000 && _LIBCPP_VERSION < 170000))
#include <__memory/shared_ptr.h>
#define ONCE_LIGHT_MEMORY 1
#else
#include <memory>
#define ONCE_LIGHT_MEMORY 0
#endif
