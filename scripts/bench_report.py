#!/usr/bin/env python3
# Renders a benchmark run's results into docs/benchmarks.md, its charts and the README's performance summary.
# SPDX-License-Identifier: MIT
"""Fills the report's templates with the figures of one benchmark run.

Reads, from --results (the build tree's bench-results/, written by the
bench-report target): Google Benchmark JSON (read_path.json, init.json,
waiters.json, sizes.json, once_shared.json, set_once.json, wake_latency.json),
compile_time.json (scripts/compile_time.py) and read_path_asm.txt
(scripts/read_path_asm.sh). Where a benchmark ran repeatedly, its median.

Writes --out (bench/report_template.md filled in), bench-read-path.png and
bench-init.png beside it (matplotlib), and, with --readme, replaces the part
of that file between <!-- begin: performance --> and <!-- end: performance -->
with --summary-template filled in. The prose lives in the templates; this
script only makes tables, charts and the machine's description.
"""

import argparse
import json
import math
import os
import platform
import re
import statistics
import string
import subprocess
import sys
from pathlib import Path

UNIT_NS = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}
LIBRARY = ("OnceLock", "OnceCell", "LazyLock", "LazyCell", "OnceShared", "SetOnce", "OnceFlag")
# Not measured here: Rust's standard library types on a 64-bit target.
RUST_SIZES = {"OnceLock_int": "`std::sync::OnceLock<i32>`: 8", "LazyLock_int_captureless": "`std::sync::LazyLock<i32>`: 16"}
MISSING = "*Not measured in this run.*"
# The README's table: (row label, id in read/init, id in waiters).
HEADLINE = [("**`once::OnceLock`**", "OnceLock_get_or_init", "OnceLock"),
            ("**`once::call_once` + `once::OnceFlag`**", "OnceFlag_call_once", None),
            ("`std::call_once`", "std_call_once", "std_call_once"),
            ("`absl::call_once`", "absl_call_once", "absl_call_once"),
            ("`boost::call_once`", "boost_call_once", "boost_call_once"),
            ("`std::atomic<bool>` double-checked + `std::mutex`", "atomic_bool_dclp", "atomic_bool_dclp"),
            ("`std::mutex` + `std::optional`", "mutex_optional", "mutex_optional")]


def warn(message):
    sys.stderr.write(f"bench_report: warning: {message}\n")


class Bench:
    """One benchmark: the median of each figure over its repetitions."""

    def __init__(self, name, entries):
        first = entries[0]
        self.name, self.parts = name, name.split("/")
        self.area, self.peer = self.parts[0], self.parts[1] if len(self.parts) > 1 else ""
        self.label, self.threads = first.get("label", ""), int(first.get("threads", 1))
        self.repetitions = int(first.get("repetitions", 1))
        median = lambda key, scale=lambda e: 1.0: statistics.median(e[key] * scale(e) for e in entries)  # noqa: E731
        unit = lambda e: UNIT_NS[e.get("time_unit", "ns")]  # noqa: E731
        self.real_ns, self.cpu_ns = median("real_time", unit), median("cpu_time", unit)
        skip = {"family_index", "per_family_instance_index", "repetitions", "repetition_index", "threads",
                "iterations", "real_time", "cpu_time", "items_per_second"}
        self.counters = {k: median(k) for k, v in first.items() if isinstance(v, (int, float)) and k not in skip}


def load_gbench(path):
    """(context, {name: Bench}) from a Google Benchmark JSON file, in its order."""
    document = json.loads(path.read_text())
    runs = {}
    for entry in document["benchmarks"]:
        if entry.get("error_occurred"):
            warn(f"{path.name}: {entry['name']} failed: {entry.get('error_message')}")
            continue
        name = entry.get("run_name", entry["name"])
        median = entry.get("run_type") == "aggregate" and entry.get("aggregate_name") == "median"
        if median or entry.get("run_type") != "aggregate":
            runs.setdefault(name, {"median": [], "runs": []})["median" if median else "runs"].append(entry)
    return document["context"], {name: Bench(name, r["median"] or r["runs"]) for name, r in runs.items()}


# ---- Formatting --------------------------------------------------------------


def fmt_ns(ns):
    if ns is None or math.isnan(ns):
        return "—"
    for limit, scale, unit in ((10, 1, "ns"), (1e3, 1, "ns"), (1e6, 1e3, "µs"), (1e9, 1e6, "ms")):
        if ns < limit:
            value = ns / scale
            return f"{value:.2f} {unit}" if value < 10 or unit != "ns" else f"{value:.1f} {unit}"
    return f"{ns / 1e9:.2f} s"


def fmt_ratio(value, base):
    if value is None or not base:
        return "—"
    ratio = value / base
    return f"{ratio:.2f}×" if ratio < 10 else f"{ratio:.0f}×"


def table(header, rows, left=(0,)):
    """A Markdown table; the columns in `left` (text) align left, the others (figures) right."""
    lines = ["| " + " | ".join(header) + " |", "|" + "".join(" --- |" if i in left else " ---: |"
                                                              for i in range(len(header)))]
    return "\n".join(lines + ["| " + " | ".join(row) + " |" for row in rows])


def name_cell(bench):
    """The label as code, a trailing remark in parentheses as text; this library's types in bold."""
    code, _, remark = bench.label.partition(" (")
    text = f"`{code}`"
    return (f"**{text}**" if bench.peer.startswith(LIBRARY) else text) + (f" ({remark}" if remark else "")


# ---- Tables ------------------------------------------------------------------


def per_read(b):
    return b.real_ns / b.counters.get("reads_per_iter", 1.0) if b else None


def per_cell(b):
    # Real time is wall time / (iterations x threads): times the threads, one batch.
    if b and abs(b.counters.get("inits_per_cell", 1.0) - 1.0) > 1e-9:
        warn(f"{b.name}: {b.counters['inits_per_cell']} initializer runs per cell, expected exactly 1")
    return b.real_ns * b.threads / b.counters.get("cells_per_iter", 1.0) if b else None


def two_column_table(benches, areas, measure, baseline, header):
    """One row per peer, a time and a ratio for each of two areas (say init and contended_init)."""
    by_area = [{b.peer: b for b in benches.values() if b.area == area} for area in areas]
    peers = list(dict.fromkeys(p for column in by_area for p in column))
    bases = [measure(column.get(baseline)) for column in by_area]
    rows, chart = [], []
    for peer in peers:
        cells = [column.get(peer) for column in by_area]
        values = [measure(b) for b in cells]
        rows.append([name_cell(next(b for b in cells if b))] +
                    [c for v, base in zip(values, bases) for c in (fmt_ns(v), fmt_ratio(v, base))])
        chart.append((next(b for b in cells if b).label, *values))
    return table(header, rows), chart


def waiters_table(benches):
    rows, init_s, waiters = [], math.nan, "Several"
    for b in benches.values():
        init_s, waiters = b.counters.get("init_seconds", init_s), b.parts[2]
        if b.counters.get("foreign_inits", 0):
            warn(f"{b.name}: a waiter's initializer ran")
        cpu = b.counters["cpu_per_waiter"]
        rows.append([name_cell(b), f"{cpu * 1e3:.3f} ms", f"{cpu / init_s * 100:.2f} %",
                     f"{b.counters['wake_latency_max'] * 1e6:.0f} µs"])
    init_time = f"{init_s * 1e3:.0f} ms"
    return table(["", "CPU per waiter", f"of the {init_time}", "wake-up latency"], rows), waiters, init_time


def sizes_table(benches):
    rows = []
    for b in benches.values():
        spelling = f"`{b.label}`"
        rows.append([f"**{spelling}**" if b.counters.get("once") else spelling, f"{b.counters['bytes']:.0f}",
                     f"{b.counters['align']:.0f}", RUST_SIZES.get(b.peer, "")])
    return table(["type", "bytes", "align", "Rust"], rows, left=(0, 3))


def generic_table(benches):
    """Every benchmark of a file; ratios against the one named or labelled baseline of the same shape."""
    shape = lambda b: (b.parts[0], tuple(b.parts[2:]))  # noqa: E731
    bases = {}
    for b in benches.values():
        if "baseline" in b.name or "baseline" in b.label:
            bases.setdefault(shape(b), b.real_ns)
    rows = [[f"`{b.name}`", fmt_ns(b.real_ns), fmt_ns(b.cpu_ns), fmt_ratio(b.real_ns, bases.get(shape(b))),
             ", ".join(f"{k}={v:.4g}" for k, v in b.counters.items())] for b in benches.values()]
    return table(["benchmark", "time", "CPU", "vs baseline", "counters"], rows, left=(0, 4))


def compile_time_tables(document):
    """The full table, and {stdlib family: ratio of once.hpp to <mutex>} for the summary."""
    toolchains = document["toolchains"]
    by_key = {(r["toolchain"], r["name"]): r for r in document["results"]}
    header = ["translation unit"]
    for t in toolchains:
        version = re.search(r"\d+\.\d+(?:\.\d+)?", t["compiler"])
        name = "Clang" if "clang" in t["compiler"].lower() else "GCC"
        header += [f"{name} {version.group(0) if version else ''}, {t['stdlib']}", "vs `<mutex>`"]
    rows = []
    for name in dict.fromkeys(r["name"] for r in document["results"]):
        first = next(by_key[(t["id"], name)] for t in toolchains if (t["id"], name) in by_key)
        row = [f"`{first['include']}`" if first["include"] else "(empty file)"]
        for t in toolchains:
            r = by_key.get((t["id"], name))
            row += [f"{r['cpu_seconds'] * 1e3:.0f} ms", f"{r['vs_mutex']:.2f}×"] if r else ["", ""]
        rows.append(row)
    umbrella = {t["stdlib"].split()[0]: by_key[(t["id"], "once/once.hpp")]["vs_mutex"] for t in toolchains
                if (t["id"], "once/once.hpp") in by_key}
    return table(header, rows), umbrella


def asm_block(text):
    lines = text.rstrip("\n").splitlines()
    cut = next((i for i, line in enumerate(lines) if line.startswith("In full")), len(lines))
    block = "```text\n" + "\n".join(lines[:cut]).rstrip() + "\n```"
    if cut < len(lines):
        block += ("\n\n<details><summary>The probe functions in full</summary>\n\n```text\n" +
                  "\n".join(lines[cut:]).rstrip() + "\n```\n\n</details>")
    return block


def headline_table(read, init, waiters):
    def cell(bench, measure, base):
        value = measure(bench) if bench else None
        return "—" if value is None else f"{fmt_ns(value)} ({fmt_ratio(value, measure(base))})" if base else fmt_ns(value)

    area = lambda benches, name: {b.peer: b for b in benches.values() if b.area == name}  # noqa: E731
    chained, alone, raced = area(read, "read_chained"), area(init, "init"), area(init, "contended_init")
    blocked = area(waiters, "waiters")
    waiter_cpu = lambda b: b.counters["cpu_per_waiter"] * 1e9  # noqa: E731
    rows = [[label, cell(chained.get(peer), per_read, chained.get("std_call_once")),
             cell(alone.get(peer), per_cell, alone.get("std_call_once")),
             cell(raced.get(peer), per_cell, raced.get("std_call_once")),
             cell(blocked.get(waiter), waiter_cpu, None) if waiter else "—"]
            for label, peer, waiter in HEADLINE if peer in chained or peer in alone]
    return table(["", "read an initialized value", "first initialization", "2 threads racing for it",
                  "CPU per blocked waiter"], rows)


# ---- Charts ------------------------------------------------------------------


def chart(plt, data, path, title, xlabel, series, subtitle):
    """Horizontal grouped bars; data = [(name, value of series 0, value of series 1)], values in ns."""
    fig, ax = plt.subplots(figsize=(9.5, 0.62 * len(data) + 1.8))
    values = [v for d in data for v in d[1:] if v]
    for index, (label, color) in enumerate(zip(series, ("#2a7ab0", "#e08a2c"))):
        points = [(row, d[1 + index]) for row, d in enumerate(reversed(data)) if d[1 + index]]
        bars = ax.barh([row + 0.2 - 0.4 * index for row, _ in points], [v for _, v in points], 0.4, label=label,
                       color=color)
        for bar, (_, value) in zip(bars, points):
            ax.text(bar.get_width(), bar.get_y() + 0.2, f" {value:.2f}" if value < 10 else f" {value:.0f}",
                    va="center", fontsize=7)
    ax.set_yticks(range(len(data)), [d[0] for d in reversed(data)], fontsize=8)
    log = max(values) / min(values) > 30
    ax.set_xscale("log" if log else "linear")
    ax.set_xlim(min(values) / 1.5 if log else 0, max(values) * (2.5 if log else 1.18))
    ax.set_xlabel(f"{xlabel}{', log scale' if log else ''} (lower is better)")
    ax.set_title(f"{title}\n{subtitle}", fontsize=10)
    fig.legend(fontsize=8, loc="lower center", ncol=2, frameon=False)
    fig.tight_layout(rect=(0, 0.035, 1, 1))
    fig.savefig(path, dpi=130, bbox_inches="tight")
    plt.close(fig)


# ---- The machine -------------------------------------------------------------


def cpu_model():
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def commit_of(source_dir):
    git = ["git", "-C", str(source_dir)]
    commit = subprocess.run([*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    # Changes to tracked files other than what this script writes.
    dirty = subprocess.run([*git, "status", "--porcelain", "--untracked-files=no", "--", ".", ":(exclude)docs",
                            ":(exclude)README.md"], capture_output=True, text=True).stdout.strip()
    return f"`{commit or 'unknown'}`" + (" (with uncommitted changes)" if dirty else "")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--results", type=Path, required=True, help="directory of the run's results")
    parser.add_argument("--template", type=Path, required=True, help="bench/report_template.md")
    parser.add_argument("--out", type=Path, required=True, help="the report to write (docs/benchmarks.md)")
    parser.add_argument("--summary-template", type=Path, help="bench/readme_summary_template.md")
    parser.add_argument("--readme", type=Path, help="the file whose performance block the summary replaces")
    parser.add_argument("--readme-out", type=Path, help="where to write that file (default: --readme)")
    parser.add_argument("--source-dir", type=Path, default=Path("."), help="the source tree, for the commit")
    args = parser.parse_args()

    gbench = {p.stem: load_gbench(p) for p in sorted(args.results.glob("*.json")) if p.stem != "compile_time"}
    contexts = [context for context, _ in gbench.values()]
    benches = {stem: b for stem, (_, b) in gbench.items()}
    empty = {}
    if any(c.get("once_optimized") == "no" for c in contexts):
        warn("some benchmarks were built without optimization or without NDEBUG: not for publishing")
    context = contexts[0] if contexts else {}
    compiler = ", ".join(filter(None, (context.get("once_compiler"), context.get("once_stdlib"))))
    repetitions = max((b.repetitions for run in benches.values() for b in run.values()), default=1)
    cpu, commit = cpu_model(), commit_of(args.source_dir)
    machine = "\n".join([
        f"- **Machine**: {cpu}, {context.get('num_cpus', os.cpu_count())} logical CPUs"
        + (f" at {context['mhz_per_cpu']} MHz" if context.get("mhz_per_cpu") else "")
        + (", CPU frequency scaling on" if context.get("cpu_scaling_enabled") else "")
        + (f"; load average {context['load_avg'][0]:.1f} when the run began" if context.get("load_avg") else ""),
        f"- **OS**: {platform.system()} {platform.release()} ({platform.machine()})",
        f"- **Compiler**: {compiler or 'unknown'}, {context.get('once_build_type', 'unknown')} build",
        f"- **Commit**: {commit}",
        f"- **Date**: {context.get('date', 'unknown')}",
    ])
    read, init = benches.get("read_path", empty), benches.get("init", empty)
    values = {
        "machine": machine, "machine_short": f"{cpu}, {compiler}", "commit": commit,
        "repetitions": f"{repetitions} time{'s' if repetitions > 1 else ''}" + (
            " (a smoke run, not for publishing)" if repetitions < 5 else ""),
        "read_path_table": MISSING, "init_table": MISSING, "waiters_table": MISSING, "waiters": "Several",
        "init_time": "slow", "sizes_table": MISSING, "compile_time_table": MISSING, "compile_flags": "",
        "compile_runs": "?", "compile_when": "", "compile_load": "unknown", "read_path_asm": MISSING,
        "headline_table": MISSING, "once_hpp_gcc": "?", "once_hpp_clang": "?",
    }
    charts = []
    if read:
        values["read_path_table"], data = two_column_table(
            read, ("read", "read_chained"), per_read, "local_static",
            ["", "independent reads", "vs static", "value used", "vs static"])
        charts.append((data, "bench-read-path.png", "Read path of an initialized value", "ns per read",
                       ("independent reads", "value used")))
    if init:
        values["init_table"], data = two_column_table(
            init, ("init", "contended_init"), per_cell, "std_call_once",
            ["", "alone", "vs std::call_once", "2 threads racing", "vs std::call_once"])
        charts.append((data, "bench-init.png", "First initialization of a fresh cell", "ns per fresh cell",
                       ("alone", "2 threads racing")))
        values["headline_table"] = headline_table(read, init, benches.get("waiters", empty))
    if benches.get("waiters"):
        values["waiters_table"], values["waiters"], values["init_time"] = waiters_table(benches["waiters"])
    if benches.get("sizes"):
        values["sizes_table"] = sizes_table(benches["sizes"])
    for stem in ("once_shared", "set_once", "wake_latency"):
        values[f"{stem}_table"] = generic_table(benches[stem]) if benches.get(stem) else MISSING
    path = args.results / "compile_time.json"
    if path.exists():
        document = json.loads(path.read_text())
        values["compile_time_table"], umbrella = compile_time_tables(document)
        info = document["context"]
        values.update(compile_flags=" ".join(info["flags"]), compile_runs=str(info["runs"]),
                      compile_when=f"commit `{info['commit']}`, {info['date']}",
                      compile_load=f"{info['load_average'][0]:.1f} on {info['cpus']} logical CPUs",
                      once_hpp_gcc=fmt_ratio(umbrella.get("libstdc++"), 1.0),
                      once_hpp_clang=fmt_ratio(umbrella.get("libc++"), 1.0))
    path = args.results / "read_path_asm.txt"
    if path.exists():
        values["read_path_asm"] = asm_block(path.read_text())

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    args.out.parent.mkdir(parents=True, exist_ok=True)
    for data, name, title, xlabel, series in charts:
        chart(plt, data, args.out.parent / name, title, xlabel, series, f"{cpu}, {compiler.split(',')[0]}")
    args.out.write_text(string.Template(args.template.read_text()).substitute(values))
    print(f"bench_report: wrote {args.out} and {len(charts)} charts beside it")
    if args.readme:
        begin, end = "<!-- begin: performance -->", "<!-- end: performance -->"
        document = args.readme.read_text()
        start, stop = document.find(begin), document.find(end)
        if start < 0 or stop < start:
            sys.exit(f"bench_report: {args.readme} has no '{begin}' ... '{end}' block")
        summary = string.Template(args.summary_template.read_text()).substitute(values).strip()
        out = args.readme_out or args.readme
        out.write_text(document[:start + len(begin)] + "\n" + summary + "\n" + document[stop:])
        print(f"bench_report: wrote the performance block of {out}")


if __name__ == "__main__":
    main()
