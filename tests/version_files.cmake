# The version written outside the code (CHANGELOG.md, meson.build) agrees with the CMake project's.
# SPDX-License-Identifier: MIT
#
# The version written outside the code agrees with the CMake project's:
#   cmake -DVERSION=<x.y.z> -DSOURCE_DIR=<once> -P tests/version_files.cmake
# CHANGELOG.md has a section for it, and the Meson project (meson.build)
# declares it. The headers are checked by version_test.cpp.in.
foreach(var IN ITEMS VERSION SOURCE_DIR)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "version_files.cmake: -D${var}=... is required")
  endif()
endforeach()
string(REPLACE "." "\\." version_regex "${VERSION}")

file(READ "${SOURCE_DIR}/CHANGELOG.md" changelog)
if(NOT changelog MATCHES "\n## \\[${version_regex}\\]")
  message(FATAL_ERROR "CHANGELOG.md has no section '## [${VERSION}]' for the project's version")
endif()

file(READ "${SOURCE_DIR}/meson.build" meson)
if(NOT meson MATCHES "version *: *'([0-9.]+)'")
  message(FATAL_ERROR "meson.build declares no version: 'x.y.z' in project()")
endif()
if(NOT CMAKE_MATCH_1 STREQUAL VERSION)
  message(FATAL_ERROR "meson.build declares version ${CMAKE_MATCH_1}, CMakeLists.txt ${VERSION}")
endif()
message(STATUS "CHANGELOG.md and meson.build agree with version ${VERSION}")
