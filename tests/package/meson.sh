#!/usr/bin/env bash
# Meson projects that use dependency('once'): from an installed prefix and as a subproject.
# SPDX-License-Identifier: MIT
#
# Meson projects that use dependency('once'): found through pkg-config in an
# installed prefix (and refused when asking for a version the package is not),
# and as a subproject, through the library's own meson.build.
#
#   tests/package/meson.sh <once-source-dir> <prefix> <scratch-dir> <c++ compiler> [CXXFLAGS]
set -euo pipefail
src=$(cd "$1" && pwd)
prefix=$(cd "$2" && pwd)
work=$3
export CXX=$4
cxxflags=${5:-}
rm -rf "$work"
mkdir -p "$work"
fail() { echo "error: $*"; exit 1; }

# A consumer project of its own: the Meson consumer's meson.build and the
# consumer program every package test builds.
project() {  # <dir>
  mkdir -p "$1"
  cp "$src/tests/package/meson/meson.build" "$src/tests/package/meson/meson_options.txt" \
    "$src/tests/package/consumer/main.cpp" "$1/"
}

build_and_run() {  # <name> <meson setup args...>
  local name=$1
  shift
  local log="$work/$name.log"
  echo "== Meson consumer via $name"
  # The flags of the build under test (warnings as errors) reach Meson as cpp_args.
  meson setup "$work/$name/build" "$work/$name" -Dcpp_args="$cxxflags" "$@" > "$log" 2>&1 || { cat "$log"; return 1; }
  meson compile -C "$work/$name/build" >> "$log" 2>&1 || { cat "$log"; return 1; }
  "$work/$name/build/consumer"
}

# 1. Installed: pkg-config only, no fallback allowed.
project "$work/installed"
PKG_CONFIG_PATH="$prefix/share/pkgconfig" build_and_run installed --wrap-mode=nofallback
grep -q "Run-time dependency once found: YES" "$work/installed.log" || { cat "$work/installed.log"; fail "Meson did not find once through pkg-config"; }

echo "== Meson must refuse once >= 2"
project "$work/refused"
if PKG_CONFIG_PATH="$prefix/share/pkgconfig" meson setup "$work/refused/build" "$work/refused" --wrap-mode=nofallback \
    -Donce_version='>=2' > "$work/refused.log" 2>&1; then
  cat "$work/refused.log"
  fail "Meson accepted once >= 2"
fi
grep -q "but need: '>=2'" "$work/refused.log" || { cat "$work/refused.log"; fail "Meson failed for another reason"; }
echo "refused, as it should be"

# 2. Subproject: the source tree in subprojects/once, pkg-config out of reach.
project "$work/subproject"
mkdir -p "$work/subproject/subprojects"
ln -s "$src" "$work/subproject/subprojects/once"
PKG_CONFIG_PATH="" PKG_CONFIG_LIBDIR="$work/empty" build_and_run subproject --force-fallback-for=once
grep -q "Executing subproject once" "$work/subproject.log" || { cat "$work/subproject.log"; fail "once was not taken in as a subproject"; }
echo "== all Meson checks passed"
