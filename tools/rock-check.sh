#!/bin/sh
# Installs the scm rockspec from this tree into a temporary LuaRocks tree (no network: --deps-mode=none)
# and checks that `require "batch"` works from that tree alone.
set -eu
cd "$(dirname "$0")/.."
LUA_VERSION=${LUA_VERSION:-5.4}
LUA=${LUA:-lua$LUA_VERSION}
tree=$(mktemp -d)
trap 'rm -rf "$tree"' EXIT
luarocks --lua-version="$LUA_VERSION" --tree="$tree" make --deps-mode=none rockspecs/lua-batch-scm-1.rockspec >"$tree/build.log" 2>&1 ||
  { cat "$tree/build.log"; exit 1; }
# Only the temporary tree and the system's own modules (cjson) are on the path.
LUA_PATH="$tree/share/lua/$LUA_VERSION/?.lua;$tree/share/lua/$LUA_VERSION/?/init.lua;;" \
LUA_CPATH="$tree/lib/lua/$LUA_VERSION/?.so;;" \
  TREE="$tree" "$LUA" -e '
    local batch = require "batch"
    local core = require "batch.core"
    assert(package.searchpath("batch.core", package.cpath):find(os.getenv("TREE"), 1, true), "core not from the tree")
    assert(type(batch.new) == "function")
    print("installed lua-batch " .. batch.VERSION .. " (" .. core.user_agent .. ")")
  ' 
