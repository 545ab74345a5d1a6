#!/usr/bin/env bash
# `make soak`: looks for failures that depend on the order of the specs or on what ran before
# them (the heap, the collector's mode and state, LuaJIT's traces and stale slots). For each
# interpreter:
#   - its whole busted suite under RCPROBE_SOAK_SEEDS shuffled seeds (default 10), with the
#     model test at 1,000 operations, as in make test's shuffled run;
#   - the model test alone under RCPROBE_SOAK_MODEL_RUNS fresh seeds (default 3), at its
#     default 20,000 operations, and the host-side model test (tests/model/, on every kind of
#     object, from Rust) under the same seeds at RCPROBE_SOAK_HOST_MODEL_OPS operations
#     (default 20,000);
#   - the Rust tests on its vendored Lua (`cargo test --features <f>,vendored`, which runs
#     the specs there too) RCPROBE_SOAK_RUST_REPEATS times (default 2). Lua 5.5, which has
#     no stock interpreter, gets only these.
# Seeds count up from RCPROBE_SEED (default: the clock), so that a run can be replayed.
# RCPROBE_SOAK_JOBS interpreters are soaked at once (default 2). Logs go to build/soak/; the
# output ends with one line per interpreter:
#   <interpreter>: N runs, N passed, N failed (failed seeds: ...)
set -uo pipefail
cd "$(dirname "$0")/.."

INTERPRETERS=(lua5.1 lua5.2 lua5.3 lua5.4 luajit)
SEEDS=${RCPROBE_SOAK_SEEDS:-10}
MODEL_RUNS=${RCPROBE_SOAK_MODEL_RUNS:-3}
RUST_REPEATS=${RCPROBE_SOAK_RUST_REPEATS:-2}
HOST_MODEL_OPS=${RCPROBE_SOAK_HOST_MODEL_OPS:-20000}
JOBS=${RCPROBE_SOAK_JOBS:-2}
BASE=${RCPROBE_SEED:-$(date +%s)}
SHUFFLED_MODEL_OPS=1000 # as tools/check.sh's shuffled run
DIR=build/soak
mkdir -p "$DIR"
rm -f "$DIR"/*.log "$DIR"/*.result

feature_of() { # interpreter: its Cargo feature
  case "$1" in
    luajit) echo luajit ;;
    lua5.*) echo "lua5${1#lua5.}" ;;
  esac
}

# Runs one command with its output in a log; prints one line with its outcome and time.
attempt() { # label log command...
  local label=$1 log=$2 start status
  shift 2
  start=$(date +%s)
  "$@" > "$log" 2>&1
  status=$?
  if [ "$status" -eq 0 ]; then
    echo "  $label: passed ($(($(date +%s) - start)) s)"
  else
    echo "  $label: FAILED ($(($(date +%s) - start)) s, log: $log)"
  fi
  return "$status"
}

# Soaks one interpreter (or, with interpreter "-", only the Rust tests of a feature) and
# writes its summary line to $DIR/<name>.result.
soak() { # name interpreter feature
  local name=$1 interpreter=$2 feature=$3 runs=0 passed=0 failed=() k seed label=$1
  if [ "$interpreter" = - ]; then label="$name (vendored)"; fi
  record() { # label status
    runs=$((runs + 1))
    if [ "$2" -eq 0 ]; then passed=$((passed + 1)); else failed+=("$1"); fi
  }
  if [ "$interpreter" != - ]; then
    eval "$(tools/rock.sh env "$interpreter")"
    for ((k = 0; k < SEEDS; k++)); do
      seed=$((BASE + k))
      RCPROBE_MODEL_OPS=$SHUFFLED_MODEL_OPS attempt "$name busted --shuffle --seed=$seed" \
        "$DIR/$name-shuffle-$seed.log" "$interpreter" /usr/bin/busted -o plainTerminal \
        --shuffle --seed="$seed"
      record "shuffle $seed" $?
    done
    for ((k = 0; k < MODEL_RUNS; k++)); do
      seed=$((BASE + k))
      RCPROBE_MODEL_SEED=$seed attempt "$name model test, RCPROBE_MODEL_SEED=$seed" \
        "$DIR/$name-model-$seed.log" "$interpreter" /usr/bin/busted -o plainTerminal spec/model_spec.lua
      record "model $seed" $?
    done
  fi
  for ((k = 0; k < MODEL_RUNS; k++)); do
    seed=$((BASE + k))
    RCPROBE_HOST_MODEL_SEED=$seed RCPROBE_HOST_MODEL_OPS=$HOST_MODEL_OPS attempt \
      "$name host model test, RCPROBE_HOST_MODEL_SEED=$seed" "$DIR/$name-host-model-$seed.log" \
      cargo test --locked --features "$feature,vendored" --target-dir "target/vendored-$feature" \
      --test model agrees_with_the_model
    record "host model $seed" $?
  done
  for ((k = 1; k <= RUST_REPEATS; k++)); do
    attempt "$name cargo test --features $feature,vendored (#$k)" "$DIR/$name-cargo-$k.log" \
      cargo test --locked --features "$feature,vendored" --target-dir "target/vendored-$feature"
    record "cargo test #$k" $?
  done
  local list="none"
  if [ ${#failed[@]} -gt 0 ]; then list=$(IFS=,; echo "${failed[*]}" | sed 's/,/, /g'); fi
  echo "$label: $runs runs, $passed passed, $((runs - passed)) failed (failed seeds: $list)" \
    > "$DIR/$name.result"
}

echo "==> soak: $SEEDS shuffled seeds from $BASE, $MODEL_RUNS model seeds (Lua and host, $HOST_MODEL_OPS" \
  "host operations), $RUST_REPEATS Rust runs per interpreter (replay: RCPROBE_SEED=$BASE)"
# The rocks first, one at a time: their builds share a staging folder.
for interpreter in "${INTERPRETERS[@]}"; do
  if ! attempt "luarocks make ($interpreter)" "$DIR/rock-$interpreter.log" tools/rock.sh "$interpreter"; then
    echo "soak: the rock for $interpreter did not build" >&2
    exit 1
  fi
done

for name in "${INTERPRETERS[@]}" lua5.5; do
  while [ "$(jobs -rp | wc -l)" -ge "$JOBS" ]; do wait -n; done
  if [ "$name" = lua5.5 ]; then
    (soak lua5.5 - lua55) &
  else
    (soak "$name" "$name" "$(feature_of "$name")") &
  fi
done
wait

echo
echo "Soak (seeds from $BASE):"
status=0
for name in "${INTERPRETERS[@]}" lua5.5; do
  if [ -f "$DIR/$name.result" ]; then
    cat "$DIR/$name.result"
    grep -q ' 0 failed ' "$DIR/$name.result" || status=1
  else
    echo "$name: did not finish"
    status=1
  fi
done
exit "$status"
