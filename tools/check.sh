#!/usr/bin/env bash
# `make test`: every check rcprobe has, run even when an earlier one fails, then one last
# line "N passed, N failed" that sums them all. A test suite adds its own test counts; a
# check without counts (a lint, a build) adds 1 passed or 1 failed. Logs go to build/logs/.
#
# Each interpreter's busted suite runs twice: in file order, then shuffled (`busted
# --shuffle`) with the seed RCPROBE_SEED, or one from the clock, printed with the command
# that replays it; the shuffled run's model test does SHUFFLED_MODEL_OPS operations.
set -uo pipefail
cd "$(dirname "$0")/.."

INTERPRETERS=(lua5.1 lua5.2 lua5.3 lua5.4 luajit)
FEATURES=(lua51 lua52 lua53 lua54 lua55 luajit)
LOGS=build/logs
mkdir -p "$LOGS"
SEED=${RCPROBE_SEED:-$(date +%s)}
# In the shuffled run the model test is one more spec whose place and garbage move; 1,000
# operations do that, and its cost grows with the heap the specs before it left.
SHUFFLED_MODEL_OPS=1000
# The file-order run does 5,000: each operation runs a full collection over the heap that
# busted and the specs before it keep (about 6 MiB), and `make soak` does the long runs.
FILE_ORDER_MODEL_OPS=5000

passed=0
failed=0
summary=()
started=$SECONDS # when the check being tallied started

tally() { # name passed failed
  passed=$((passed + $2))
  failed=$((failed + $3))
  summary+=("$(printf '  %-44s %5d passed %4d failed %5ds' "$1" "$2" "$3" $((SECONDS - started)))")
  started=$SECONDS
}

# Runs a command, showing and logging its output; returns its status.
run() { # log command...
  local log=$1
  shift
  echo "==> $*" | tee "$log"
  "$@" 2>&1 | tee -a "$log"
  return "${PIPESTATUS[0]}"
}

check() { # name log command...: a check that passes or fails as a whole
  local name=$1
  shift
  if run "$@"; then tally "$name" 1 0; else tally "$name" 0 1; fi
}

sum_matches() { # log regex: the sum of the first number in each match
  grep -oE "$2" "$1" | grep -oE '[0-9]+' | awk '{ s += $1 } END { print s + 0 }'
}

cargo_tests() {
  local feature log status p f
  for feature in "${FEATURES[@]}"; do
    log=$LOGS/cargo-test-$feature.log
    run "$log" cargo test --locked --features "$feature,vendored" --target-dir "target/vendored-$feature"
    status=$?
    p=$(sum_matches "$log" '[0-9]+ passed')
    f=$(sum_matches "$log" '[0-9]+ failed')
    if [ "$status" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi # it did not build or run
    tally "cargo test ($feature)" "$p" "$f"
  done
}

busted_suite() { # name log interpreter [busted options...]: one run of the suite
  local name=$1 log=$2 interpreter=$3 status p f
  shift 3
  (
    eval "$(tools/rock.sh env "$interpreter")"
    run "$log" "$interpreter" /usr/bin/busted -o plainTerminal "$@"
  )
  status=$?
  p=$(sum_matches "$log" '[0-9]+ successes? /')
  f=$(( $(sum_matches "$log" '[0-9]+ failures? /') + $(sum_matches "$log" '[0-9]+ errors? /') ))
  if [ "$status" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi # busted itself failed
  tally "$name" "$p" "$f"
}

busted_specs() {
  local interpreter
  echo "==> busted --shuffle seed: $SEED (replay one interpreter's shuffled run with:"
  echo "    eval \"\$(tools/rock.sh env luajit)\" && RCPROBE_MODEL_OPS=$SHUFFLED_MODEL_OPS \\"
  echo "      luajit /usr/bin/busted --shuffle --seed=$SEED    # or RCPROBE_SEED=$SEED make test)"
  for interpreter in "${INTERPRETERS[@]}"; do
    if ! run "$LOGS/rock-$interpreter.log" tools/rock.sh "$interpreter"; then
      tally "luarocks make ($interpreter)" 0 1
      continue
    fi
    RCPROBE_MODEL_OPS=$FILE_ORDER_MODEL_OPS busted_suite "busted ($interpreter)" \
      "$LOGS/busted-$interpreter.log" "$interpreter"
    RCPROBE_MODEL_OPS=$SHUFFLED_MODEL_OPS busted_suite "busted shuffled seed=$SEED ($interpreter)" \
      "$LOGS/busted-shuffled-$interpreter.log" "$interpreter" --shuffle --seed="$SEED"
  done
}

memcheck() {
  check "memcheck (busted on lua5.4 under valgrind)" "$LOGS/memcheck.log" tools/memcheck.sh busted
  check "memcheck (Rust tests on vendored lua5.4)" "$LOGS/memcheck-rust.log" tools/memcheck.sh rust
}

# examples/growth.lua on the stock lua5.4, with the rock busted_specs installed: as pinned.
growth_lua() {
  (eval "$(tools/rock.sh env lua5.4)" && lua5.4 examples/growth.lua | diff -u examples/growth.out -)
}

# Every example, as the README tells users to run it (cargo test compares their output on every
# vendored Lua: tests/examples.rs), then the README's host crate (tools/host-crate.sh).
examples() {
  local name
  for name in host article button event_bus entities testing; do
    check "cargo run --example $name" "$LOGS/example-$name.log" \
      cargo run --locked --example "$name" --features lua54,vendored --target-dir target/vendored-lua54
  done
  check "lua5.4 examples/growth.lua" "$LOGS/example-growth.log" growth_lua
  check "the README's host crate" "$LOGS/host-crate.log" tools/host-crate.sh
}

lints() {
  local feature
  check "cargo fmt --check" "$LOGS/fmt.log" cargo fmt --check
  for feature in "${FEATURES[@]}"; do
    check "cargo clippy ($feature,vendored)" "$LOGS/clippy-$feature-vendored.log" \
      cargo clippy --locked --all-targets --features "$feature,vendored" \
      --target-dir "target/vendored-$feature" -- -D warnings
    if [ "$feature" != lua55 ]; then # no stock interpreter, so no module build for 5.5
      check "cargo clippy ($feature,module)" "$LOGS/clippy-$feature-module.log" \
        cargo clippy --locked --features "$feature,module" --target-dir "target/$feature" -- -D warnings
    fi
  done
  check "luacheck" "$LOGS/luacheck.log" luacheck lua src/lua/api.lua spec examples bench tests/support tools/atlas.lua
  # Every public item is documented (missing_docs under clippy above), and rustdoc's links work.
  check "cargo doc" "$LOGS/doc.log" env RUSTDOCFLAGS="-D warnings" \
    cargo doc --locked --no-deps --features lua54,vendored --target-dir target/vendored-lua54
}

cargo_tests
busted_specs
memcheck
examples
lints

echo
echo "Summary:"
printf '%s\n' "${summary[@]}"
echo "  (make test took $((SECONDS / 60)) min $((SECONDS % 60)) s)"
echo "$passed passed, $failed failed" | tee "$LOGS/summary.txt"
[ "$failed" -eq 0 ]
