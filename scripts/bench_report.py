#!/usr/bin/env python3
# once: initialize-once primitives for C++20.
# SPDX-License-Identifier: MIT
"""Turns a benchmark run's results into docs/benchmarks.md and its charts.

Reads, from the results directory (the build tree's bench-results/):
  read_path.json, init.json, waiters.json, sizes.json   Google Benchmark JSON
  compile_time.json                                    scripts/compile_time.py
  read_path_asm.txt                                    scripts/read_path_asm.sh
  any other *.json written by Google Benchmark         (once_shared.json,
                                                        set_once.json, ...)
and writes, into the docs directory:
  benchmarks.md        Markdown: machine, compiler, commit, date, then one
                       table per area, ratios against each area's baseline;
                       every section between <!-- begin: x --> / <!-- end: x -->
                       markers so that the README can take the parts it wants
  bench-read-path.png  chart of the read path
  bench-init.png       chart of first initialization, alone and contended

Repetitions: where the JSON holds aggregates, the median is used; otherwise
the median over the repetitions present.

Benchmarks from other files get a generic table. Their ratio column needs a
baseline: the benchmark whose label or name contains "baseline"; the others
are divided by it when their names have the same first component and the same
components after the second (the peer's) one. Without one, the table shows
times only.

Charts come from matplotlib (Debian: python3-matplotlib, for /usr/bin/python3),
else from gnuplot, else are left out with a warning.

Usage:
    /usr/bin/python3 scripts/bench_report.py --results build/bench/bench-results \\
        --docs docs [--source-dir .] [--cxx g++] [--image-base docs/]
"""

import argparse
import datetime
import json
import math
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

TIME_UNIT_NS = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}
OWN_FILES = {"read_path.json", "init.json", "waiters.json", "sizes.json", "compile_time.json"}

# Not measured here: the layouts of Rust's standard library types on a 64-bit
# target, for comparison with ours.
RUST_SIZES = {
    "OnceLock_int": ("std::sync::OnceLock<i32>", 8),
    "LazyLock_int_captureless": ("std::sync::LazyLock<i32>", 16),
}

LIBRARY_PREFIXES = ("OnceLock", "OnceCell", "LazyLock", "LazyCell", "OnceShared", "SetOnce", "OnceFlag")


def warn(message):
    sys.stderr.write(f"bench_report: warning: {message}\n")


# ---------------------------------------------------------------------------
# Loading


class Bench:
    """One benchmark's figures: the median over its repetitions."""

    def __init__(self, name, label, threads, real_ns, cpu_ns, iterations, counters, repetitions=1):
        self.name = name
        self.repetitions = repetitions
        self.parts = name.split("/")
        self.label = label
        self.threads = threads
        self.real_ns = real_ns
        self.cpu_ns = cpu_ns
        self.iterations = iterations
        self.counters = counters

    @property
    def area(self):
        return self.parts[0]

    @property
    def peer(self):
        return self.parts[1] if len(self.parts) > 1 else self.parts[0]

    def display(self):
        return self.label or self.peer


def load_gbench(path):
    """(context, [Bench]) from a Google Benchmark JSON file, in file order."""
    document = json.loads(path.read_text())
    runs = {}
    order = []
    aggregated = set()
    for entry in document.get("benchmarks", []):
        if entry.get("error_occurred"):
            warn(f"{path.name}: {entry.get('name')} failed: {entry.get('error_message')}")
            continue
        name = entry.get("run_name") or entry["name"]
        if name not in runs:
            runs[name] = []
            order.append(name)
        if entry.get("run_type") == "aggregate":
            if entry.get("aggregate_name") != "median":
                continue
            if name not in aggregated:  # the median replaces the plain repetitions
                aggregated.add(name)
                runs[name] = []
            runs[name].append(entry)
        elif name not in aggregated:
            runs[name].append(entry)
    skip = {"name", "run_name", "run_type", "family_index", "per_family_instance_index", "repetitions",
            "repetition_index", "threads", "iterations", "real_time", "cpu_time", "time_unit", "label",
            "aggregate_name", "aggregate_unit", "error_occurred", "error_message"}
    benches = []
    for name in order:
        entries = runs[name]
        if not entries:
            continue

        def median(key, scale=None):
            values = [e[key] * (scale(e) if scale else 1.0) for e in entries if isinstance(e.get(key), (int, float))]
            return statistics.median(values) if values else math.nan

        unit = lambda e: TIME_UNIT_NS.get(e.get("time_unit", "ns"), 1.0)  # noqa: E731
        counters = {}
        for key in entries[0]:
            if key not in skip and isinstance(entries[0][key], (int, float)):
                counters[key] = median(key)
        benches.append(Bench(name, entries[0].get("label", ""), int(entries[0].get("threads", 1)),
                             median("real_time", unit), median("cpu_time", unit), median("iterations"), counters,
                             int(entries[0].get("repetitions", 1))))
    return document.get("context", {}), benches


def load_results(results_dir):
    gbench = {}
    for path in sorted(results_dir.glob("*.json")):
        try:
            document = json.loads(path.read_text())
        except (OSError, json.JSONDecodeError) as error:
            warn(f"{path}: {error}")
            continue
        if isinstance(document, dict) and "benchmarks" in document:
            gbench[path.name] = load_gbench(path)
    compile_time = None
    path = results_dir / "compile_time.json"
    if path.exists():
        compile_time = json.loads(path.read_text())
    asm = None
    path = results_dir / "read_path_asm.txt"
    if path.exists():
        asm = path.read_text().rstrip("\n")
    return gbench, compile_time, asm


# ---------------------------------------------------------------------------
# Formatting


def fmt_ns(ns):
    if ns is None or (isinstance(ns, float) and math.isnan(ns)):
        return "n/a"
    if ns < 10:
        return f"{ns:.2f} ns"
    if ns < 1000:
        return f"{ns:.1f} ns"
    if ns < 1e6:
        return f"{ns / 1e3:.2f} µs"
    if ns < 1e9:
        return f"{ns / 1e6:.2f} ms"
    return f"{ns / 1e9:.2f} s"


def fmt_ratio(value, baseline):
    if not baseline or value is None or math.isnan(value) or math.isnan(baseline):
        return "n/a"
    ratio = value / baseline
    return f"{ratio:.2f}×" if ratio < 10 else f"{ratio:.0f}×"


def is_library(peer_id):
    return peer_id.startswith(LIBRARY_PREFIXES)


def name_cell(bench, bold_library=True):
    # A label is C++ (code) with, maybe, a remark in parentheses (plain text).
    match = re.fullmatch(r"(.*?)((?: \([^()]*\))?)", bench.display())
    text = f"`{match.group(1)}`"
    if bold_library and is_library(bench.peer):
        text = f"**{text}**"
    return text + match.group(2)


def table(header, rows, align=None):
    align = align or ["---"] * len(header)
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join(align) + " |"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def section(key, title, body):
    return f"<!-- begin: {key} -->\n### {title}\n\n{body.strip()}\n<!-- end: {key} -->\n"


# ---------------------------------------------------------------------------
# Environment


def cpu_model():
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown"


def compiler_version(cxx, contexts):
    for context in contexts:
        if context.get("once_compiler"):
            stdlib = context.get("once_stdlib")
            return context["once_compiler"] + (f", {stdlib}" if stdlib else "")
    if cxx:
        try:
            return subprocess.run([cxx, "--version"], capture_output=True, text=True,
                                  check=True).stdout.splitlines()[0].strip()
        except (OSError, subprocess.CalledProcessError, IndexError):
            pass
    return "unknown"


def commit_of(source_dir):
    try:
        commit = subprocess.run(["git", "-C", str(source_dir), "rev-parse", "--short", "HEAD"], capture_output=True,
                                text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    try:
        # Changes to tracked files other than the generated docs.
        dirty = subprocess.run(["git", "-C", str(source_dir), "status", "--porcelain", "--untracked-files=no", "--",
                                ".", ":(exclude)docs"], capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        dirty = ""
    return f"`{commit}`" + (" (with uncommitted changes)" if dirty else "")


# ---------------------------------------------------------------------------
# Sections


def read_path_section(benches, image):
    independent = {b.peer: b for b in benches if b.area == "read"}
    chained = {b.peer: b for b in benches if b.area == "read_chained"}
    if not independent and not chained:
        return "", None

    def per_read(b):
        return b.real_ns / b.counters.get("reads_per_iter", 1.0)

    base_i = per_read(independent["local_static"]) if "local_static" in independent else None
    base_c = per_read(chained["local_static"]) if "local_static" in chained else None
    peers = list(independent) + [p for p in chained if p not in independent]
    rows = []
    chart = []
    for peer in peers:
        i, c = independent.get(peer), chained.get(peer)
        bench = i or c
        rows.append([name_cell(bench),
                     fmt_ns(per_read(i)) if i else "—", fmt_ratio(per_read(i), base_i) if i else "—",
                     fmt_ns(per_read(c)) if c else "—", fmt_ratio(per_read(c), base_c) if c else "—"])
        chart.append((bench.display(), per_read(i) if i else None, per_read(c) if c else None))
    body = ("Reading an int that is already initialized, time per read. Every peer's object is a global, and the "
            "compiler must redo the whole read (state or guard load, compare, value load) every time. "
            "*Independent reads*: 16 reads per loop iteration that overlap freely, the throughput of the read "
            "path's instructions; at this scale, a cycle more or less per iteration comes and goes with code "
            "layout, so small differences between the guard checks are noise. *Value used*: each value is added "
            "to a running sum, as real code uses what it reads; stable. Baseline: a function-local static "
            "(see `bench/read_path_bench.cpp`).\n\n")
    body += table(["", "independent reads", "vs static", "value used", "vs static"], rows,
                  ["---", "---:", "---:", "---:", "---:"]) + "\n"
    if image:
        body += f"\n![Read path: time per read]({image})\n"
    return section("read-path", "Read path of an initialized value", body), chart


def init_section(benches, image):
    alone = {b.peer: b for b in benches if b.area == "init"}
    raced = {b.peer: b for b in benches if b.area == "contended_init"}
    if not alone and not raced:
        return "", None

    def per_cell(b):
        # Google Benchmark's real time is wall time / (iterations x threads):
        # times the threads, it is the wall time of one batch.
        return b.real_ns * b.threads / b.counters.get("cells_per_iter", 1.0)

    def checked(b):
        inits = b.counters.get("inits_per_cell")
        if inits is not None and abs(inits - 1.0) > 1e-9:
            warn(f"{b.name}: {inits} initializer runs per cell, expected exactly 1")
            return " (!)"
        return ""

    base_alone = per_cell(alone["std_call_once"]) if "std_call_once" in alone else None
    base_raced = per_cell(raced["std_call_once"]) if "std_call_once" in raced else None
    peers = list(alone) + [p for p in raced if p not in alone]
    rows = []
    chart = []
    for peer in peers:
        a, r = alone.get(peer), raced.get(peer)
        bench = a or r
        rows.append([
            name_cell(bench),
            (fmt_ns(per_cell(a)) + checked(a)) if a else "—",
            fmt_ratio(per_cell(a), base_alone) if a else "—",
            (fmt_ns(per_cell(r)) + checked(r)) if r else "—",
            fmt_ratio(per_cell(r), base_raced) if r else "—",
        ])
        chart.append((bench.display(), per_cell(a) if a else None, per_cell(r) if r else None))
    body = ("Filling a fresh cell, per cell: batches of fresh cells constructed in place and initialized in "
            "order, construction included. *Alone*: one thread, nobody waiting. *2 threads racing*: both threads "
            "call `get_or_init` on every cell of the same batch, in the same order, released together; the time "
            "is the wall time for the pair to get through a cell (see `bench/init_bench.cpp`). "
            "Baseline: `std::call_once`.\n\n")
    body += table(["", "alone", "vs std::call_once", "2 threads racing", "vs std::call_once"], rows,
                  ["---", "---:", "---:", "---:", "---:"]) + "\n"
    if image:
        body += f"\n![First initialization: time per fresh cell]({image})\n"
    return section("init", "First initialization", body), chart


def waiters_section(benches):
    rows = []
    init_seconds = None
    waiters = None
    for b in benches:
        if b.area != "waiters":
            continue
        init_seconds = b.counters.get("init_seconds", init_seconds)
        waiters = b.parts[2] if len(b.parts) > 2 and b.parts[2].isdigit() else waiters
        cpu = b.counters.get("cpu_per_waiter", math.nan)
        share = cpu / init_seconds if init_seconds else math.nan
        if b.counters.get("foreign_inits", 0) != 0:
            warn(f"{b.name}: a waiter's initializer ran")
        rows.append([name_cell(b), f"{cpu * 1e3:.3f} ms", f"{share * 100:.2f} %",
                     f"{b.counters.get('wake_latency_max', math.nan) * 1e6:.0f} µs"])
    if not rows:
        return ""
    init_ms = f"{init_seconds * 1e3:.0f} ms" if init_seconds else "a slow"
    body = (f"{waiters or 'Several'} threads block behind a {init_ms} initializer; each waiter's CPU time is read "
            "from its own thread CPU clock around its blocked call (ideal: 0). The wake-up latency runs from the "
            "initializer's end to the last waiter's return. A spinning waiter's CPU time depends on how many cores "
            "it can get (see `bench/waiters_bench.cpp`).\n\n")
    body += table(["", "CPU per waiter", f"of the {init_ms}", "wake-up latency"], rows,
                  ["---", "---:", "---:", "---:"]) + "\n"
    return section("waiters", "Blocked waiters sleep", body)


def sizes_section(benches):
    rows = []
    for b in benches:
        if b.area != "size":
            continue
        rust = RUST_SIZES.get(b.peer)
        ours = b.counters.get("once", 0) == 1
        spelling = f"`{b.label or b.peer}`"
        rows.append([f"**{spelling}**" if ours else spelling, f"{b.counters.get('bytes', math.nan):.0f}",
                     f"{b.counters.get('align', math.nan):.0f}", f"`{rust[0]}`: {rust[1]}" if rust else ""])
    if not rows:
        return ""
    body = ("`sizeof` and `alignof` with this compiler and standard library (64-bit). The Rust column gives the "
            "size of the nearest Rust standard library type on a 64-bit target, for comparison; it is not "
            "measured here.\n\n")
    body += table(["type", "bytes", "align", "Rust"], rows, ["---", "---:", "---:", "---"]) + "\n"
    return section("sizes", "Sizes", body)


def short_compiler(version_line):
    """'GCC 12.2.0' or 'Clang 16.0.6' from the first line of `cxx --version`."""
    match = re.search(r"(\d+\.\d+(?:\.\d+)?)", version_line.split(")")[-1]) or \
        re.search(r"(\d+\.\d+(?:\.\d+)?)", version_line)
    number = match.group(1) if match else ""
    name = "Clang" if "clang" in version_line.lower() else "GCC" if re.search(r"g\+\+|gcc", version_line, re.I) \
        else version_line.split()[0]
    return f"{name} {number}".strip()


def compile_time_section(document):
    if not document:
        return ""
    results = document.get("results", [])
    context = document.get("context", {})
    # One column pair per toolchain (files from before toolchains were recorded have one, unnamed).
    toolchains = document.get("toolchains") or [{"id": None, "compiler": context.get("compiler", "unknown"),
                                                 "stdlib": ""}]
    names = []
    for r in results:
        if r["name"] not in names:
            names.append(r["name"])
    by_key = {(r.get("toolchain"), r["name"]): r for r in results}

    def ratio_to_mutex(r, toolchain):
        if "vs_mutex" in r:
            return r["vs_mutex"]
        mutex = by_key.get((toolchain, "<mutex>"))
        return r["cpu_seconds"] / mutex["cpu_seconds"] if mutex else math.nan

    header = ["translation unit"]
    align = ["---"]
    for t in toolchains:
        label = short_compiler(t.get("compiler", "")) + (f", {t['stdlib']}" if t.get("stdlib") else "")
        header += [label, "vs `<mutex>`"]
        align += ["---:", "---:"]
    rows = []
    for name in names:
        first = next((by_key[(t["id"], name)] for t in toolchains if (t["id"], name) in by_key), None)
        row = [f"`{first['include']}`" if first and first["include"] else "(empty file)"]
        for t in toolchains:
            r = by_key.get((t["id"], name))
            if r is None:
                row += ["", ""]
                continue
            ratio = ratio_to_mutex(r, t["id"])
            row += [f"{r['cpu_seconds'] * 1e3:.0f} ms", "n/a" if math.isnan(ratio) else f"{ratio:.2f}×"]
        rows.append(row)
    flags = " ".join(context.get("flags", []))
    when = ", ".join(part for part in (f"commit `{context['commit']}`" if context.get("commit") else "",
                                       context.get("date", "")) if part)
    load = context.get("load_average")
    load_text = (f" The machine was loaded (load average {load[0]:.1f} on {context.get('cpus', '?')} logical CPUs "
                 "at the end of the run): the absolute times are inflated, the ratios are steadier."
                 if load else "")
    body = (f"Compiler CPU time for a translation unit holding one `#include`, `{flags}`, median of "
            f"{context.get('runs', '?')} runs, the runs of every unit and toolchain interleaved "
            f"(`scripts/compile_time.py`{'; ' + when if when else ''}). `<mutex>` is what a `std::call_once` user already includes; "
            "the ratio to it is the median of the per-round ratios, which cancels most of a changing load."
            f"{load_text} The heavy standard headers the library keeps out (the full `<chrono>`, `<thread>`, "
            "`<stop_token>`, `<functional>`) are guarded by the `include_weight` test.\n\n")
    body += table(header, rows, align) + "\n"
    return section("compile-time", "Compile time", body)


def asm_section(asm):
    if not asm:
        return ""
    lines = asm.splitlines()
    # The side-by-side part comes first; the full listing follows "In full".
    cut = next((i for i, line in enumerate(lines) if line.startswith("In full")), len(lines))
    body = "From `scripts/read_path_asm.sh` (objdump of an `-O2` probe):\n\n```text\n"
    body += "\n".join(lines[:cut]).rstrip() + "\n```\n"
    if cut < len(lines):
        body += "\n<details><summary>The probe functions in full</summary>\n\n```text\n"
        body += "\n".join(lines[cut:]).rstrip() + "\n```\n\n</details>\n"
    return section("read-path-asm", "Read path: the instructions", body)


def generic_section(file_name, benches):
    if not benches:
        return ""

    def shape(b):
        return (b.parts[0], tuple(b.parts[2:]))

    baselines = {}
    for b in benches:
        if "baseline" in b.label.lower() or "baseline" in b.name.lower():
            baselines.setdefault(shape(b), b)
    rows = []
    for b in benches:
        base = baselines.get(shape(b))
        counters = ", ".join(f"{k}={v:.4g}" for k, v in b.counters.items() if k not in ("items_per_second",
                                                                                        "bytes_per_second"))
        rows.append([f"`{b.name}`", f"`{b.label}`" if b.label else "", fmt_ns(b.real_ns), fmt_ns(b.cpu_ns),
                     fmt_ratio(b.real_ns, base.real_ns) if base else "—", counters])
    stem = Path(file_name).stem
    body = GENERIC_INTROS.get(stem, "")
    body += (f"From `bench/{stem}_bench.cpp` (time per iteration; ratios against the benchmark labelled "
             "baseline of the same shape, where there is one).\n\n")
    body += table(["benchmark", "label", "time", "CPU", "vs baseline", "counters"], rows,
                  ["---", "---", "---:", "---:", "---:", "---"]) + "\n"
    return section(stem.replace("_", "-"), GENERIC_TITLES.get(stem, stem), body)


# Titles and one-line introductions for the benchmark files that get a generic table.
GENERIC_TITLES = {
    "once_shared": "OnceShared: reading a shared_ptr slot",
    "set_once": "SetOnce: releasing waiters",
    "wake_latency": "Wake-up latency of a blocked thread",
}
GENERIC_INTROS = {
    "once_shared": "`get()` is one acquire load; `load()` adds a reference-count increment; the peers are "
                   "`std::atomic<std::shared_ptr>::load()` and a mutex-guarded `shared_ptr` copy. Baseline: a plain "
                   "`std::atomic<T*>` acquire load. `threads:2` runs two readers at once (time is wall time per "
                   "read across both).\n\n",
    "set_once": "Per waiter, one `set()` releasing N waiters: coroutines resumed inline, and threads blocked in "
                "`wait()` against a `std::mutex` + `std::condition_variable` event (baseline) and a "
                "`std::promise` / `std::shared_future` pair. The thread figures are wake-up latencies, bounded "
                "by the kernel and the number of cores.\n\n",
    "wake_latency": "From `set()` on one thread to a blocked waiter running again, for the futex backend, the "
                    "portable `std::atomic::wait` backend (whose timed waits poll, backing off to 1 ms) and a "
                    "`std::mutex` + `std::condition_variable` event (baseline).\n\n",
}


# ---------------------------------------------------------------------------
# Charts


CHARTS = {
    # kind: (file, title, x label, series names)
    "read": ("bench-read-path.png", "Read path of an initialized value", "ns per read",
             ("independent reads", "value used")),
    "init": ("bench-init.png", "First initialization of a fresh cell", "ns per fresh cell",
             ("alone", "2 threads racing")),
}
COLORS = ("#2a7ab0", "#e08a2c")


def chart_matplotlib(plt, kind, data, path, subtitle):
    """Horizontal grouped bars: data = [(name, value of series 0, value of series 1)]."""
    _, title, xlabel, series = CHARTS[kind]
    names = [d[0] for d in data][::-1]
    values = [v for d in data for v in d[1:] if v]
    fig, ax = plt.subplots(figsize=(9.5, 0.62 * len(data) + 1.8))
    height = 0.4
    for index, (label, color) in enumerate(zip(series, COLORS)):
        column = [d[1 + index] for d in data][::-1]
        offset = height / 2 - index * height
        ys = [row + offset for row, v in enumerate(column) if v]
        xs = [v for v in column if v]
        bars = ax.barh(ys, xs, height, label=label, color=color)
        for bar, value in zip(bars, xs):
            text = f" {value:.2f}" if value < 10 else f" {value:.0f}"
            ax.text(bar.get_width(), bar.get_y() + bar.get_height() / 2, text, va="center", fontsize=7)
    ax.set_yticks(range(len(names)))
    ax.set_yticklabels(names, fontsize=8)
    if values and max(values) / min(values) > 30:
        ax.set_xscale("log")
        ax.set_xlim(min(values) / 1.5, max(values) * 2.5)
        ax.set_xlabel(f"{xlabel}, log scale (lower is better)")
    else:
        ax.set_xlim(0, max(values) * 1.18 if values else 1)
        ax.set_xlabel(f"{xlabel} (lower is better)")
    ax.set_title(f"{title}\n{subtitle}", fontsize=10)
    fig.legend(fontsize=8, loc="lower center", ncol=2, frameon=False)
    fig.tight_layout(rect=(0, 0.035, 1, 1))
    fig.savefig(path, dpi=130, bbox_inches="tight")
    plt.close(fig)


def gnuplot_quote(text):
    return text.replace("\\", "\\\\").replace('"', '\\"')


def gnuplot_has_pngcairo(gnuplot):
    listing = subprocess.run([gnuplot, "-e", "set terminal"], capture_output=True, text=True)
    return "pngcairo" in listing.stdout + listing.stderr


def chart_gnuplot(kind, data, path, subtitle):
    gnuplot = shutil.which("gnuplot")
    if not gnuplot:
        return False
    _, title, ylabel, series = CHARTS[kind]
    values = [v for d in data for v in d[1:] if v]
    log = values and max(values) / min(values) > 30
    with tempfile.TemporaryDirectory(prefix="once-chart-") as tmp:
        data_file = Path(tmp) / "data.dat"
        with data_file.open("w") as out:
            for d in data:
                out.write(f'"{gnuplot_quote(d[0])}" {d[1] or "NaN"} {d[2] or "NaN"}\n')
        script = "\n".join([
            "set terminal pngcairo noenhanced size 1100,650 font ',9'" if gnuplot_has_pngcairo(gnuplot)
            else "set terminal png noenhanced size 1100,650",
            f"set output '{path}'",
            f'set title "{gnuplot_quote(title)}\\n{gnuplot_quote(subtitle)}"',
            "set style data histograms",
            "set style histogram clustered gap 1",
            "set style fill solid 0.9 border -1",
            "set boxwidth 0.9",
            "set xtics rotate by -35 scale 0",
            f"set ylabel '{ylabel}{' (log scale)' if log else ''}, lower is better'",
            "set logscale y" if log else "set yrange [0:*]",
            "set grid ytics",
            "set key top left",
            f"plot '{data_file}' using 2:xtic(1) title '{series[0]}' lc rgb '{COLORS[0]}', "
            f"'' using 3 title '{series[1]}' lc rgb '{COLORS[1]}'",
        ])
        result = subprocess.run([gnuplot], input=script, capture_output=True, text=True)
        if result.returncode != 0:
            warn(f"gnuplot failed: {result.stderr.strip()}")
            return False
    return True


def make_charts(read_data, init_data, docs, subtitle, enabled, force_gnuplot=False):
    """Writes the charts; returns {kind: file name} of those written."""
    written = {}
    jobs = [(kind, data) for kind, data in (("read", read_data), ("init", init_data)) if data]
    if not enabled or not jobs:
        return written
    plt = None
    if not force_gnuplot:
        try:
            import matplotlib

            matplotlib.use("Agg")
            import matplotlib.pyplot as plt
        except ImportError:
            warn(f"matplotlib is not available to {sys.executable} (Debian: apt install python3-matplotlib, "
                 "and run /usr/bin/python3); trying gnuplot")
    for kind, data in jobs:
        path = docs / CHARTS[kind][0]
        if plt is not None:
            chart_matplotlib(plt, kind, data, path, subtitle)
            written[kind] = path.name
        elif chart_gnuplot(kind, data, path, subtitle):
            written[kind] = path.name
        else:
            warn(f"no {path.name}: neither matplotlib nor gnuplot is available")
    return written


# ---------------------------------------------------------------------------


def replace_marked_region(path, key, text):
    """Replaces what lies between '<!-- begin: key -->' and '<!-- end: key -->' in `path`."""
    begin, end = f"<!-- begin: {key} -->", f"<!-- end: {key} -->"
    document = path.read_text()
    start, stop = document.find(begin), document.find(end)
    if start < 0 or stop < start:
        sys.exit(f"bench_report: {path} has no '{begin}' ... '{end}' region")
    note = "<!-- Generated by scripts/bench_report.py (cmake --workflow --preset bench). Do not edit: re-run. -->"
    path.write_text(document[:start + len(begin)] + "\n" + note + "\n" + text + "\n" + document[stop:])
    print(f"bench_report: rewrote the performance section of {path}")


def replace_section(path, key, text):
    """Replaces the section `key` of `path`, markers included, with `text` (a section() with the same key)."""
    begin, end = f"<!-- begin: {key} -->", f"<!-- end: {key} -->"
    document = path.read_text()
    start, stop = document.find(begin), document.find(end)
    if start < 0 or stop < start:
        sys.exit(f"bench_report: {path} has no '{begin}' ... '{end}' region")
    path.write_text(document[:start] + text.rstrip("\n") + document[stop + len(end):])
    print(f"bench_report: rewrote the {key} section of {path}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--results", required=True, help="directory holding the benchmark JSON")
    parser.add_argument("--docs", required=True, help="directory to write benchmarks.md and the charts into")
    parser.add_argument("--source-dir", default=".", help="the source tree, for the commit hash")
    parser.add_argument("--cxx", default="", help="the compiler, if the JSON does not name it")
    parser.add_argument("--image-base", default="",
                        help="prefix of the chart links in the Markdown (e.g. docs/ for text pasted in the README)")
    parser.add_argument("--readme", default="",
                        help="also replace the part of this file between '<!-- begin: performance -->' and "
                             "'<!-- end: performance -->' with the report (chart links prefixed with docs/)")
    parser.add_argument("--only", choices=["compile-time"], default="",
                        help="rewrite only this section, in place, in benchmarks.md (and in --readme): for a "
                             "compile-time run alone (scripts/compile_time.py), without the benchmarks")
    parser.add_argument("--no-charts", action="store_true", help="write the Markdown only")
    parser.add_argument("--gnuplot", action="store_true", help="draw the charts with gnuplot even if matplotlib is there")
    args = parser.parse_args()

    results = Path(args.results)
    docs = Path(args.docs)
    if not results.is_dir():
        sys.exit(f"bench_report: no results directory {results}")
    docs.mkdir(parents=True, exist_ok=True)
    gbench, compile_time, asm = load_results(results)
    if args.only == "compile-time":
        if not compile_time:
            sys.exit(f"bench_report: no compile_time.json in {results}")
        text = compile_time_section(compile_time)
        for path in [docs / "benchmarks.md"] + ([Path(args.readme)] if args.readme else []):
            replace_section(path, "compile-time", text)
        return
    if not gbench and not compile_time:
        sys.exit(f"bench_report: no results in {results}")

    contexts = [context for context, _ in gbench.values()]
    main_context = gbench["read_path.json"][0] if "read_path.json" in gbench else (contexts[0] if contexts else {})
    compiler = compiler_version(args.cxx, contexts)
    cpu = cpu_model()
    cores = main_context.get("num_cpus") or os.cpu_count()
    mhz = main_context.get("mhz_per_cpu")
    date = main_context.get("date") or datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
    commit = commit_of(Path(args.source_dir))
    for context in contexts:
        if context.get("once_optimized") == "no":
            warn("some benchmarks were built without optimization (or without NDEBUG): not for publishing")
            break
    dates = sorted(c.get("date", "") for c in contexts if c.get("date"))
    if dates and dates[0][:10] != dates[-1][:10]:
        warn(f"the results span several days ({dates[0]} .. {dates[-1]}): stale JSON in {results}?")

    subtitle = f"{cpu}, {compiler.split(',')[0]}"
    read_path = gbench.get("read_path.json", ({}, []))[1]
    init = gbench.get("init.json", ({}, []))[1]
    read_text, read_data = read_path_section(read_path, None)
    init_text, init_data = init_section(init, None)
    charts = make_charts(read_data, init_data, docs, subtitle, not args.no_charts, args.gnuplot)
    if "read" in charts:
        read_text, _ = read_path_section(read_path, args.image_base + charts["read"])
    if "init" in charts:
        init_text, _ = init_section(init, args.image_base + charts["init"])

    repetitions = max((b.repetitions for _, benches in gbench.values() for b in benches), default=1)
    scaling = main_context.get("cpu_scaling_enabled")
    build_type = main_context.get("once_build_type") or "unknown"
    machine = [
        f"- **Machine**: {cpu}, {cores} logical CPUs" + (f" at {mhz} MHz" if mhz else "") +
        (", CPU frequency scaling on" if scaling else ""),
        f"- **OS**: {platform.system()} {platform.release()} ({platform.machine()})",
        f"- **Compiler**: {compiler}, {build_type} build",
        f"- **Commit**: {commit}",
        f"- **Date**: {date}",
    ]
    parts = [
        "<!-- Generated by scripts/bench_report.py from `cmake --workflow --preset bench`. Do not edit: re-run. -->",
        "<!-- begin: summary -->",
        "## Performance",
        "",
        "Every figure below comes from one run of the benchmarks in `bench/`, each library peer measured in the "
        "same binary as this library, on this machine:",
        "",
        *machine,
        "",
        "Reproduce (Debian 12: `apt install cmake ninja-build g++ libbenchmark-dev libabsl-dev "
        "libboost-thread-dev python3-matplotlib`):",
        "",
        "```sh",
        "cmake --workflow --preset bench   # builds in Release, runs everything, rewrites docs/benchmarks.md",
        "```",
        "",
        (f"Each benchmark ran {repetitions} times; the tables show the median. " if repetitions > 1 else
         "Each benchmark ran once (no repetitions: a smoke run, not for publishing). ") +
        "Ratios are against the baseline each table names (below 1× is faster). This library's types are in bold.",
        "<!-- end: summary -->",
        "",
    ]
    for text in (read_text, asm_section(asm), init_text, waiters_section(gbench.get("waiters.json", ({}, []))[1]),
                 sizes_section(gbench.get("sizes.json", ({}, []))[1]), compile_time_section(compile_time)):
        if text:
            parts += [text]
    for file_name, (_, benches) in gbench.items():
        if file_name not in OWN_FILES:
            parts += [generic_section(file_name, benches)]

    out = docs / "benchmarks.md"
    out.write_text("\n".join(parts).rstrip() + "\n")
    if args.readme:
        # The same report, with the chart links seen from the README's folder.
        readme_parts = list(parts)
        if "read" in charts:
            readme_parts[readme_parts.index(read_text)] = read_path_section(read_path, "docs/" + charts["read"])[0]
        if "init" in charts:
            readme_parts[readme_parts.index(init_text)] = init_section(init, "docs/" + charts["init"])[0]
        replace_marked_region(Path(args.readme), "performance", "\n".join(readme_parts[1:]).strip())
    print(f"bench_report: wrote {out}" + "".join(f", {docs / name}" for name in charts.values()))
    used = sorted(gbench) + (["compile_time.json"] if compile_time else []) + (["read_path_asm.txt"] if asm else [])
    print(f"bench_report: from {results}: {', '.join(used)}")


if __name__ == "__main__":
    main()
