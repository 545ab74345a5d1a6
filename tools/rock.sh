#!/usr/bin/env bash
# Builds the rock with luarocks and installs it into .rocks/<interpreter>, for one of
# lua5.1 lua5.2 lua5.3 lua5.4 luajit. `tools/rock.sh env <interpreter>` prints the
# environment that makes `require("rcprobe")` find that rock.
set -euo pipefail
cd "$(dirname "$0")/.."

luarocks_args() {
  case "$1" in
    luajit) echo "--lua-version=5.1 --tree .rocks/luajit" ;;
    lua5.[1-4]) echo "--lua-version=${1#lua} --tree .rocks/$1" ;;
    *) echo "unknown interpreter: $1" >&2; exit 2 ;;
  esac
}

if [ "$1" = env ]; then
  # shellcheck disable=SC2046
  luarocks $(luarocks_args "$2") path
  exit 0
fi

interpreter=$1
extra=()
if [ "$interpreter" = luajit ]; then
  extra=(LUA=/usr/bin/luajit LUA_INCDIR=/usr/include/luajit-2.1)
fi
# shellcheck disable=SC2046
luarocks $(luarocks_args "$interpreter") make rcprobe-scm-1.rockspec "${extra[@]}"
