#!/usr/bin/env bash
# A configure without the test and benchmark dependencies: each is skipped or refused with advice.
# SPDX-License-Identifier: MIT
#
# A top-level configure on a machine without the test and benchmark
# dependencies: CMAKE_DISABLE_FIND_PACKAGE_<name> makes each one unfindable.
#  - Without Google Benchmark, the default (AUTO) skips the benchmarks with a
#    message; asking for them (ON) fails with a message that says what to do.
#  - Without Catch2, the tests fail with a message that says what to do, and
#    nothing is downloaded unless ONCE_FETCH_DEPENDENCIES is on.
#  - The packager's line (tests, benchmarks and examples off) needs neither.
#
#   tests/package/configure.sh <once-source-dir> <scratch-dir> [extra cmake args...]
set -euo pipefail
src=$(cd "$1" && pwd)
work=$2
shift 2
rm -rf "$work"
mkdir -p "$work"
fail() { echo "error: $*"; exit 1; }
no_benchmark=-DCMAKE_DISABLE_FIND_PACKAGE_benchmark=ON
no_catch2=-DCMAKE_DISABLE_FIND_PACKAGE_Catch2=ON

configure() {  # <name> <expect: ok|fail> <cmake args...>
  local name=$1 expect=$2
  shift 2
  echo "== configure: $name"
  if cmake -S "$src" -B "$work/$name" "$@" > "$work/$name.log" 2>&1; then
    [ "$expect" = ok ] || { cat "$work/$name.log"; fail "$name: configure succeeded, it should fail"; }
  else
    [ "$expect" = fail ] || { cat "$work/$name.log"; fail "$name: configure failed"; }
  fi
}
expect_log() {  # <name> <pattern> <what>
  grep -q -- "$2" "$work/$1.log" || { cat "$work/$1.log"; fail "$1: $3"; }
}
refuse_log() {  # <name> <pattern> <what>
  if grep -q -- "$2" "$work/$1.log"; then cat "$work/$1.log"; fail "$1: $3"; fi
}

configure no-benchmark ok "$no_benchmark" "$@"
expect_log no-benchmark "Google Benchmark not found, the benchmarks are skipped" "no message that the benchmarks are skipped"
test -f "$work/no-benchmark/tests/CTestTestfile.cmake" || fail "no-benchmark: the tests were not configured"
test ! -e "$work/no-benchmark/bench" || fail "no-benchmark: the benchmarks were configured without Google Benchmark"

configure benchmark-required fail -DONCE_BUILD_BENCHMARKS=ON "$no_benchmark" "$@"
expect_log benchmark-required "ONCE_BUILD_BENCHMARKS is ON but Google Benchmark was not found" "no clear error"

configure no-catch2 fail -DONCE_BUILD_BENCHMARKS=OFF "$no_catch2" "$@"
expect_log no-catch2 "the tests need Catch2" "no clear error"
expect_log no-catch2 "ONCE_FETCH_DEPENDENCIES=ON" "the error does not name the download option"
refuse_log no-catch2 "fetching Catch2" "tried to download Catch2 without ONCE_FETCH_DEPENDENCIES"
test ! -d "$work/no-catch2/_deps" || fail "no-catch2: something was downloaded into _deps"

configure packager ok -DONCE_BUILD_TESTS=OFF -DONCE_BUILD_BENCHMARKS=OFF -DONCE_BUILD_EXAMPLES=OFF \
  "$no_benchmark" "$no_catch2" "$@"
refuse_log packager "Google Benchmark not found" "the packager's line mentions the benchmarks it turned off"
echo "== all configure checks passed"
