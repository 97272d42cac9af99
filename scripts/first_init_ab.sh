#!/usr/bin/env bash
# Compares first initialization (bench/init_bench.cpp, `init/`, one thread)
# across revisions of the headers, each against absl::call_once in its own
# binary: the ratio that docs/design.md ("Reentrancy detection", "What it
# costs") reports.
#
#   scripts/first_init_ab.sh [--rounds N] [--racing] VARIANT...
#
# A VARIANT is REV (a git revision, or `tree` for the work tree's headers),
# optionally followed by compiler flags after a comma:
#
#   scripts/first_init_ab.sh HEAD~1 tree tree,-DONCE_REENTRANCY_DETECTION=0
#
# Every binary is built from the work tree's bench source with g++ -O3, with
# functions and loops aligned to 64 bytes: without that, where the linker
# happens to place absl's code moves its time by up to 10% from build to
# build, and the ratio with it. Each round runs every binary once, pinned to
# the last CPU, with 10 randomly interleaved repetitions; the ratio to absl
# is taken within each round, from the repetitions' medians. Prints each
# variant's median over the rounds and the rounds themselves. Needs the bench
# preset's packages (Google Benchmark, Abseil, Boost.Thread) and an idle
# machine.
#
# --racing measures `contended_init/` instead (two threads racing for each
# cell, not pinned), every peer, with ratios to std::mutex + std::optional.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
rounds=12
filter='^init/(OnceLock|OnceFlag|absl)'
baseline=absl_call_once
pin=(taskset -c "$(($(nproc) - 1))")
while [ $# -gt 0 ]; do
  case $1 in
    --rounds) rounds=$2; shift 2 ;;
    --racing) filter='^contended_init/'; baseline=mutex_optional; pin=(); shift ;;
    *) break ;;
  esac
done
[ $# -ge 1 ] || { sed -n '2,26p' "$0"; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

binaries=()
for variant in "$@"; do
  rev=${variant%%,*}
  flags=()
  [ "$rev" != "$variant" ] && IFS=',' read -r -a flags <<< "${variant#*,}"
  dir="$work/${#binaries[@]}"
  mkdir -p "$dir"
  if [ "$rev" = tree ]; then
    cp -r "$root/include" "$dir/include"
  else
    git -C "$root" archive "$rev" include | tar -x -C "$dir"
  fi
  g++ -std=gnu++20 -O3 -DNDEBUG -falign-functions=64 -falign-loops=64 "${flags[@]}" \
    -DONCE_BENCH_BUILD_TYPE='"Release"' -DONCE_BENCH_HAS_ABSL=1 -DONCE_BENCH_HAS_BOOST=1 \
    -I"$dir/include" -I"$root/bench" "$root/bench/init_bench.cpp" -o "$dir/init_bench" \
    -lbenchmark -labsl_base -labsl_spinlock_wait -labsl_raw_logging_internal -labsl_log_severity \
    -lboost_thread -lpthread
  binaries+=("$dir/init_bench")
done

for round in $(seq "$rounds"); do
  for i in "${!binaries[@]}"; do
    "${pin[@]}" "${binaries[$i]}" --benchmark_filter="$filter" \
      --benchmark_min_time=0.05 --benchmark_repetitions=10 --benchmark_enable_random_interleaving=true \
      --benchmark_format=csv 2> /dev/null |
      awk -F, -v v="${*:$((i + 1)):1}" -v r="$round" '$1 !~ /^name|_(mean|median|stddev|cv)"?$/ {print v "\t" r "\t" $1 "\t" $3}'
  done
done > "$work/results.tsv"

python3 - "$work/results.tsv" "$baseline" "$@" << 'EOF'
import collections, statistics, sys
baseline = sys.argv[2]
times = collections.defaultdict(list)  # (variant, round, peer) -> ns per cell, one per repetition
for line in open(sys.argv[1]):
    variant, rnd, name, ns = line.rstrip("\n").split("\t")
    parts = name.strip('"').split("/")
    threads = 2 if parts[0] == "contended_init" else 1  # per-thread real time: the pair's wall time per cell
    times[(variant, rnd, parts[1])].append(float(ns) * threads / 256)  # 256 cells per iteration
for variant in sys.argv[3:]:
    rounds = sorted({r for (v, r, _) in times if v == variant}, key=int)
    median = {(r, p): statistics.median(ts) for (v, r, p), ts in times.items() if v == variant}
    base = statistics.median(median[(r, baseline)] for r in rounds)
    for peer in sorted({p for (_, p) in median} - {baseline}):
        ratios = [median[(r, peer)] / median[(r, baseline)] for r in rounds]
        ns = statistics.median(median[(r, peer)] for r in rounds)
        print(f"{variant:40} {peer:22} {ns:6.2f} ns, {baseline} {base:6.2f} ns: {statistics.median(ratios):.2f}x"
              f"  [{' '.join(f'{x:.2f}' for x in ratios)}]")
EOF
