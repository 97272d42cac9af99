#!/usr/bin/env bash
# Breaks SetOnce's waiter list on purpose, one mutant at a time, and checks
# that the tests notice: each mutant must make its test binary fail (or hang,
# caught by a timeout). Restores the sources afterwards, whatever happens.
#
#   scripts/set_once_mutants.sh [preset]      (default: asan; the build dir must be configured)
#
# Exit status 0 if every mutant was caught, 1 if one survived.
set -uo pipefail
cd "$(dirname "$0")/.."
preset=${1:-asan}
build=build/$preset
[[ -d $build ]] || { echo "configure the $preset preset first: cmake --preset $preset" >&2; exit 2; }

files=(include/once/detail/waiter_list.hpp include/once/detail/set_once_awaiters.hpp include/once/detail/thread_parker.hpp)
backup=$(mktemp -d)
for f in "${files[@]}"; do cp "$f" "$backup/$(basename "$f")"; done
restore() { for f in "${files[@]}"; do cp "$backup/$(basename "$f")" "$f"; done; }
trap restore EXIT

# mutant <name> <file> <python expression old> <new> <test target> [test filter]
survivors=0
mutant() {
  local name=$1 file=$2 old=$3 new=$4 target=$5 filter=${6:-}
  restore
  OLD=$old NEW=$new python3 - "$file" <<'EOF' || { echo "mutant '$name': pattern not found" >&2; exit 2; }
import os, sys
path = sys.argv[1]
text = open(path).read()
old, new = os.environ["OLD"], os.environ["NEW"]
if old not in text:
    sys.exit(1)
open(path, "w").write(text.replace(old, new, 1))
EOF
  if ! cmake --build --preset "$preset" --target "$target" > "$backup/build.log" 2>&1; then
    echo "mutant '$name': build failed (not counted as caught)"; tail -5 "$backup/build.log"; survivors=$((survivors + 1)); return
  fi
  if timeout 120 "$build/tests/$target" $filter > "$backup/run.log" 2>&1; then
    echo "SURVIVED: $name"; survivors=$((survivors + 1))
  else
    echo "caught:   $name"
  fi
}

mutant "an awaiter's destructor does not unlink its node" \
  include/once/detail/set_once_awaiters.hpp "    if (this->where() == NodePlace::kQueued && !list().dequeue(this)) unlink_from_batch(static_cast<Node*>(this));" "" \
  set_once_cancel_test "[destroy]"
mutant "a dropped claim does not wake the next claim waiter" \
  include/once/detail/waiter_list.hpp "    while (heir != nullptr && !heir->wants_claim) heir = heir->next;" \
  "    heir = nullptr;" set_once_claim_test "[handover]"
mutant "a dropped claim wakes every claim waiter (thundering herd)" \
  include/once/detail/waiter_list.hpp "    static_cast<void>(heir->wake(heir, WakeReason::kClaimGranted));" \
  "    static_cast<void>(heir->wake(heir, WakeReason::kClaimGranted));
    for (Node* other = head; other != nullptr;) {
      Node* const next = other->next;
      if (other->wants_claim) static_cast<void>(other->wake(other, WakeReason::kClaimGranted));
      other = next;
    }" set_once_claim_test "[handover]"
mutant "handover to the newest claim waiter instead of the oldest" \
  include/once/detail/waiter_list.hpp "    while (heir != nullptr && !heir->wants_claim) heir = heir->next;" \
  "    for (Node* n = head; n != nullptr; n = n->next) if (n->wants_claim) heir = n;
    if (heir != nullptr && !heir->wants_claim) heir = nullptr;" set_once_claim_test "[handover]"
mutant "set() does not wake threads sleeping on the list word" \
  include/once/detail/waiter_list.hpp "    if (threads_on_word) Wait::notify_all(word_address);" "    static_cast<void>(threads_on_word);" \
  set_once_wait_test
mutant "a waiter destroyed by an earlier waiter of the same set() is not unlinked from the batch" \
  include/once/detail/waiter_list.hpp "      if (in != node) continue;" "      if (in != node || in == node) continue;" \
  set_once_cancel_test "[destroy]"
mutant "a stop callback that does not wake a stopped thread" \
  include/once/detail/thread_parker.hpp "      if (list->dequeue(parker)) parker->wake_cancelled();" \
  "      static_cast<void>(list); static_cast<void>(parker);" set_once_wait_test
mutant "the stop callback of a coroutine does not unlink it" \
  include/once/detail/set_once_awaiters.hpp "    if (!list().dequeue(this)) return;" "    return;" \
  set_once_cancel_test

restore
echo "$survivors mutant(s) survived"
[[ $survivors -eq 0 ]]
