#!/usr/bin/env bash
# Prints the read path's instructions, as the compiler emits them, beside a function-local static's.
# SPDX-License-Identifier: MIT
#
# Compiles a probe translation unit at -O2 with functions that read an int
# through a function-local static, OnceLock<int>::get_or_init, *LazyLock,
# once::call_once on a OnceFlag and OnceLock<int>::get(), links it (so that objdump can name every address),
# disassembles it with objdump -d --no-show-raw-insn -C, and prints the
# instructions each function executes once the value is there (from its entry
# to its first ret) side by side, then every probe function in full.
#
# Usage: scripts/read_path_asm.sh [--cxx CXX] [--include-dir DIR] [--opt -O2] [--out FILE]
#   --cxx          compiler (default: $CXX, else g++)
#   --include-dir  the library's include directory (default: ../include from here)
#   --opt          optimization flags (default: -O2)
#   --out          also write the output to FILE (the report reads it)
# Needs objdump (binutils) and, for readable names, the linker the compiler uses.

set -euo pipefail

script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cxx="${CXX:-g++}"
include_dir="${script_dir}/../include"
opt="-O2"
out=""

usage() { sed -n '5,20p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }

while [[ $# -gt 0 ]]; do
  case "$1" in
    --cxx) cxx="$2"; shift 2 ;;
    --include-dir) include_dir="$2"; shift 2 ;;
    --opt) opt="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    -h | --help) usage; exit 0 ;;
    *) echo "read_path_asm.sh: unknown argument: $1" >&2; usage >&2; exit 2 ;;
  esac
done

command -v objdump > /dev/null || { echo "read_path_asm.sh: objdump not found (install binutils)" >&2; exit 1; }
include_dir="$(cd "${include_dir}" && pwd)"

work="$(mktemp -d "${TMPDIR:-/tmp}/once-read-path-asm.XXXXXX")"
trap 'rm -rf "${work}"' EXIT

# The probes. make_value() lives in another translation unit, so that no
# value is a known constant; extern "C" keeps the names short.
cat > "${work}/probe.cpp" << 'EOF'
#include <once/call_once.hpp>
#include <once/lazy_lock.hpp>
#include <once/once_lock.hpp>

int make_value();

once::OnceFlag flag;
int flag_value;

once::OnceLock<int> lock;
constinit once::LazyLock lazy = [] { return make_value(); };

extern "C" int probe_local_static() {
  static int value = make_value();
  return value;
}
extern "C" int probe_once_lock_get_or_init() { return lock.get_or_init(make_value); }
extern "C" int probe_lazy_lock_deref() { return *lazy; }
extern "C" const int* probe_once_lock_get() { return lock.get(); }
extern "C" int probe_call_once() {
  once::call_once(flag, [] { flag_value = make_value(); });
  return flag_value;
}
EOF
cat > "${work}/main.cpp" << 'EOF'
int make_value() { return 42; }
int main() { return 0; }
EOF

# shellcheck disable=SC2086  # $opt may hold several flags
"${cxx}" -std=c++20 ${opt} -I"${include_dir}" -c "${work}/probe.cpp" -o "${work}/probe.o"
# shellcheck disable=SC2086
"${cxx}" -std=c++20 ${opt} -c "${work}/main.cpp" -o "${work}/main.o"
"${cxx}" "${work}/probe.o" "${work}/main.o" -o "${work}/probe"
objdump -d --no-show-raw-insn -C "${work}/probe" > "${work}/probe.dis"

# extract <function> <hot|full>: the function's instructions, one a line, as
# "+offset  mnemonic operands", with RIP-relative addresses and branch targets
# replaced by the names objdump gives them. "hot" stops at the first ret.
extract() {
  awk -v fn="$1" -v mode="$2" '
    function hex(s,    i, v) {  # mawk has no strtonum
      v = 0; s = tolower(s)
      for (i = 1; i <= length(s); i++) v = v * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1
      return v
    }
    $0 ~ "^[0-9a-f]+ <" fn ">:$" { inside = 1; start = hex($1); next }
    inside && /^$/ { exit }
    inside {
      split($0, part, "\t")
      address = part[1]; sub(/^ +/, "", address); sub(/:$/, "", address)
      insn = part[2]
      comment = ""
      if (index(insn, "#") > 0) { comment = substr(insn, index(insn, "#") + 1); insn = substr(insn, 1, index(insn, "#") - 1) }
      sub(/ +$/, "", insn)
      if (insn == "" || insn ~ /^(nop|xchg +%ax,%ax|data16|cs nop)/) next
      # mov 0x2ed9(%rip),%eax  # 4018 <lock>  ->  mov lock(%rip),%eax
      if (comment ~ /<.*>/ && insn ~ /0x[0-9a-f]+\(%rip\)/) {
        name = comment; sub(/^[^<]*</, "", name); sub(/>[^>]*$/, "", name)
        sub(/0x[0-9a-f]+\(%rip\)/, name "(%rip)", insn)
      }
      # je 1150 <probe_x+0x20>  ->  je +0x20;  call 1030 <f@plt>  ->  call f
      if (match(insn, /[0-9a-f]+ <[^>]*>$/)) {
        target = substr(insn, RSTART, RLENGTH); sub(/^[0-9a-f]+ </, "", target); sub(/>$/, "", target)
        sub(/@plt$/, "", target)
        if (index(target, fn "+") == 1 || index(target, fn ".") == 1) target = substr(target, length(fn) + 1)
        insn = substr(insn, 1, RSTART - 1) target
      }
      gsub(/ +/, " ", insn)
      printf "+0x%02x  %s\n", hex(address) - start, insn
      if (mode == "hot" && insn ~ /^(ret|repz ret|rep ret)/) exit
    }
  ' "${work}/probe.dis" |
    sed -e 's/guard variable for probe_local_static::value/guard/g' \
        -e 's/probe_local_static::value/value/g' \
        -e 's/once::v1::detail:://g' -e 's/once::v1:://g' -e 's/once::v1_portable_wait:://g'
}

# side_by_side <width> <title>... -- <file>...: columns of equal width.
side_by_side() {
  local width="$1"; shift
  local titles=()
  while [[ "$1" != "--" ]]; do titles+=("$1"); shift; done
  shift
  awk -v width="${width}" -v titles="$(printf '%s\t' "${titles[@]}")" '
    FNR == 1 { file++ }
    { line[file, FNR] = $0; if (FNR > rows) rows = FNR; count[file] = FNR }
    END {
      n = split(titles, title, "\t") - 1
      rule = sprintf("%" width "s", ""); gsub(/ /, "-", rule)
      row = ""
      for (c = 1; c <= n; c++) row = row sprintf("%-" width "s%s", title[c], (c < n ? " | " : ""))
      sub(/ +$/, "", row); print row
      for (c = 1; c <= n; c++) printf "%s%s", rule, (c < n ? "-+-" : "\n")
      for (r = 1; r <= rows; r++) {
        row = ""
        for (c = 1; c <= n; c++) row = row sprintf("%-" width "s%s", line[c, r], (c < n ? " | " : ""))
        sub(/ +$/, "", row); print row
      }
      row = ""
      for (c = 1; c <= n; c++) row = row sprintf("%-" width "s%s", "(" count[c] " instructions)", (c < n ? " | " : ""))
      sub(/ +$/, "", row); print row
    }
  ' "$@"
}

for fn in probe_local_static probe_once_lock_get_or_init probe_lazy_lock_deref probe_call_once probe_once_lock_get; do
  extract "${fn}" hot > "${work}/${fn}.hot"
  extract "${fn}" full > "${work}/${fn}.full"
  [[ -s "${work}/${fn}.hot" ]] || { echo "read_path_asm.sh: ${fn} not found in the disassembly" >&2; exit 1; }
done

width=$(cat "${work}"/*.hot | awk '{ if (length($0) > w) w = length($0) } END { print (w < 30 ? 30 : w) }')

{
  echo "Read path at ${opt}: $("${cxx}" --version | head -n 1), $(uname -m)"
  echo "Instructions from entry to the first ret: what every call executes once the value is there."
  echo "guard/value: the function-local static's guard byte and int; lock: a OnceLock<int>; lazy: a LazyLock;"
  echo "flag/flag_value: a OnceFlag and the int its call_once sets."
  echo
  side_by_side "${width}" "function-local static" "OnceLock<int>::get_or_init(f)" "*LazyLock<int, lambda>" \
    "call_once(OnceFlag&, f)" -- \
    "${work}/probe_local_static.hot" "${work}/probe_once_lock_get_or_init.hot" "${work}/probe_lazy_lock_deref.hot" \
    "${work}/probe_call_once.hot"
  echo
  echo "OnceLock<int>::get() never initializes: it yields the value's address or nullptr."
  echo
  side_by_side "${width}" "OnceLock<int>::get()" -- "${work}/probe_once_lock_get.hot"
  echo
  echo "In full (a branch target +0x.. is an offset in the same function, .cold its out-of-line part):"
  for fn in probe_local_static probe_once_lock_get_or_init probe_lazy_lock_deref probe_call_once probe_once_lock_get; do
    echo
    echo "${fn}:"
    sed 's/^/  /' "${work}/${fn}.full"
  done
} > "${work}/report.txt"

cat "${work}/report.txt"
if [[ -n "${out}" ]]; then
  mkdir -p "$(dirname "${out}")"
  cp "${work}/report.txt" "${out}"
fi
