#!/usr/bin/env python3
# once: initialize-once primitives for C++20.
# SPDX-License-Identifier: MIT
"""Compile time of a translation unit that includes one header, per header.

Measures, for every public header of the library (include/once/*.hpp, found
afresh on each run, so new headers are picked up), for the umbrella
once/once.hpp, and for the yardsticks <atomic>, <mutex> and an empty file, the
time the compiler takes on a translation unit holding only that #include.

Each translation unit is compiled --runs times, the runs of all units
interleaved so that a busy moment of the machine spreads over all of them; the
median is kept. Two clocks: the compiler process's CPU time (user + system,
from getrusage of the child; steadier on a busy machine), and wall time.

Usage:
    /usr/bin/python3 scripts/compile_time.py --cxx g++ --include-dir include \
        --runs 7 --out build/bench/bench-results/compile_time.json

Writes JSON: {"context": {...}, "mode": ..., "results": [{"name", "include",
"cpu_seconds", "wall_seconds", "cpu_runs", "wall_runs"}, ...]}.
"""

import argparse
import datetime
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

MODES = {
    # Parse and instantiate what the header itself needs: the cost a user pays
    # for including it, without code generation.
    "syntax": ["-fsyntax-only"],
    # A full compile to an object file (code generation of what is emitted).
    "compile": ["-c", "-O2", "-o", os.devnull],
}


def compiler_version(cxx):
    try:
        out = subprocess.run([cxx, "--version"], capture_output=True, text=True, check=True).stdout
        return out.splitlines()[0].strip()
    except (OSError, subprocess.CalledProcessError, IndexError):
        return "unknown"


def translation_units(include_dir):
    """(name, source text) for each unit to time, yardsticks first."""
    units = [
        ("(empty file)", ""),
        ("<atomic>", "#include <atomic>\n"),
        ("<mutex>", "#include <mutex>\n"),
    ]
    headers = sorted(p.name for p in (Path(include_dir) / "once").glob("*.hpp"))
    # The umbrella last: it includes all the others.
    headers = [h for h in headers if h != "once.hpp"] + (["once.hpp"] if "once.hpp" in headers else [])
    for header in headers:
        units.append((f"once/{header}", f"#include <once/{header}>\n"))
    return units


def child_cpu_seconds():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def time_once(command):
    cpu_before = child_cpu_seconds()
    wall_before = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True)
    wall = time.perf_counter() - wall_before
    cpu = child_cpu_seconds() - cpu_before
    if result.returncode != 0:
        sys.stderr.write(f"compile_time: failed: {' '.join(command)}\n{result.stderr}\n")
        sys.exit(1)
    return cpu, wall


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cxx", default=os.environ.get("CXX", "g++"), help="C++ compiler (default: $CXX or g++)")
    parser.add_argument("--include-dir", required=True, help="the library's include directory")
    parser.add_argument("--std", default="c++20", help="language standard (default: c++20)")
    parser.add_argument("--mode", choices=sorted(MODES), default="syntax",
                        help="syntax: -fsyntax-only (default); compile: -c -O2")
    parser.add_argument("--runs", type=int, default=7, help="runs per translation unit; the median is kept")
    parser.add_argument("--extra-flag", action="append", default=[], help="extra compiler flag (repeatable)")
    parser.add_argument("--out", required=True, help="JSON file to write")
    args = parser.parse_args()

    include_dir = os.path.abspath(args.include_dir)
    units = translation_units(include_dir)
    runs = max(1, args.runs)
    cpu = {name: [] for name, _ in units}
    wall = {name: [] for name, _ in units}
    with tempfile.TemporaryDirectory(prefix="once-compile-time-") as tmp:
        sources = {}
        for index, (name, text) in enumerate(units):
            path = Path(tmp) / f"tu{index}.cpp"
            path.write_text(text)
            sources[name] = str(path)
        for _ in range(runs):
            for name, _text in units:
                command = [args.cxx, f"-std={args.std}", f"-I{include_dir}", *MODES[args.mode],
                           *args.extra_flag, sources[name]]
                c, w = time_once(command)
                cpu[name].append(c)
                wall[name].append(w)

    results = []
    for name, text in units:
        results.append({
            "name": name,
            "include": text.strip(),
            "cpu_seconds": statistics.median(cpu[name]),
            "wall_seconds": statistics.median(wall[name]),
            "cpu_runs": cpu[name],
            "wall_runs": wall[name],
        })
    document = {
        "context": {
            "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            "compiler": compiler_version(args.cxx),
            "cxx": args.cxx,
            "flags": [f"-std={args.std}", *MODES[args.mode], *args.extra_flag],
            "host": platform.node(),
            "runs": runs,
        },
        "mode": args.mode,
        "results": results,
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(document, indent=2) + "\n")

    baseline = next(r for r in results if r["name"] == "<atomic>")["cpu_seconds"]
    width = max(len(r["name"]) for r in results)
    print(f"{'translation unit':<{width}}  {'CPU ms':>8}  {'wall ms':>8}  {'vs <atomic>':>11}")
    for r in results:
        print(f"{r['name']:<{width}}  {r['cpu_seconds'] * 1e3:8.1f}  {r['wall_seconds'] * 1e3:8.1f}  "
              f"{r['cpu_seconds'] / baseline:10.2f}x")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
