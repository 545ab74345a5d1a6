#!/usr/bin/env bash
# `make memcheck`: valgrind memcheck over
#   busted  the whole busted suite on Lua 5.4 (the rock luarocks installs);
#   rust    the Rust tests that create states on a vendored Lua 5.4: several states, states
#           on other threads, a panic in a callback, host objects, loans, the test API, and
#           the host-side model test (RCPROBE_HOST_MODEL_OPS, default 100 operations here).
# `tools/memcheck.sh busted` or `tools/memcheck.sh rust` runs one; no argument runs both.
# Fails on any invalid read or write, use of uninitialised memory, or block definitely lost.
# No suppressions are needed today: Lua 5.4, busted, mlua and rcprobe run clean.
set -euo pipefail
cd "$(dirname "$0")/.."

VALGRIND=(valgrind --tool=memcheck --error-exitcode=99 --leak-check=full
  --errors-for-leak-kinds=definite --show-leak-kinds=definite --track-origins=yes --num-callers=40)
RUST_TESTS=(states host_objects lend_host testing_api host_why companions model)

busted() {
  tools/rock.sh lua5.4 >/dev/null
  eval "$(tools/rock.sh env lua5.4)"
  # Valgrind runs Lua about 30 times slower. The model-based random test checks counts, not
  # memory: 500 operations exercise every operation many times. The specs tagged #scale
  # (a million probes, measured in resident memory, which is valgrind's here) are left out.
  RCPROBE_MODEL_OPS="${RCPROBE_MODEL_OPS:-500}" "${VALGRIND[@]}" lua5.4 /usr/bin/busted -o plainTerminal \
    --exclude-tags=scale
}

rust() {
  local args=() test binary
  for test in "${RUST_TESTS[@]}"; do args+=(--test "$test"); done
  # cargo names each test binary it builds: "Executable tests/states.rs (target/.../states-<hash>)".
  local built
  built=$(cargo test --locked --no-run --features lua54,vendored --target-dir target/vendored-lua54 \
    "${args[@]}" 2>&1) || { echo "$built"; return 1; }
  for binary in $(echo "$built" | sed -n 's/^ *Executable .* (\(.*\))$/\1/p'); do
    echo "==> valgrind $binary"
    # The model test's random operations, each with a heap walk, run about 100 times slower
    # under valgrind: a hundred mix every kind of object; its test of a wrong model (which
    # replays a failure many times to shrink it) checks the test, not memory, and is left out.
    local only=()
    case "$(basename "$binary")" in model-*) only=(agrees_with_the_model) ;; esac
    # One test at a time: valgrind serialises threads anyway, and the output stays readable.
    RCPROBE_HOST_MODEL_OPS="${RCPROBE_HOST_MODEL_OPS:-100}" "${VALGRIND[@]}" "$binary" --test-threads=1 "${only[@]}"
  done
}

case "${1:-all}" in
  busted) busted ;;
  rust) rust ;;
  all) busted && rust ;;
  *) echo "usage: tools/memcheck.sh [busted|rust]" >&2; exit 2 ;;
esac
