#!/usr/bin/env python3
# Measures the compile time of each public header against <atomic> and <mutex>.
# SPDX-License-Identifier: MIT
"""Compile time of a translation unit that includes one header, per header.

Measures, for every public header of the library (include/once/*.hpp, found
afresh on each run, so new headers are picked up), for the umbrella
once/once.hpp, and for the yardsticks <atomic>, <mutex> (what a
std::call_once user already includes) and an empty file, the time the
compiler takes on a translation unit holding only that #include.

One or more toolchains (--toolchain, e.g. GCC with libstdc++ and Clang with
libc++) are measured in one run. Each translation unit is compiled --runs
times; the runs of all units and all toolchains are interleaved, so that a
busy moment of the machine spreads over all of them. Two clocks: the
compiler process's CPU time (user + system, from getrusage of the child;
steadier on a busy machine, and the one reported), and wall time. Per unit:
the median and the minimum of the runs, and the ratio to <mutex>, taken as
the median over the rounds of (unit / <mutex> in the same round), which
cancels most of a slowly changing load.

Usage:
    /usr/bin/python3 scripts/compile_time.py --include-dir include --runs 7 \\
        --toolchain g++ --toolchain "clang++-16 -stdlib=libc++" \\
        --out build/bench/bench-results/compile_time.json

A toolchain is a compiler command with its flags; --optional-toolchain is one
that is left out, with a warning, when it cannot compile <atomic> (say, no
libc++ installed). --libcxx VERSION DIR adds the optional toolchain
clang++-VERSION on Debian's libc++ VERSION headers, which
scripts/libcxx_headers.sh unpacks into DIR (apt-get download, once). --cxx CXX is the same as --toolchain CXX. --only REGEX
keeps the yardsticks and the headers whose name matches.

Writes JSON: {"context": {...}, "mode": ..., "toolchains": [{"id", "command",
"compiler", "stdlib"}], "results": [{"toolchain", "name", "include",
"cpu_seconds", "cpu_min_seconds", "wall_seconds", "vs_mutex", "cpu_runs",
"wall_runs"}, ...]}.
"""

import argparse
import datetime
import json
import os
import platform
import re
import resource
import shlex
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

YARDSTICK = "<mutex>"


def warn(message):
    sys.stderr.write(f"compile_time: warning: {message}\n")


def compiler_version(command):
    try:
        out = subprocess.run([command[0], "--version"], capture_output=True, text=True, check=True).stdout
        return out.splitlines()[0].strip()
    except (OSError, subprocess.CalledProcessError, IndexError):
        return "unknown"


def standard_library(command, std):
    """'libstdc++ 12', 'libc++ 16.0', ... from the library's own macros."""
    probe = "#include <version>\nLIBCPP _LIBCPP_VERSION\nGLIBCXX _GLIBCXX_RELEASE\n"
    try:
        out = subprocess.run([*command, f"-std={std}", "-x", "c++", "-E", "-P", "-"], input=probe,
                             capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    libcpp = re.search(r"^LIBCPP (\d+)$", out, re.M)
    if libcpp:
        version = int(libcpp.group(1))
        # 14000 for libc++ 14, 160006 for 16.0.6 (six digits from 16 on).
        return f"libc++ {version // 10000}" if version >= 100000 else f"libc++ {version // 1000}"
    glibcxx = re.search(r"^GLIBCXX (\d+)$", out, re.M)
    if glibcxx:
        return f"libstdc++ {glibcxx.group(1)}"
    return "unknown"


def translation_units(include_dir, only):
    """(name, source text) for each unit to time, yardsticks first."""
    units = [
        ("(empty file)", ""),
        ("<atomic>", "#include <atomic>\n"),
        (YARDSTICK, "#include <mutex>\n"),
    ]
    headers = sorted(p.name for p in (Path(include_dir) / "once").glob("*.hpp"))
    # The umbrella last: it includes all the others.
    headers = [h for h in headers if h != "once.hpp"] + (["once.hpp"] if "once.hpp" in headers else [])
    for header in headers:
        if only and not re.search(only, header):
            continue
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
        sys.stderr.write(f"compile_time: failed: {shlex.join(command)}\n{result.stderr}\n")
        sys.exit(1)
    return cpu, wall


def commit_of(directory):
    try:
        commit = subprocess.run(["git", "-C", directory, "rev-parse", "--short", "HEAD"], capture_output=True,
                                text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", directory, "status", "--porcelain", "--untracked-files=no", "--", "."],
                               capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None
    return commit + ("+changes" if dirty else "")


def works(command, std, source):
    result = subprocess.run([*command, f"-std={std}", "-fsyntax-only", source], capture_output=True, text=True)
    return result.returncode == 0, result.stderr.strip().splitlines()[:1]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--toolchain", action="append", default=[],
                        help="compiler command with flags, e.g. \"clang++-16 -stdlib=libc++\" (repeatable)")
    parser.add_argument("--optional-toolchain", action="append", default=[],
                        help="as --toolchain, but skipped with a warning when it cannot compile <atomic>")
    parser.add_argument("--cxx", action="append", default=[], help="same as --toolchain")
    parser.add_argument("--libcxx", nargs=2, metavar=("VERSION", "DIR"),
                        help="add clang++-VERSION with libc++ VERSION headers unpacked into DIR")
    parser.add_argument("--include-dir", required=True, help="the library's include directory")
    parser.add_argument("--std", default="c++20", help="language standard (default: c++20)")
    parser.add_argument("--mode", choices=sorted(MODES), default="syntax",
                        help="syntax: -fsyntax-only (default); compile: -c -O2")
    parser.add_argument("--runs", type=int, default=7, help="runs per translation unit; the median is kept")
    parser.add_argument("--only", default="", help="time only the headers whose name matches this regex")
    parser.add_argument("--extra-flag", action="append", default=[], help="extra compiler flag (repeatable)")
    parser.add_argument("--out", required=True, help="JSON file to write")
    args = parser.parse_args()

    include_dir = os.path.abspath(args.include_dir)
    units = translation_units(include_dir, args.only)
    runs = max(1, args.runs)
    requested = [(text, False) for text in args.toolchain + args.cxx] + [(t, True) for t in args.optional_toolchain]
    if args.libcxx:
        version, directory = args.libcxx
        unpack = subprocess.run(["bash", str(Path(__file__).with_name("libcxx_headers.sh")), version, directory],
                                capture_output=True, text=True)
        if unpack.returncode == 0:
            requested.append((f"clang++-{version} -nostdinc++ -isystem {unpack.stdout.strip()}", True))
        else:
            warn(f"left out Clang {version} + libc++ {version}: no headers ({unpack.stderr.strip()})")
    requested = [(text, optional) for text, optional in requested if text.strip()]
    if not requested:
        requested = [(os.environ.get("CXX", "g++"), False)]

    with tempfile.TemporaryDirectory(prefix="once-compile-time-") as tmp:
        sources = {}
        for index, (name, text) in enumerate(units):
            path = Path(tmp) / f"tu{index}.cpp"
            path.write_text(text)
            sources[name] = str(path)

        toolchains = []
        for text, optional in requested:
            command = shlex.split(text)
            try:
                ok, why = works(command, args.std, sources["<atomic>"])
            except OSError as error:
                ok, why = False, [str(error)]
            if not ok:
                if optional:
                    warn(f"left out '{text}': it cannot compile <atomic> ({' '.join(why) or 'no message'})")
                    continue
                sys.exit(f"compile_time: '{text}' cannot compile <atomic>: {' '.join(why)}")
            compiler = compiler_version(command)
            stdlib = standard_library(command, args.std)
            toolchains.append({"id": text, "command": command, "compiler": compiler, "stdlib": stdlib})

        cpu = {(t["id"], name): [] for t in toolchains for name, _ in units}
        wall = {(t["id"], name): [] for t in toolchains for name, _ in units}
        for _ in range(runs):
            for name, _text in units:
                for t in toolchains:
                    command = [*t["command"], f"-std={args.std}", f"-I{include_dir}", *MODES[args.mode],
                               *args.extra_flag, sources[name]]
                    c, w = time_once(command)
                    cpu[(t["id"], name)].append(c)
                    wall[(t["id"], name)].append(w)

    results = []
    for t in toolchains:
        yard = cpu[(t["id"], YARDSTICK)]
        for name, text in units:
            key = (t["id"], name)
            results.append({
                "toolchain": t["id"],
                "name": name,
                "include": text.strip(),
                "cpu_seconds": statistics.median(cpu[key]),
                "cpu_min_seconds": min(cpu[key]),
                "wall_seconds": statistics.median(wall[key]),
                "vs_mutex": statistics.median(c / y for c, y in zip(cpu[key], yard)),
                "cpu_runs": cpu[key],
                "wall_runs": wall[key],
            })
    loads = os.getloadavg() if hasattr(os, "getloadavg") else None
    document = {
        "context": {
            "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            # The first toolchain's compiler, for readers of the older format.
            "compiler": toolchains[0]["compiler"],
            "flags": [f"-std={args.std}", *MODES[args.mode], *args.extra_flag],
            "host": platform.node(),
            "commit": commit_of(include_dir),
            "cpus": os.cpu_count(),
            "load_average": list(loads) if loads else None,
            "runs": runs,
        },
        "mode": args.mode,
        "toolchains": [{k: t[k] for k in ("id", "command", "compiler", "stdlib")} for t in toolchains],
        "results": results,
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(document, indent=2) + "\n")

    width = max(len(r["name"]) for r in results)
    for t in toolchains:
        print(f"{t['compiler']}, {t['stdlib']} ({shlex.join(t['command'])})")
        print(f"  {'translation unit':<{width}}  {'CPU ms':>8}  {'min ms':>8}  {'wall ms':>8}  {'vs <mutex>':>10}")
        for r in results:
            if r["toolchain"] == t["id"]:
                print(f"  {r['name']:<{width}}  {r['cpu_seconds'] * 1e3:8.1f}  {r['cpu_min_seconds'] * 1e3:8.1f}  "
                      f"{r['wall_seconds'] * 1e3:8.1f}  {r['vs_mutex']:9.2f}x")
    if loads:
        print(f"load average at the end: {loads[0]:.1f} {loads[1]:.1f} {loads[2]:.1f} on {os.cpu_count()} CPUs")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
