#!/bin/sh
# LuaRocks checks, no network anywhere (--deps-mode=none).
#
#   sh tools/rock-check.sh [5.1|5.2|5.3|5.4]   installs the scm rockspec from this tree into a temporary
#                                              tree for that Lua (default 5.4, or $LUA_VERSION) and checks
#                                              that `require "batch"` works from that tree alone
#   sh tools/rock-check.sh lint                `luarocks lint` of both rockspecs; the versioned one has the
#                                              version of src/version.h, no source tag, and the same dependencies and build
#                                              table as the scm one (`sh tools/dist.sh rockspec` writes it
#                                              from the scm one); every module under lua/ is listed
#                                              (build.modules or build.install.lua), every src/*.c is a
#                                              source of batch.core
#   sh tools/rock-check.sh install             make install into a temporary PREFIX, the commands run from
#                                              there, make uninstall removes every file
#   sh tools/rock-check.sh dist                makes the source rock of the working tree (tools/dist.sh
#                                              --worktree) and builds it into a temporary tree
set -eu
cd "$(dirname "$0")/.."
what=${1:-${LUA_VERSION:-5.4}}
SCM=rockspecs/lua-batch-scm-1.rockspec
VERSION=$(sed -n 's/^#define BATCH_VERSION "\(.*\)"$/\1/p' src/version.h)
RELEASE=rockspecs/lua-batch-$VERSION-1.rockspec

# require_from TREE LUA_VERSION: loads batch and batch.core with only TREE and the system's modules
# (cjson) on the paths, and checks the C core came from TREE.
require_from() {
  tree=$1 v=$2
  env -u LUA_PATH_5_2 -u LUA_PATH_5_3 -u LUA_PATH_5_4 -u LUA_CPATH_5_2 -u LUA_CPATH_5_3 -u LUA_CPATH_5_4 \
    -u LUA_INIT -u LUA_INIT_5_2 -u LUA_INIT_5_3 -u LUA_INIT_5_4 \
    LUA_PATH="$tree/share/lua/$v/?.lua;$tree/share/lua/$v/?/init.lua;;" \
    LUA_CPATH="$tree/lib/lua/$v/?.so;;" \
    TREE="$tree" "lua$v" -e '
      local batch = require "batch"
      local core = require "batch.core"
      local found -- package.searchpath is 5.2+
      for pattern in package.cpath:gmatch("[^;]+") do
        local f = io.open((pattern:gsub("%?", "batch/core")), "rb")
        if f then f:close() found = pattern break end
      end
      assert(found and found:find(os.getenv("TREE"), 1, true), "batch.core not from the tree: " .. tostring(found))
      assert(type(batch.new) == "function")
      print("installed lua-batch " .. batch.VERSION .. " (" .. core.user_agent .. ")")
    '
}

# tools_from TREE: bin/batch and bin/batch-mock of TREE run with no LUA_PATH, from another folder; the
# emulator starts from its installed files and stops.
tools_from() {
  t=$1
  (cd / && env -u LUA_PATH -u LUA_CPATH -u LUA_PATH_5_4 -u LUA_CPATH_5_4 "$t/bin/batch" --version) ||
    { echo "$t/bin/batch does not run from its tree"; return 1; }
  (cd / && env -u LUA_PATH -u LUA_CPATH BATCH_MOCK_HOME="$t/mock-home" "$t/bin/batch-mock" start --background \
     --dir "$t/mock-run" >/dev/null 2>&1 && "$t/bin/batch-mock" stop --dir "$t/mock-run" >/dev/null 2>&1) ||
    { echo "$t/bin/batch-mock does not run from its tree"; return 1; }
  rm -rf "$t/mock-run" "$t/mock-home"
}

case $what in
lint)
  for r in "$SCM" "$RELEASE"; do
    [ -f "$r" ] || { echo "missing $r (src/version.h says $VERSION)"; exit 1; }
    luarocks lint "$r" || { echo "luarocks lint $r failed"; exit 1; }
  done
  # Both rockspecs are plain Lua assignments: compare them table by table.
  lua5.4 - "$SCM" "$RELEASE" "$VERSION" <<'EOF'
local function load_spec(path)
  local env = {}
  local chunk = assert(loadfile(path, "t", env))
  chunk()
  return env
end
local function same(a, b)
  if type(a) ~= "table" or type(b) ~= "table" then return a == b end
  for k, v in pairs(a) do if not same(v, b[k]) then return false end end
  for k in pairs(b) do if a[k] == nil then return false end end
  return true
end
local scm, rel, version = load_spec(arg[1]), load_spec(arg[2]), arg[3]
local bad = {}
if rel.version ~= version .. "-1" then bad[#bad + 1] = "version " .. tostring(rel.version) .. ", want " .. version .. "-1" end
if rel.source and rel.source.tag then bad[#bad + 1] = "source.tag names a tag `make dist` does not need" end
for _, k in ipairs{ "package", "rockspec_format", "description", "supported_platforms", "dependencies",
                    "external_dependencies", "build" } do
  if not same(scm[k], rel[k]) then bad[#bad + 1] = k .. " differs from the scm rockspec" end
end
-- Every module under lua/ is listed, and every listed file exists (files git ignores do not count).
local listed = {}
for name, src in pairs(scm.build.modules) do
  if type(src) == "string" then listed[src] = name end
end
for name, src in pairs(scm.build.install and scm.build.install.lua or {}) do listed[src] = name end
local p = assert(io.popen("git ls-files -co --exclude-standard 'lua/*.lua' 2>/dev/null || find lua -name '*.lua'"))
for file in p:lines() do
  if not listed[file] then bad[#bad + 1] = file .. " is not in build.modules (nor build.install.lua)" end
  listed[file] = nil
end
p:close()
-- The C core: the rockspec compiles what `make` compiles (every src/*.c).
local core = scm.build.modules["batch.core"]
for _, src in ipairs(type(core) == "table" and core.sources or {}) do listed[src] = "batch.core" end
p = assert(io.popen("git ls-files -co --exclude-standard 'src/*.c' 2>/dev/null || ls src/*.c"))
for file in p:lines() do
  if not listed[file] then bad[#bad + 1] = file .. " is not in the sources of batch.core" end
  listed[file] = nil
end
p:close()
for file in pairs(listed) do
  local f = io.open(file, "rb")
  if f then f:close() else bad[#bad + 1] = "the rockspec lists " .. file .. ", which does not exist" end
end
if #bad > 0 then
  io.stderr:write("rockspecs: " .. table.concat(bad, "; ") .. "\n(fix rockspecs/lua-batch-scm-1.rockspec, "
                  .. "then `sh tools/dist.sh rockspec` writes the versioned one from it)\n")
  os.exit(1)
end
print("rockspecs: lint clean, " .. arg[2] .. " matches " .. arg[1])
EOF
  ;;
dist)
  tree=$(mktemp -d)
  trap 'rm -rf "$tree"' EXIT
  # The rock `make dist` will make once this working tree is committed (dist.sh --worktree).
  DIST_DIR="$tree/dist" sh tools/dist.sh --worktree >"$tree/dist.log" 2>&1 || { cat "$tree/dist.log"; exit 1; }
  rock=$tree/dist/lua-batch-$VERSION-1.src.rock
  [ -f "$rock" ] || { echo "tools/dist.sh made no $rock"; exit 1; }
  # luarocks build unpacks the rock and builds the tree it holds (a git source is already fetched).
  (cd "$tree" && luarocks --lua-version=5.4 --tree="$tree/rocks" build --deps-mode=none "$rock") \
    >"$tree/build.log" 2>&1 || { cat "$tree/build.log"; exit 1; }
  require_from "$tree/rocks" 5.4
  ;;
5.1|5.2|5.3|5.4)
  tree=$(mktemp -d)
  trap 'rm -rf "$tree"' EXIT
  luarocks --lua-version="$what" --tree="$tree" make --deps-mode=none "$SCM" >"$tree/build.log" 2>&1 ||
    { cat "$tree/build.log"; exit 1; }
  require_from "$tree" "$what"
  # the installed commands work from the tree alone, without `luarocks path`
  tools_from "$tree"
  ;;
install)
  # make install PREFIX=<temporary>, the commands used from there, then make uninstall leaves no file
  prefix=$(mktemp -d)
  trap 'rm -rf "$prefix"' EXIT
  make -s install PREFIX="$prefix" >/dev/null
  require_from "$prefix" 5.4
  tools_from "$prefix"
  make -s uninstall PREFIX="$prefix" >/dev/null
  left=$(find "$prefix" -type f | head -n 5)
  [ -z "$left" ] || { echo "make uninstall left: $left"; exit 1; }
  echo "make install and uninstall: clean"
  ;;
*)
  echo "usage: $0 [5.1|5.2|5.3|5.4|lint|dist|install]" >&2
  exit 2
  ;;
esac
