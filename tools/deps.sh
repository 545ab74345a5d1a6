#!/usr/bin/env bash
# Installs the Debian/Ubuntu packages that `make demo` and `make test` need, when root;
# otherwise prints the exact command to run and stops.
set -euo pipefail

packages=(
  lua5.1 lua5.2 lua5.3 lua5.4 luajit
  liblua5.1-0-dev liblua5.2-dev liblua5.3-dev liblua5.4-dev libluajit-5.1-dev
  luarocks lua-busted lua-check valgrind graphviz
)

if ! command -v cargo >/dev/null; then
  echo "rcprobe is built with Rust: install a toolchain (https://rustup.rs, Rust >= 1.88) and rerun." >&2
  exit 1
fi

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "rcprobe needs these packages; run this, then make again:" >&2
  echo "  sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "Installing ${missing[*]}"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
