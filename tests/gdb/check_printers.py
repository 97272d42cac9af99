#!/usr/bin/env python3
# Checks the gdb pretty-printers against printers_program, run under gdb -batch.
# SPDX-License-Identifier: MIT
"""Tests the gdb pretty-printers (share/gdb/once_printers.py).

Runs tests/gdb/printers_program.cpp (built -O0 -g) under `gdb -batch`, stops
at once_gdb_marker(), prints each object and compares the output with the
patterns below. It also prints them once without the printers and checks that
no pattern matches there, so that a pattern that does not depend on the
printers fails the test instead of passing it.

    check_printers.py --gdb gdb --program printers_program --printers share/gdb/once_printers.py
"""

import argparse
import re
import subprocess
import sys

STRING = r"std::string"
EXPECTED = [
    ("probe::cell_empty", r"once::OnceCell<int> <empty>"),
    ("probe::cell_full", rf'once::OnceCell<({STRING})> = {{value = "cell value"}}'),
    ("probe::lock_empty", rf"once::OnceLock<({STRING})> <empty>"),
    ("probe::lock_full", rf'once::OnceLock<({STRING})> = {{value = "hello"}}'),
    ("probe::lock_int", r"once::OnceLock<int> = {value = 42}"),
    ("probe::lock_running", rf"once::OnceLock<({STRING})> <initializing, threads waiting>"),
    ("probe::lock_waited", r"once::OnceLock<int> <empty, threads waiting>"),
    ("*&probe::lock_int", r"once::OnceLock<int> = {value = 42}"),
    ("probe::lazy_cell_unforced", r"once::LazyCell<int, .*lambda.*> <empty>"),
    ("probe::lazy_cell_forced", rf'once::LazyCell<({STRING}), .*lambda.*> = {{value = "lazy cell"}}'),
    ("probe::lazy_lock_unforced", r"once::LazyLock<int, .*lambda.*> <empty>"),
    ("probe::lazy_lock_forced", r"once::LazyLock<int, .*lambda.*> = {value = 7}"),
    ("probe::shared_empty", r"once::OnceShared<int> <empty>"),
    ("probe::shared_full", r"once::OnceShared<int> = {get\(\) = 0x[0-9a-f]+, use_count = 2}"),
    ("probe::set_empty", r"once::SetOnce<int> <empty>"),
    ("probe::set_waited", r"once::SetOnce<int> <empty, 3 waiters>"),
    ("probe::set_full", rf'once::SetOnce<({STRING})> = {{value = "done"}}'),
    ("probe::event_set", r"once::SetOnce<void> <set>"),
    ("probe::event_waited", r"once::SetOnce<void> <empty, 2 waiters>"),
]
# With --once-flag (once/call_once.hpp exists).
EXPECTED_ONCE_FLAG = [
    ("probe::flag_done", r"once::OnceFlag <done>"),
    ("probe::flag_not_done", r"once::OnceFlag <not done>"),
    ("probe::flag_running", r"once::OnceFlag <running, threads waiting>"),
]
MARK = "@@print "


def run_gdb(gdb, program, printers):
    commands = ["set pagination off", "set width 0", "set print pretty off", "set confirm off"]
    if printers:
        commands.append(f"source {printers}")
    commands += ["break once_gdb_marker", "run"]
    for expression, _ in EXPECTED:
        commands += [f'echo {MARK}{expression}\\n', f"print {expression}"]
    commands.append("kill")
    args = [gdb, "-batch", "-nx", "-iex", "set debuginfod enabled off"]
    for command in commands:
        args += ["-ex", command]
    result = subprocess.run(args + [program], capture_output=True, text=True, timeout=300)
    return result.stdout + result.stderr


def printed(output):
    """{expression: what gdb printed for it}, from the output of run_gdb."""
    values = {}
    lines = output.splitlines()
    for i, line in enumerate(lines):
        if line.startswith(MARK):
            expression = line[len(MARK) :]
            following = lines[i + 1] if i + 1 < len(lines) else ""
            match = re.match(r"\$\d+ = (.*)", following)
            values[expression] = match.group(1) if match else f"(no value: {following!r})"
    return values


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--gdb", default="gdb")
    parser.add_argument("--program", required=True)
    parser.add_argument("--printers", required=True)
    parser.add_argument("--once-flag", action="store_true", help="the program has OnceFlag objects")
    args = parser.parse_args()
    if args.once_flag:
        EXPECTED.extend(EXPECTED_ONCE_FLAG)

    output = run_gdb(args.gdb, args.program, args.printers)
    if "Breakpoint 1, " not in output:
        print(output)
        print("error: gdb did not stop at once_gdb_marker")
        return 1
    values = printed(output)
    raw = printed(run_gdb(args.gdb, args.program, None))

    failures = 0
    for expression, pattern in EXPECTED:
        got = values.get(expression, "(not printed)")
        ok = re.fullmatch(pattern, got) is not None
        print(f"{'ok  ' if ok else 'FAIL'} print {expression}\n       {got}")
        if not ok:
            print(f"       expected: {pattern}")
            failures += 1
        if re.fullmatch(pattern, raw.get(expression, "")):
            print(f"FAIL the pattern also matches gdb's output without the printers: {raw[expression]}")
            failures += 1
    if failures or len(values) != len(EXPECTED):
        print(output)
        print(f"error: {failures} of {len(EXPECTED)} objects printed wrongly")
        return 1
    print(f"all {len(EXPECTED)} objects printed as expected")
    return 0


if __name__ == "__main__":
    sys.exit(main())
