#!/usr/bin/env bash
# Installs once into a scratch prefix, as a packager would, for the package tests that read it.
# SPDX-License-Identifier: MIT
#
#   tests/package/install.sh <once-source-dir> <scratch-dir> [extra cmake args...]
#
# Leaves the install in <scratch-dir>/prefix.
set -euo pipefail
src=$(cd "$1" && pwd)
work=$2
shift 2
rm -rf "$work"
mkdir -p "$work"
log="$work/install.log"
cmake -S "$src" -B "$work/build" -DONCE_BUILD_TESTS=OFF -DONCE_BUILD_BENCHMARKS=OFF -DONCE_BUILD_EXAMPLES=OFF \
  "$@" > "$log" 2>&1 || { cat "$log"; exit 1; }
cmake --install "$work/build" --prefix "$work/prefix" >> "$log" 2>&1 || { cat "$log"; exit 1; }
for file in include/once/once.hpp share/pkgconfig/once.pc share/cmake/once/onceConfig.cmake share/gdb/once_printers.py; do
  test -f "$work/prefix/$file" || { echo "error: the install has no $file"; cat "$log"; exit 1; }
done
echo "installed into $work/prefix"
