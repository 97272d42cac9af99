#!/usr/bin/env bash
# Shows that the work tree's headers generate the same machine code as those
# of revision REV for a program that uses OnceLock, LazyLock and OnceShared:
# one translation unit, compiled at -O2 against REV's include/ and against the
# work tree's, disassembled function by function. Section order, addresses
# and padding are ignored; so are the names of detail classes that a
# refactoring renamed (the RENAMES below), since a name is not code.
#
#   scripts/codegen_diff.sh REV [compiler]
#
# Prints every function's verdict and exits 0 when all are identical, 1 with
# a unified diff otherwise.
set -euo pipefail
rev=${1:?usage: scripts/codegen_diff.sh REV [compiler]}
cxx=${2:-${CXX:-g++}}
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

mkdir -p "$work/rev"
git -C "$root" archive "$rev" include | tar -x -C "$work/rev"

cat > "$work/probe.cpp" <<'EOF'
#include <chrono>
#include <memory>

#include <once/lazy_lock.hpp>
#include <once/once_lock.hpp>
#include <once/once_shared.hpp>

int make_int();
std::shared_ptr<int> make_shared_int();

once::OnceLock<int> lock;
once::LazyLock<int> lazy{make_int};
once::OnceShared<int> shared;

// The read paths: inlined one acquire load and a branch.
int* lock_get() { return lock.get(); }
int lazy_force() { return *lazy; }
int* shared_get() { return shared.get(); }
std::shared_ptr<int> shared_load() { return shared.load(); }
// The slow paths: claim, initializer, complete() or roll-back, waits.
int& lock_get_or_init() { return lock.get_or_init(make_int); }
bool lock_set(int v) { return lock.set(v); }
int& lock_wait() { return lock.wait(); }
int* lock_wait_for() { return lock.wait_for(std::chrono::milliseconds(5)); }
bool shared_store(const std::shared_ptr<int>& p) { return shared.store(p); }
int& shared_get_or_init() { return shared.get_or_init(make_shared_int); }
EOF

# Names a refactoring changed without changing code: old spelling first.
renames=(
  's/once::v1::detail::BasicOnceState<std::atomic>/once::v1::detail::OnceState/g'
  's/once::v1::detail::SharedSlot<\([^<>]*\), std::atomic>/once::v1::OnceShared<\1>/g'
  's/once::v1::detail::BasicOnceState<once::v1::detail::Atomic>/once::v1::detail::OnceState/g'
  's/once::v1::detail::SharedSlot<\([^<>]*\), once::v1::detail::Atomic>/once::v1::OnceShared<\1>/g'
  's/once::v1::detail::WaitOps<std::atomic>/once::v1::detail::WaitOps<once::v1::detail::Atomic>/g'
  's/std::atomic<\([a-z ]*\)>/once::v1::detail::Atomic<\1>/g'
)

disassemble() {  # disassemble <include dir> <output>
  "$cxx" -std=c++20 -O2 -ffunction-sections -I"$1" -c "$work/probe.cpp" -o "$work/probe.o"
  objdump -d -r -C --no-show-raw-insn --no-addresses "$work/probe.o" > "$work/raw.txt"
  local sed_args=()
  local r
  for r in "${renames[@]}"; do sed_args+=(-e "$r"); done
  sed "${sed_args[@]}" "$work/raw.txt" | python3 -c '
import re, sys
functions, name = {}, None
for line in sys.stdin:
    line = line.rstrip()
    header = re.match(r"^<(.*)>:$", line)
    if header:
        name = re.sub(r" >", ">", header.group(1))
        functions.setdefault(name, [])
        continue
    if name is None or not line.strip() or line.startswith("Disassembly of section"):
        continue
    body = line.strip()
    # Padding between functions, and relocation offsets (addresses).
    if re.match(r"^(\.\.\.|nop[wl]?\b.*|xchg\s+%ax,%ax|data16 .*|cs nopw .*)$", body):
        continue
    body = re.sub(r"^[0-9a-f]+: (R_)", r"\1", body)
    body = re.sub(r"\b[0-9a-f]+ <", "<", body)  # a jump target: keep only <function+offset>
    body = re.sub(r"\.LC[0-9]+", ".LC", body)  # string constants, numbered in emission order
    body = re.sub(r"\s+", " ", body)
    body = re.sub(r" >", ">", body)
    # An operand a relocation fills in (the line after names the target) is a
    # placeholder in an object file: the annotation objdump guesses is noise.
    if body.startswith("R_") and functions[name]:
        functions[name][-1] = re.sub(r"\s*(# )?<[^<>]*(<[^<>]*>[^<>]*)*>$", "", functions[name][-1])
    functions[name].append(body)
for name in sorted(functions):
    print("== " + name)
    for body in functions[name]:
        print("   " + body)
' > "$2"
}

disassemble "$work/rev/include" "$work/rev.txt"
disassemble "$root/include" "$work/tree.txt"

count=$(grep -c '^== ' "$work/tree.txt")
if diff -u "$work/rev.txt" "$work/tree.txt" > "$work/diff.txt"; then
  echo "identical: $count functions, $cxx -O2, $rev vs the work tree"
  grep '^== ' "$work/tree.txt" | sed 's/^== /  /'
  exit 0
fi
cat "$work/diff.txt"
echo "DIFFERENT: the work tree's code differs from $rev's ($cxx -O2)"
exit 1
