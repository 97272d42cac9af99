# Fails, naming it, if some public header is included by none of the warnings test's sources.
# SPDX-License-Identifier: MIT
#
# Fails, naming them, if some public header (include/once/*.hpp) is included
# by none of the warnings test's sources: a header added without its
# exercising source would otherwise go untested.
# Usage: cmake -D INCLUDE_DIR=<include/once> -D SOURCE_DIR=<tests/warnings> -P coverage.cmake
cmake_minimum_required(VERSION 3.25)
file(GLOB headers RELATIVE "${INCLUDE_DIR}" "${INCLUDE_DIR}/*.hpp")
file(GLOB sources "${SOURCE_DIR}/*.cpp")
set(included "")
foreach(source IN LISTS sources)
  file(STRINGS "${source}" lines REGEX "^#include <once/[a-z_]+\\.hpp>")
  foreach(line IN LISTS lines)
    string(REGEX REPLACE "^#include <once/([a-z_]+\\.hpp)>.*" "\\1" header "${line}")
    list(APPEND included "${header}")
  endforeach()
endforeach()
set(missing "")
foreach(header IN LISTS headers)
  if(NOT header IN_LIST included)
    list(APPEND missing "${header}")
  endif()
endforeach()
if(missing)
  message(FATAL_ERROR "public headers that no source in tests/warnings/ exercises: ${missing}")
endif()
list(LENGTH headers count)
message(STATUS "all ${count} public headers are exercised by tests/warnings/")
