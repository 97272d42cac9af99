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

# mutant NAME FILE SCENARIOS WHAT SED: FILE is under include/once and the
# sed script must change it; SCENARIOS (a group of model_test's) must fail.
names=() files=() groups=() whats=() exprs=()
mutant() { names+=("$1"); files+=("$2"); groups+=("$3"); whats+=("$4"); exprs+=("$5"); }

mutant notify_noop detail/once_state.hpp once_state \
  'notify_all made a no-op: sleepers are never woken' \
  's/Wait::notify_all(word);/static_cast<void>(word);/'
mutant complete_no_notify detail/once_state.hpp once_state \
  'complete() forgets to wake the sleepers' \
  '/void complete() noexcept/,/^  }/s/Wait::notify_all(word);/static_cast<void>(word);/'
mutant rollback_no_notify detail/once_state.hpp once_state \
  'a failed initializer forgets to wake a sleeper to take over' \
  '/void roll_back() noexcept/,/^  }/s/Wait::notify_all(word);/static_cast<void>(word);/'
mutant unwind_keeps_claim detail/once_state.hpp once_state \
  'a throwing initializer leaves the word held (the unwind guard does not roll back)' \
  's/if (state_ != nullptr) state_->roll_back();/static_cast<void>(state_);/'
mutant waiters_never_set detail/once_state.hpp once_state \
  'the WAITERS flag is never set before sleeping' \
  's/compare_exchange_strong(state, state | kWaiters,/compare_exchange_strong(state, state,/; s/state |= kWaiters;/static_cast<void>(0);/'
mutant read_acquire_relaxed detail/once_state.hpp once_state \
  "the read path's acquire made relaxed" \
  '/bool is_complete() const noexcept/,/^  }/s/memory_order_acquire/memory_order_relaxed/'
mutant complete_release_relaxed detail/once_state.hpp once_state \
  "complete()'s release made relaxed" \
  's/exchange(kComplete, memory_order_release)/exchange(kComplete, memory_order_relaxed)/'
mutant complete_touches_cell detail/once_state.hpp once_state \
  'complete() reads the word again after completing it' \
  '/void complete() noexcept/,/^  }/s/if ((old & kWaiters) != 0)/if (((old | word->load(memory_order_relaxed)) \& kWaiters) != 0)/'
mutant shared_publish_relaxed detail/shared_slot.hpp once_shared \
  "OnceShared's publishing CAS made relaxed" \
  's/compare_exchange_strong(expected, \(.*\), memory_order_release, memory_order_relaxed)/compare_exchange_strong(expected, \1, memory_order_relaxed, memory_order_relaxed)/'
mutant shared_get_relaxed detail/shared_slot.hpp once_shared \
  "OnceShared::get()'s acquire made relaxed" \
  '/T\* get() const noexcept/,/^  }/s/memory_order_acquire/memory_order_relaxed/'
mutant claim_release_no_wake detail/waiter_list.hpp set_once \
  'a claim released without waking the next claim waiter' \
  's/static_cast<void>(heir->wake(heir, WakeReason::kClaimGranted));/static_cast<void>(heir);/'
mutant awaiter_no_unlink detail/set_once_awaiters.hpp set_once \
  'an awaiter destroyed while suspended (cancelled) does not unlink its node' \
  '/~AwaiterNode()/,/^  }/s/if (this->where() == NodePlace::kQueued && !list().dequeue(this)) unlink_from_batch(static_cast<Node\*>(this));/static_cast<void>(cell_);/'
mutant publish_no_notify detail/waiter_list.hpp set_once \
  'set() does not wake the threads sleeping on the list word' \
  's/if (threads_on_word) Wait::notify_all(word_address);/static_cast<void>(threads_on_word);/'
mutant publish_relaxed detail/waiter_list.hpp set_once \
  "set()'s publishing store made relaxed" \
  's/word_address->store(kSet, memory_order_release);/word_address->store(kSet, memory_order_relaxed);/'
mutant parker_no_notify detail/thread_parker.hpp set_once \
  'waking a thread parked on its own word forgets the futex wake' \
  's/if (old == kOnOwn) Wait::notify_all(state);/static_cast<void>(state);/'
mutant stop_no_bump detail/once_state.hpp once_state \
  "the stop callback wakes the sleepers without bumping the wake count" \
  '/void wake_sleepers() const noexcept/,/^  }/s/bumped = (state .*;/bumped = state; static_cast<void>(next);/'
mutant stop_no_notify detail/once_state.hpp once_state \
  'the stop callback bumps the wake count but wakes nobody' \
  '/void wake_sleepers() const noexcept/,/^  }/s/if ((state & kWaiters) != 0) Wait::notify_all(word);/static_cast<void>(word);/'
mutant give_up_keeps_waiters detail/once_state.hpp once_state \
  'a waiter that gives up leaves the WAITERS flag set (the next completion wakes nobody)' \
  '/bool give_up(std::int32_t state) const noexcept/,/^  }/s/compare_exchange_weak(state, state & ~kWaiters,/compare_exchange_weak(state, state,/'
mutant give_up_no_notify detail/once_state.hpp once_state \
  'a waiter that gives up clears the WAITERS flag without waking the other sleepers' \
  '/bool give_up(std::int32_t state) const noexcept/,/^  }/s/Wait::notify_all(word);/static_cast<void>(word);/'
mutant thread_stop_no_unlink detail/thread_parker.hpp set_once \
  "a thread's stop callback wakes it without taking its node off the list" \
  's/if (list->dequeue(parker)) parker->wake_cancelled();/if (parker->where() == NodePlace::kQueued) parker->wake_cancelled();/'
mutant awaiter_cancel_no_unlink detail/set_once_awaiters.hpp set_once \
  "an awaiter's stop callback resumes it without taking its node off the list" \
  '/void cancel() noexcept/,/^  }/s/if (!list().dequeue(this)) return;/if (this->where() != NodePlace::kQueued) return;/'
mutant direct_resume_reads_node detail/waiter_list.hpp set_once \
  "set() reads a node it resumed directly after resuming it (the coroutine may have destroyed it)" \
  's/        node->coroutine.resume();/        node->coroutine.resume(); static_cast<void>(node->where());/'
mutant batch_no_unlink detail/waiter_list.hpp set_once \
  "a waiter destroyed inside its set()'s batch is not taken out of the batch" \
  '/void unlink_from_batch(/,/^}/s/if (in != node) continue;/if (in != nullptr) continue;/'

flags=(-std=c++20 -O2 -Wall -Wextra -Werror)
sources=(once_state_model once_shared_model set_once_model)

# The runner and the scheduler include no header a mutant changes (checked
# below): built once. The scenarios are built against each copy of
# include/, two at a time.
shared_headers=(detail/wait.hpp detail/reentrancy.hpp detail/config.hpp)
pids=()
for tu in main scheduler; do
  "$CXX" "${flags[@]}" -I"$root/include" -c "$root/tests/model/$tu.cpp" -o "$work/$tu.o" &
  pids+=($!)
done
for pid in "${pids[@]}"; do wait "$pid"; done

build() {  # build <include dir> <binary>
  local tu pid objects=("$work/main.o" "$work/scheduler.o") pids=()
  for tu in "${sources[@]}"; do
    "$CXX" "${flags[@]}" -I"$1" -c "$root/tests/model/$tu.cpp" -o "$work/$tu.o" &
    pids+=($!)
    objects+=("$work/$tu.o")
    if [ ${#pids[@]} -ge 2 ]; then
      wait "${pids[0]}"
      pids=("${pids[@]:1}")
    fi
  done
  for pid in "${pids[@]}"; do wait "$pid"; done
  "$CXX" "${objects[@]}" -o "$2"
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
  name=${names[$i]} file=${files[$i]} group=${groups[$i]} what=${whats[$i]} expr=${exprs[$i]}
  wanted "$name" || continue
  echo "== mutant $name: $what"
  for header in "${shared_headers[@]}"; do
    if [ "$file" = "$header" ]; then
      echo "   $file is built into the runner once: a mutant there needs the script to rebuild it"
      exit 1
    fi
  done
  rm -rf "$work/include"
  cp -r "$root/include" "$work/include"
  sed -i -e "$expr" "$work/include/once/$file"
  if diff -q "$root/include/once/$file" "$work/include/once/$file" > /dev/null; then
    echo "   mutant $name no longer applies to include/once/$file: update it"
    exit 1
  fi
  build "$work/include" "$work/mutant_test"
  if "$work/mutant_test" "${run_flags[@]}" "$group" > "$work/mutant.log" 2>&1; then
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
