#!/usr/bin/env bash
# Mutation check of the model checker: each mutant below breaks the library
# on purpose in a temporary copy of include/, the model tests are built
# against that copy and run, and the run must report a failure. The script
# fails if the unmutated code does not pass, if a mutant no longer applies
# (the code it targets changed: update the mutant), or if any mutant survives.
#
#   tests/model/mutants.sh            all mutants
#   tests/model/mutants.sh NAME...    only these
#
# Uses $CXX (default g++). Exhaustive passes only, to preemption bound 3
# (--bound 3 --random 0): every mutant must be found deterministically, and
# since the full run explores bounds 0, 1, 2, ... in turn, a mutant found
# within bound 3 is found by the full run too. The unmutated code, the
# control, runs the same way and must pass.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
CXX=${CXX:-g++}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# mutant NAME FILE WHAT SED: FILE is under include/once; the sed script must
# change it.
names=() files=() whats=() exprs=()
mutant() { names+=("$1"); files+=("$2"); whats+=("$3"); exprs+=("$4"); }

mutant notify_noop detail/once_state.hpp \
  'notify_all made a no-op: sleepers are never woken' \
  's/Wait::notify_all(word);/static_cast<void>(word);/'
mutant complete_no_notify detail/once_state.hpp \
  'complete() forgets to wake the sleepers' \
  '/void complete() noexcept/,/^  }/s/Wait::notify_all(word);/static_cast<void>(word);/'
mutant rollback_no_notify detail/once_state.hpp \
  'a failed initializer forgets to wake a sleeper to take over' \
  '/void roll_back() noexcept/,/^  }/s/Wait::notify_all(word);/static_cast<void>(word);/'
mutant waiters_never_set detail/once_state.hpp \
  'the WAITERS flag is never set before sleeping' \
  's/compare_exchange_strong(state, state | kWaiters,/compare_exchange_strong(state, state,/; s/state |= kWaiters;/static_cast<void>(0);/'
mutant read_acquire_relaxed detail/once_state.hpp \
  "the read path's acquire made relaxed" \
  '/bool is_complete() const noexcept/,/^  }/s/memory_order_acquire/memory_order_relaxed/'
mutant complete_release_relaxed detail/once_state.hpp \
  "complete()'s release made relaxed" \
  's/exchange(kComplete, std::memory_order_release)/exchange(kComplete, std::memory_order_relaxed)/'
mutant complete_touches_cell detail/once_state.hpp \
  'complete() reads the word again after completing it' \
  '/void complete() noexcept/,/^  }/s/if ((old & kWaiters) != 0)/if (((old | word->load(std::memory_order_relaxed)) \& kWaiters) != 0)/'
mutant shared_publish_relaxed detail/shared_slot.hpp \
  "OnceShared's publishing CAS made relaxed" \
  's/compare_exchange_strong(expected, \(.*\), std::memory_order_release, std::memory_order_relaxed)/compare_exchange_strong(expected, \1, std::memory_order_relaxed, std::memory_order_relaxed)/'
mutant shared_get_relaxed detail/shared_slot.hpp \
  "OnceShared::get()'s acquire made relaxed" \
  '/T\* get() const noexcept/,/^  }/s/memory_order_acquire/memory_order_relaxed/'

flags=(-std=c++20 -O2 -Wall -Wextra -Werror -pthread)

build() {  # build <include dir> <binary>
  "$CXX" "${flags[@]}" -I"$1" "$root"/tests/model/*.cpp -o "$2"
}

selected=("$@")
wanted() {
  [ ${#selected[@]} -eq 0 ] && return 0
  local s
  for s in "${selected[@]}"; do [ "$s" = "$1" ] && return 0; done
  return 1
}

run_flags=(--bound 3 --random 0)

echo "== unmutated: must pass"
build "$root/include" "$work/model_test"
if ! "$work/model_test" "${run_flags[@]}" > "$work/clean.log" 2>&1; then
  cat "$work/clean.log"
  echo "the unmutated code fails the model check"
  exit 1
fi
grep '^ok' "$work/clean.log" | sed 's/^/   /'

survivors=()
for i in "${!names[@]}"; do
  name=${names[$i]} file=${files[$i]} what=${whats[$i]} expr=${exprs[$i]}
  wanted "$name" || continue
  echo "== mutant $name: $what"
  rm -rf "$work/include"
  cp -r "$root/include" "$work/include"
  sed -i -e "$expr" "$work/include/once/$file"
  if diff -q "$root/include/once/$file" "$work/include/once/$file" > /dev/null; then
    echo "   mutant $name no longer applies to include/once/$file: update it"
    exit 1
  fi
  build "$work/include" "$work/mutant_test"
  if "$work/mutant_test" "${run_flags[@]}" > "$work/mutant.log" 2>&1; then
    echo "   SURVIVED: every scenario passed"
    survivors+=("$name")
  elif grep -q '^FAIL' "$work/mutant.log"; then
    grep '^FAIL' "$work/mutant.log" | sed 's/^/   killed: /'
  else
    tail -5 "$work/mutant.log"
    echo "   SURVIVED: the run ended without a finding"
    survivors+=("$name")
  fi
done

if [ ${#survivors[@]} -ne 0 ]; then
  echo "surviving mutants: ${survivors[*]}"
  exit 1
fi
echo "every mutant was killed"
