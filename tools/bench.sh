#!/usr/bin/env bash
# `make bench`: builds rcprobe with its `bench` feature (baselines from the same crate and a
# Rust heap counter) for each interpreter, runs bench/bench.lua under it, and writes
# bench/results.md. Every ratio compares two things measured in the same run.
set -euo pipefail
cd "$(dirname "$0")/.."

INTERPRETERS=(${RCPROBE_BENCH_LUAS:-lua5.4 luajit lua5.1 lua5.2 lua5.3})
out=build/bench
mkdir -p "$out"

feature_of() { # interpreter -> cargo feature
  case "$1" in luajit) echo luajit ;; lua5.*) echo "lua5${1#lua5.}" ;; esac
}

version_of() {
  case "$1" in luajit) luajit -v ;; *) "$1" -v 2>&1 ;; esac | head -1
}

tables=()
loads=()
started=$SECONDS
for interpreter in "${INTERPRETERS[@]}"; do
  feature=$(feature_of "$interpreter")
  echo "==> $interpreter: building the bench feature" >&2
  cargo build --release --locked --features "$feature,module,bench" --target-dir "target/bench-$feature" >&2
  mkdir -p "$out/$interpreter"
  cp "target/bench-$feature/release/librcprobe.so" "$out/$interpreter/rcprobe.so"
  echo "==> $interpreter: running bench/bench.lua" >&2
  # Other work on the machine inflates every time; the load average says how busy it was.
  loads+=("$(cut -d' ' -f1 /proc/loadavg)")
  table=$(LUA_CPATH="$out/$interpreter/?.so" LUA_PATH="lua/?.lua;;" "$interpreter" bench/bench.lua)
  echo "$table" >&2
  tables+=("$table")
done

{
  echo "# Benchmark results"
  echo
  echo "Written by \`make bench\` (tools/bench.sh); how to read it: bench/README.md."
  echo
  echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "- rcprobe: $(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1), $(rustc --version)"
  echo "- machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(uname -sr)"
  echo "- took: $(( (SECONDS - started + 30) / 60 )) min, builds included"
  for i in "${!INTERPRETERS[@]}"; do
    echo "- ${INTERPRETERS[$i]}: $(version_of "${INTERPRETERS[$i]}") (load average ${loads[$i]} as it started, on $(nproc) cores)"
  done
  echo
  for table in "${tables[@]}"; do
    echo "$table"
    echo
  done
} > bench/results.md
echo "bench/results.md written" >&2
