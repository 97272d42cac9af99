#!/usr/bin/env python3
# Generates single_include/once/once.hpp, the single-header edition, from include/.
# SPDX-License-Identifier: MIT
"""Generates the single-header edition, single_include/once/once.hpp.

Starts from the umbrella header include/once/once.hpp and inlines, in place,
every header of the library it reaches through its #include lines (quoted, or
<once/...>), depth first; standard headers stay #include lines. There is no
list of files to maintain: whatever once.hpp includes, directly or not, is in.

Each header is inlined once. A header first reached inside an #if block is
wrapped in a guard macro of its own and inlined again where it is next
included, so that the result preprocesses exactly as include/ does whichever
branches a build takes.

Usage:
    python3 scripts/amalgamate.py            # (re)writes single_include/once/once.hpp
    python3 scripts/amalgamate.py --check    # exit status 1 if that file is not current
"""

import argparse
import difflib
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]')
CONDITIONAL_BEGIN = re.compile(r"^\s*#\s*if(n?def)?\b")
CONDITIONAL_END = re.compile(r"^\s*#\s*endif\b")
PRAGMA_ONCE = re.compile(r"^\s*#\s*pragma\s+once\b")
# Every header's license line (its first or second line); the output says it once.
SPDX = "// SPDX-License-Identifier: MIT"


def version(include_dir):
    config = (include_dir / "once" / "detail" / "config.hpp").read_text()
    parts = [re.search(rf"#define ONCE_VERSION_{p} (\d+)", config) for p in ("MAJOR", "MINOR", "PATCH")]
    if not all(parts):
        sys.exit("amalgamate.py: no ONCE_VERSION_MAJOR/MINOR/PATCH in once/detail/config.hpp")
    return ".".join(p.group(1) for p in parts)


class Amalgamation:
    def __init__(self, include_dir):
        self.include_dir = include_dir
        self.unconditional = set()  # headers inlined outside any #if: done for good
        self.guarded = set()  # headers inlined inside an #if: guarded wherever they appear
        self.system_seen = set()  # standard headers included outside any #if
        self.out = []

    def resolve(self, kind, name, including):
        """The library header an #include names, or None for a standard one."""
        candidates = [self.include_dir / name]
        if kind == '"':
            candidates.insert(0, including.parent / name)
        elif not name.startswith("once/"):
            return None
        for candidate in candidates:
            if candidate.is_file():
                return candidate.resolve()
        if kind == '"' or name.startswith("once/"):
            sys.exit(f"amalgamate.py: {including}: cannot find the included header {name}")
        return None

    def relative(self, path):
        return path.relative_to(self.include_dir.resolve()).as_posix()

    def inline(self, path, outer_depth):
        """Appends `path` with its library includes inlined. `outer_depth` is
        the number of #if blocks the inclusion site sits in."""
        lines = path.read_text().splitlines()
        if SPDX in lines[:2]:
            lines.remove(SPDX)
        name = self.relative(path)
        guard = None
        if outer_depth > 0:
            self.guarded.add(path)
        else:
            self.unconditional.add(path)
        if path in self.guarded:
            guard = "ONCE_SINGLE_HEADER_" + re.sub(r"[^A-Za-z0-9]", "_", name).upper()
            self.out += [f"#ifndef {guard}", f"#define {guard}"]
        self.out.append(f"// ---- {name} " + "-" * max(0, 72 - len(name)))
        depth = 0  # #if blocks open in this file
        for line in lines:
            if PRAGMA_ONCE.match(line):
                continue
            if CONDITIONAL_BEGIN.match(line):
                depth += 1
            elif CONDITIONAL_END.match(line):
                depth -= 1
            match = INCLUDE.match(line)
            if match:
                kind, included = match.groups()
                target = self.resolve(kind, included, path)
                here = outer_depth + depth
                if target is not None:
                    if target not in self.unconditional:
                        self.inline(target, here)
                    continue
                if here == 0:
                    if included in self.system_seen:
                        continue
                    self.system_seen.add(included)
            self.out.append(line)
        if depth != 0:
            sys.exit(f"amalgamate.py: {path}: unbalanced #if/#endif")
        if guard:
            self.out.append(f"#endif  // {guard}")


def generate(include_dir):
    v = version(include_dir)
    license_text = (ROOT / "LICENSE").read_text().strip().splitlines()
    amalgamation = Amalgamation(include_dir)
    amalgamation.inline((include_dir / "once" / "once.hpp").resolve(), 0)
    body = "\n".join(amalgamation.out).strip("\n")
    body = re.sub(r"\n{3,}", "\n\n", body)  # the removed lines leave runs of blank lines
    header = [
        f"// once {v}: initialize-once primitives for C++20, in a single header.",
        "// SPDX-License-Identifier: MIT",
        "//",
        f"// Generated by scripts/amalgamate.py from include/once/once.hpp of once {v}.",
        "// Do not edit: change include/ and run `python3 scripts/amalgamate.py`.",
        "//",
    ] + ["// " + line if line else "//" for line in license_text]
    return "\n".join(header) + "\n#pragma once\n\n" + body + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--include-dir", type=pathlib.Path, default=ROOT / "include")
    parser.add_argument("--output", type=pathlib.Path, default=ROOT / "single_include" / "once" / "once.hpp")
    parser.add_argument("--check", action="store_true", help="compare with --output instead of writing it")
    args = parser.parse_args()

    text = generate(args.include_dir.resolve())
    if args.check:
        current = args.output.read_text() if args.output.is_file() else ""
        if current == text:
            print(f"{args.output} is current")
            return 0
        diff = difflib.unified_diff(
            current.splitlines(), text.splitlines(), str(args.output), "generated from include/", lineterm=""
        )
        sys.stdout.write("\n".join(list(diff)[:60]) + "\n")
        print(f"error: {args.output} is out of date: run python3 scripts/amalgamate.py")
        return 1
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text)
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
