#!/bin/sh
# `make demo`: starts the bundled emulator, runs the campaigns example against it, stops it.
set -eu
cd "$(dirname "$0")/.."
dir=$(mktemp -d)
trap 'bin/batch-mock stop --dir "$dir" >/dev/null 2>&1 || true; rm -rf "$dir"' EXIT INT TERM
url=$(bin/batch-mock start --background --dir "$dir")
echo "emulator at $url" >&2
set -a
. "$dir/mock.env"
set +a
LUA_PATH="$PWD/lua/?.lua;$PWD/lua/?/init.lua;;" LUA_CPATH="$PWD/build/5.4/?.so;;" lua5.4 examples/campaigns.lua
