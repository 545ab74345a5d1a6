#!/usr/bin/env bash
# `make docs`: writes again, from real runs, everything the README shows from the examples:
#   examples/<name>.out         what each Rust example prints (Lua 5.4, vendored), and what
#                               examples/growth.lua prints on the stock lua5.4 with the rock
#   examples/<name>.lua51.out   the same on LuaJIT, where it differs: 5.1 and LuaJIT count a
#                               table more per userdata in a census (tests/examples.rs says why)
#   docs/<name>.dot, .svg       rcprobe.paths.dot of the article's case and of the button cycle,
#                               drawn by Graphviz
# tests/examples.rs fails when any of them is stale, and tests/readme.rs when the README's
# blocks no longer show them: update the README by hand then.
set -euo pipefail
cd "$(dirname "$0")/.."

FEATURES=lua54,vendored
TARGET=target/vendored-lua54
EXAMPLES=(article button event_bus entities testing)
PICTURES=(article button)

# Writes examples/<name>.lua51.out from the LuaJIT run in file $2 where it differs from
# examples/<name>.out, and removes it where it does not.
lua51_out() { # name file
  if cmp -s "$2" "examples/$1.out"; then
    rm -f "examples/$1.lua51.out" "$2"
  else
    mv "$2" "examples/$1.lua51.out"
    echo "examples/$1.lua51.out"
  fi
}

mkdir -p docs build
cargo build --locked --examples --features "$FEATURES" --target-dir "$TARGET"
cargo build --locked --examples --features luajit,vendored --target-dir target/vendored-luajit
for name in "${EXAMPLES[@]}"; do
  "$TARGET/debug/examples/$name" > "examples/$name.out"
  echo "examples/$name.out"
  target/vendored-luajit/debug/examples/"$name" > "build/$name.luajit.out"
  lua51_out "$name" "build/$name.luajit.out"
done

for name in "${PICTURES[@]}"; do
  "$TARGET/debug/examples/$name" --dot > "docs/$name.dot"
  dot -Tsvg "docs/$name.dot" > "docs/$name.svg" # as tests/examples.rs
  echo "docs/$name.dot docs/$name.svg"
done

growth() { # interpreter output
  tools/rock.sh "$1" > "build/docs-rock-$1.log" 2>&1 || { cat "build/docs-rock-$1.log"; exit 1; }
  (eval "$(tools/rock.sh env "$1")" && "$1" examples/growth.lua) > "$2"
}
growth lua5.4 examples/growth.out
echo examples/growth.out
growth luajit build/growth.luajit.out
lua51_out growth build/growth.luajit.out
