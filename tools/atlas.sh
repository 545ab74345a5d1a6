#!/usr/bin/env bash
# `make atlas`: measures every atlas scenario (spec/atlas/scenarios/) under each stock
# interpreter, with the rock tools/rock.sh builds for it, and on a vendored Lua 5.5
# (tests/atlas.rs), then writes docs/atlas.md if every measured cell is the one the
# scenarios expect. Otherwise it lists the differences and leaves docs/atlas.md alone.
set -euo pipefail
cd "$(dirname "$0")/.."

INTERPRETERS=(lua5.1 lua5.2 lua5.3 lua5.4 luajit)
CELLS=build/atlas
LOGS=build/logs
mkdir -p "$CELLS" "$LOGS" docs
rm -f "$CELLS"/*.tsv

# Runs a command with its output in a log, which is shown only if it fails.
quietly() { # log command...
  local log=$1
  shift
  if ! "$@" > "$log" 2>&1; then
    cat "$log"
    echo "atlas: failed: $* (log: $log)" >&2
    return 1
  fi
}

for interpreter in "${INTERPRETERS[@]}"; do
  echo "==> atlas: $interpreter"
  quietly "$LOGS/atlas-rock-$interpreter.log" tools/rock.sh "$interpreter"
  (
    eval "$(tools/rock.sh env "$interpreter")"
    "$interpreter" tools/atlas.lua measure > "$CELLS/$interpreter.tsv"
  )
done

# The test writes its cells before it compares them, so a difference is reported below,
# next to the others, rather than as a failed test.
echo "==> atlas: Lua 5.5 (vendored, tests/atlas.rs)"
RCPROBE_ATLAS_CELLS="$PWD/$CELLS/lua5.5.tsv" cargo test --locked --features lua55,vendored \
  --target-dir target/vendored-lua55 --test atlas > "$LOGS/atlas-lua55.log" 2>&1 || true
if [ ! -s "$CELLS/lua5.5.tsv" ]; then
  cat "$LOGS/atlas-lua55.log"
  echo "atlas: tests/atlas.rs measured nothing (log: $LOGS/atlas-lua55.log)" >&2
  exit 1
fi

lua5.4 tools/atlas.lua write docs/atlas.md "$CELLS"/*.tsv
echo "atlas: docs/atlas.md written from $(cat "$CELLS"/*.tsv | wc -l) measured cells"
