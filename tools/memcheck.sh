#!/usr/bin/env bash
# `make memcheck`: the whole busted suite on Lua 5.4 under valgrind memcheck. Fails on any
# invalid read or write, use of uninitialised memory, or block definitely lost. No
# suppressions are needed today: Lua 5.4, busted and rcprobe run clean.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/rock.sh lua5.4 >/dev/null
eval "$(tools/rock.sh env lua5.4)"
# The model-based random test checks counts, not memory: a tenth of its default run is
# plenty under valgrind, which runs it about 30 times slower.
export RCPROBE_MODEL_OPS="${RCPROBE_MODEL_OPS:-2000}"
exec valgrind --tool=memcheck --error-exitcode=99 --leak-check=full \
  --errors-for-leak-kinds=definite --show-leak-kinds=definite --track-origins=yes \
  --num-callers=40 lua5.4 /usr/bin/busted -o plainTerminal
