# The compile-time guard: no public header pulls in a heavy standard header its API does not need.
# SPDX-License-Identifier: MIT
#
# The compile-time guard: no public header may pull in, directly or through
# another header, a standard header its API does not need and that costs a
# translation unit hundreds of milliseconds. Deterministic: it reads the
# compiler's dependency list (-M), it times nothing. The figures behind the
# list are in docs/benchmarks.md (scripts/compile_time.py).
#
#   thread, stop_token     <thread> for a yield, <stop_token> for overloads a
#                          template on the token type provides (sched_yield,
#                          the user's own include)
#   functional             std::invoke has a lighter route
#   chrono                 the full header, and its core (libstdc++'s
#   chrono.h               bits/chrono.h, libc++'s __chrono/steady_clock.h):
#   steady_clock.h         timed waits are templates on the caller's chrono
#                          types (detail/deadline.hpp). Only the backends
#                          without a futex read the clocks through
#                          detail/chrono.hpp: there the core is allowed, and
#                          the full header where the core has no light route.
#   memory                 shared_ptr has a lighter route, detail/shared_ptr.hpp
#                          (checked only where that header has one for this
#                          standard library)
#   sstream locale format
#                          what the full <chrono> brought with it
#   atomic                 the state words are detail::Atomic, on the
#                          compiler's builtins (detail/atomic.hpp); checked
#                          where that is the route (GCC and Clang with the
#                          futex or spin backend)
#
# A forbidden header that <optional> (which the API needs: take() and
# get_or_try_init), or <atomic> where the library uses it, pulls in with this
# toolchain is not counted against the library: libc++ 14's <optional> brings
# <functional>.
#
# Run by CTest (label compile-time) as
#   cmake -DCXX=<compiler> "-DFLAGS=<flags>" -DINCLUDE_DIR=<dir> -DWORK_DIR=<dir>
#         "-DALLOWED=<header>=<std header>;..." -P include_weight.cmake
# ALLOWED names known exceptions, each with its reason at the add_test call.

cmake_minimum_required(VERSION 3.25)

set(forbidden thread stop_token functional chrono chrono.h steady_clock.h memory sstream locale format atomic)

separate_arguments(flags UNIX_COMMAND "${FLAGS}")
file(MAKE_DIRECTORY "${WORK_DIR}")

# The dependency list of a translation unit holding `text`, as file names.
function(dependencies text out)
  string(MD5 stem "${text}")
  set(source "${WORK_DIR}/${stem}.cpp")
  file(WRITE "${source}" "${text}\n")
  execute_process(COMMAND "${CXX}" ${flags} -std=c++20 "-I${INCLUDE_DIR}" -M "${source}"
                  RESULT_VARIABLE result OUTPUT_VARIABLE deps ERROR_VARIABLE errors)
  if(NOT result EQUAL 0)
    message(FATAL_ERROR "include_weight: cannot compile '${text}':\n${errors}")
  endif()
  string(REPLACE "\\\n" " " deps "${deps}")
  string(REGEX REPLACE "[ \t\r\n]+" ";" deps "${deps}")
  set(${out} "${deps}" PARENT_SCOPE)
endfunction()

# The forbidden standard headers among `deps` (by file name: the full <chrono>
# is .../chrono, its light core bits/chrono.h or __chrono/duration.h).
function(forbidden_among deps out)
  set(found)
  foreach(dep IN LISTS deps)
    get_filename_component(name "${dep}" NAME)
    if(name IN_LIST forbidden AND NOT name IN_LIST found)
      list(APPEND found "${name}")
    endif()
  endforeach()
  set(${out} "${found}" PARENT_SCOPE)
endfunction()

# Whether `text` compiles (a probe of the library's configuration).
function(compiles text out)
  string(MD5 stem "${text}")
  file(WRITE "${WORK_DIR}/${stem}.cpp" "${text}\n")
  execute_process(COMMAND "${CXX}" ${flags} -std=c++20 "-I${INCLUDE_DIR}" -fsyntax-only "${WORK_DIR}/${stem}.cpp"
                  RESULT_VARIABLE result OUTPUT_QUIET ERROR_QUIET)
  if(result EQUAL 0)
    set(${out} TRUE PARENT_SCOPE)
  else()
    set(${out} FALSE PARENT_SCOPE)
  endif()
endfunction()

# What the standard headers the API needs bring anyway.
compiles("#include <once/detail/atomic.hpp>\nstatic_assert(ONCE_STD_ATOMIC);" std_atomic)
if(std_atomic)
  dependencies("#include <atomic>\n#include <optional>" baseline_deps)
else()
  dependencies("#include <optional>" baseline_deps)
endif()
forbidden_among("${baseline_deps}" baseline)
list(REMOVE_ITEM forbidden ${baseline})

compiles("#include <once/detail/shared_ptr.hpp>\nstatic_assert(ONCE_LIGHT_MEMORY);" light_memory)
if(NOT light_memory)
  message(STATUS "include_weight: no light shared_ptr route for this standard library; <memory> allowed")
  list(REMOVE_ITEM forbidden memory)
endif()

# A backend without a futex reads the clocks through detail/chrono.hpp: its
# core, or the full <chrono> where this standard library has no light route.
compiles("#include <once/detail/wait.hpp>\nstatic_assert(ONCE_FUTEX_WAIT);" futex)
if(NOT futex)
  message(STATUS "include_weight: a wait backend without a futex; the <chrono> core allowed")
  list(REMOVE_ITEM forbidden chrono.h steady_clock.h)
  compiles("#include <once/detail/chrono.hpp>\nstatic_assert(ONCE_LIGHT_CHRONO);" light)
  if(NOT light)
    message(STATUS "include_weight: no light <chrono> route for this standard library; <chrono> allowed")
    list(REMOVE_ITEM forbidden chrono)
  endif()
endif()
message(STATUS "include_weight: forbidden: ${forbidden} (what the API needs brings: ${baseline})")

file(GLOB headers RELATIVE "${INCLUDE_DIR}" "${INCLUDE_DIR}/once/*.hpp")
list(SORT headers)
set(failures)
set(used_allowances)
foreach(header IN LISTS headers)
  dependencies("#include <${header}>" deps)
  forbidden_among("${deps}" found)
  foreach(name IN LISTS found)
    if("${header}=${name}" IN_LIST ALLOWED)
      message(STATUS "include_weight: ${header} includes <${name}> (a known exception)")
      list(APPEND used_allowances "${header}=${name}")
    else()
      list(APPEND failures "${header} includes <${name}>")
    endif()
  endforeach()
  list(LENGTH deps count)
  message(STATUS "include_weight: ${header}: ${count} files")
endforeach()

# An exception nobody needs any more should go, so that it cannot hide a
# regression later. (Not an error: an exception may apply to one standard
# library only, such as <stop_token> where __cpp_lib_jthread is defined.)
foreach(allowance IN LISTS ALLOWED)
  if(NOT allowance IN_LIST used_allowances)
    message(WARNING "include_weight: the exception ${allowance} was not needed with this toolchain")
  endif()
endforeach()

if(failures)
  list(JOIN failures "\n  " text)
  message(FATAL_ERROR "include_weight: public headers pull in heavy standard headers their API does not need:\n"
                      "  ${text}\nSee tests/include_weight.cmake and docs/design.md (compile time).")
endif()
message(STATUS "include_weight: every public header is clear")
