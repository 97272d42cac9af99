#!/usr/bin/env bash
# Runs one compile-fail snippet: it must fail with one error, which names the rule at the user's line.
# SPDX-License-Identifier: MIT
#
# Compiles one snippet that misuses the library and checks the diagnostic a
# user gets: the compilation fails with exactly one error, and that error (with
# the notes that locate it) names the rule (the snippet's `// expect:` line) and
# points at the user's line (the one marked `// error here`).
#
# Usage: run.sh <compiler> <include dir> <snippet.cpp> [compiler flags...]
set -uo pipefail
compiler=$1 include_dir=$2 snippet=$3
shift 3

expect=$(sed -n 's|^// expect: ||p' "$snippet")
line=$(grep -n '// error here' "$snippet" | head -n 1 | cut -d: -f1)
if [[ -z $expect || -z $line ]]; then
  echo "FAIL: $snippet needs an '// expect: <rule text>' line and a line marked '// error here'"
  exit 1
fi
name=$(basename "$snippet")

output=$("$compiler" -std=c++20 "$@" -fsyntax-only -fdiagnostics-color=never -I "$include_dir" "$snippet" 2>&1)
status=$?
if ((status == 0)); then
  echo "FAIL: $name compiled, but it misuses the library and must not"
  exit 1
fi

# The first error: GCC prints the instantiation context that leads to it
# before it ("required from here"), Clang the notes after it ("requested
# here"). So: every line up to the first error, that error, and what follows
# it (notes, source excerpts) up to where the next diagnostic begins: its
# error or warning line, or the context lines either compiler puts before it.
first_error=$(awk '
  done { next }
  !seen { print; if (/: (fatal )?error:/) seen = 1; next }
  /: ((fatal )?error|warning):/ || /^In file included from/ || /: In (instantiation|function|member|constructor|static)/ ||
    /: +required (from|by)/ { done = 1; next }
  { print }
' <<<"$output")
errors=$(grep -cE ': (fatal )?error:' <<<"$output")  # not the include chain's "system_error:41"

ok=1
if ! grep -qF -- "$expect" <<<"$first_error"; then
  echo "FAIL: $name: the first error does not name the rule \"$expect\""
  ok=0
fi
if ! grep -qE -- "(^|/)$name:$line:" <<<"$first_error"; then
  echo "FAIL: $name: the first error does not point at the user's line $name:$line"
  ok=0
fi
if ((errors != 1)); then
  echo "FAIL: $name: $errors errors; a misuse must give one"
  ok=0
fi
if ((ok)); then
  echo "PASS: $name: one error, naming the rule and the line"
  exit 0
fi
echo "---- first error ----"
echo "$first_error"
echo "---- whole output ----"
echo "$output"
exit 1
