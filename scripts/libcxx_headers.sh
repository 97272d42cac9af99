#!/usr/bin/env bash
# Unpacks one LLVM release's libc++ headers from Debian's package, for compile-only work.
# SPDX-License-Identifier: MIT
#
# Unpacks Debian's libc++ headers of one LLVM release into a directory of its
# own and prints their include directory, without installing the package:
# libc++-N-dev packages conflict with each other, and CI keeps libc++-14-dev
# installed for the clang14-libcxx presets. Enough for compile-only work
# (the include_weight test, scripts/compile_time.py):
#
#   dir=$(scripts/libcxx_headers.sh 16 build/libcxx-16)
#   clang++-16 -nostdinc++ -isystem "$dir" -std=c++20 -fsyntax-only file.cpp
set -euo pipefail
version=${1:?usage: libcxx_headers.sh LLVM_VERSION DIR}
dir=$(realpath -m "${2:?usage: libcxx_headers.sh LLVM_VERSION DIR}")
include="$dir/usr/lib/llvm-$version/include/c++/v1"
if [[ ! -f "$include/__config_site" ]]; then
  mkdir -p "$dir/debs"
  (cd "$dir/debs" && apt-get download -q "libc++-$version-dev" "libc++abi-$version-dev" >&2)
  for deb in "$dir"/debs/*.deb; do dpkg -x "$deb" "$dir"; done
fi
[[ -f "$include/__config_site" ]] || { echo "libcxx_headers: no libc++ $version headers in $dir" >&2; exit 1; }
echo "$include"
