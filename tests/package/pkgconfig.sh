#!/usr/bin/env bash
# once.pc: pkg-config's answers, and a plain Makefile project built with them.
# SPDX-License-Identifier: MIT
#
# once.pc: pkg-config reports the version and include path, refuses versions
# the package is not, and a plain Makefile project builds and runs with
# `pkg-config --cflags once`, from the install and from a moved copy of it.
#
#   tests/package/pkgconfig.sh <once-source-dir> <prefix> <scratch-dir> <c++ compiler> [CXXFLAGS]
set -euo pipefail
src=$(cd "$1" && pwd)
prefix=$(cd "$2" && pwd)
work=$3
cxx=$4
cxxflags=${5:-}
rm -rf "$work"
mkdir -p "$work"
fail() { echo "error: $*"; exit 1; }

version=$(sed -n 's/^#define ONCE_VERSION_\(MAJOR\|MINOR\|PATCH\) \([0-9]*\)$/\2/p' "$src/include/once/detail/config.hpp" | paste -sd.)
consume() {  # <prefix> <name>: pkg-config checks and the Makefile consumer against that prefix
  local at=$1 name=$2
  export PKG_CONFIG_PATH="$at/share/pkgconfig"
  echo "== pkg-config, $name ($at)"
  local got
  got=$(pkg-config --modversion once) || fail "pkg-config does not find once in $PKG_CONFIG_PATH"
  [ "$got" = "$version" ] || fail "pkg-config --modversion once gives $got, the headers say $version"
  pkg-config --exists "once >= 1.1" || fail "pkg-config refuses once >= 1.1"
  pkg-config --exists "once = $version" || fail "pkg-config refuses once = $version"
  for refused in "once >= 2" "once < 1.1"; do
    if pkg-config --exists "$refused"; then fail "pkg-config accepts '$refused' for version $version"; fi
  done
  local includedir
  includedir=$(cd "$(pkg-config --variable=includedir once)" && pwd) || fail "includedir of once.pc does not exist"
  [ "$includedir" = "$at/include" ] || fail "once.pc's includedir is $includedir, not $at/include"
  [ -z "$(pkg-config --libs once)" ] || fail "a header-only package has no Libs: $(pkg-config --libs once)"
  pkg-config --print-errors --cflags once | grep -q -- "-I" || fail "once.pc's Cflags have no include path"
  echo "version $got, Cflags: $(pkg-config --cflags once)"

  echo "== Makefile consumer, $name"
  mkdir -p "$work/$name"
  make --no-print-directory -f "$src/tests/package/makefile/Makefile" SRC="$src/tests/package/consumer/main.cpp" \
    OUT="$work/$name/consumer" CXX="$cxx" CXXFLAGS="$cxxflags"
  "$work/$name/consumer"
}

consume "$prefix" install
# A moved install still works: once.pc locates the headers relative to itself.
cp -a "$prefix" "$work/moved-prefix"
consume "$work/moved-prefix" moved
echo "== all pkg-config checks passed"
