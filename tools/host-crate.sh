#!/usr/bin/env bash
# The README's "Testing a Rust host", as a host has it: a crate named `app` with the README's
# Cargo.toml lines (the `path` form, pointed at this checkout), examples/testing/app.rs as its
# src/lib.rs and the README's tests/sessions.rs. Its `cargo test` must fail as the README shows
# with `logout` as first written, and pass as the README shows once it is fixed.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
crate=build/host-crate

# The fenced blocks of the README's section "Testing a Rust host" whose first line is $1, one
# after another, without their fences.
readme_blocks() {
  awk -v first="$1" '
    /^## / { in_section = ($0 == "## Testing a Rust host") }
    in_section && /^```/ { if (open) { open = 0; keep = 0 } else { open = 1; start = 1 }; next }
    open && start { start = 0; keep = ($0 == first) }
    open && keep { print }
  ' README.md
}

# The README's toml block, and its test file (the block that starts with `// tests/sessions.rs`).
rm -rf "$crate"
mkdir -p "$crate/src" "$crate/tests"
{
  printf '[package]\nname = "app"\nversion = "0.1.0"\nedition = "2024"\n\n[workspace]\n\n'
  readme_blocks "[dependencies]" | sed "s|path = \"../rcprobe\"|path = \"$root\"|"
} > "$crate/Cargo.toml"
grep -q "path = \"$root\"" "$crate/Cargo.toml" || { echo "README: no rcprobe = { path = \"../rcprobe\", ... } line"; exit 1; }
readme_blocks "// tests/sessions.rs" > "$crate/tests/sessions.rs"
[ -s "$crate/tests/sessions.rs" ] || { echo "README: no block that starts with // tests/sessions.rs"; exit 1; }
cp Cargo.lock "$crate/" # the versions this checkout is tested with; --offline keeps them

# Runs the host crate's test with src/lib.rs from stdin; prints and returns its stdout.
host_test() {
  cat > "$crate/src/lib.rs"
  (cd "$crate" && RUST_BACKTRACE=0 cargo test --offline --test sessions \
    --target-dir "$root/target/host-crate" 2>/dev/null) | tee "$crate/test.out"
}

# Whether the README's block $1 (the Nth block that starts with `$ cargo test --test sessions`)
# is part of what cargo printed (a thread's id changes from run to run).
shows() { # n
  local block out
  block=$(readme_blocks '$ cargo test --test sessions' | awk -v n="$1" '
    /^\$ cargo test/ { count++; next } count == n' | sed -E "s/^(thread '[^']*') \([0-9]+\)/\1/")
  out=$(sed -E "s/^(thread '[^']*') \([0-9]+\)/\1/" "$crate/test.out")
  if [[ "$out" != *"$block"* ]]; then
    echo "The README's cargo test output #$1 is not what cargo printed:"
    diff <(echo "$block") <(echo "$out") || true
    return 1
  fi
}

echo "==> with logout as first written: the test fails"
if sed 's/install_with(lua, logout)$/install_with(lua, logout_as_first_written)/' examples/testing/app.rs | host_test; then
  echo "the test passed with the bug"
  exit 1
fi
shows 1
echo "==> with logout fixed: the test passes"
host_test < examples/testing/app.rs
shows 2
echo "the README's host crate fails and passes as the README shows"
