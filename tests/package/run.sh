#!/usr/bin/env bash
# Builds and runs the consumer project against once in each of the three ways a user can take it in.
# SPDX-License-Identifier: MIT
#
# find_package must also refuse versions the package is not compatible with.
#
#   tests/package/run.sh <once-source-dir> <scratch-dir> [extra cmake args...]
set -euo pipefail
src=$(cd "$1" && pwd)
work=$2
shift 2
rm -rf "$work"
mkdir -p "$work"
consumer="$src/tests/package/consumer"

build_and_run() {  # <name> <cmake args...>
  local name=$1
  shift
  echo "== consumer via $name"
  cmake -S "$consumer" -B "$work/$name" "$@" > "$work/$name.log" 2>&1 || { cat "$work/$name.log"; return 1; }
  cmake --build "$work/$name" >> "$work/$name.log" 2>&1 || { cat "$work/$name.log"; return 1; }
  "$work/$name/consumer"
}

build_and_run add_subdirectory -DONCE_CONSUME_VIA=add_subdirectory -DONCE_SOURCE_DIR="$src" "$@"
build_and_run fetchcontent -DONCE_CONSUME_VIA=fetchcontent -DONCE_SOURCE_DIR="$src" "$@"

echo "== install"
cmake -S "$src" -B "$work/once-build" -DONCE_BUILD_TESTS=OFF -DONCE_BUILD_BENCHMARKS=OFF -DONCE_BUILD_EXAMPLES=OFF \
  -DONCE_INSTALL=ON "$@" > "$work/install.log" 2>&1 || { cat "$work/install.log"; exit 1; }
cmake --install "$work/once-build" --prefix "$work/prefix" >> "$work/install.log" 2>&1 || { cat "$work/install.log"; exit 1; }
test -f "$work/prefix/include/once/once.hpp"
test -f "$work/prefix/share/cmake/once/onceConfig.cmake"
test -f "$work/prefix/share/cmake/once/onceConfigVersion.cmake"

for version in 1.0 1.1 1 1.1.0; do
  build_and_run "find_package-$version" -DONCE_CONSUME_VIA=find_package -DONCE_REQUESTED_VERSION="$version" \
    -DCMAKE_PREFIX_PATH="$work/prefix" "$@"
done

for version in 2.0 1.2 0.9; do
  echo "== find_package(once $version) must be refused"
  if cmake -S "$consumer" -B "$work/refused-$version" -DONCE_CONSUME_VIA=find_package \
      -DONCE_REQUESTED_VERSION="$version" -DCMAKE_PREFIX_PATH="$work/prefix" "$@" > "$work/refused-$version.log" 2>&1; then
    echo "error: find_package(once $version) accepted version 1.1.0"
    exit 1
  fi
  grep -q "not compatible\|version" "$work/refused-$version.log"
  echo "refused, as it should be"
done
echo "== all package checks passed"
