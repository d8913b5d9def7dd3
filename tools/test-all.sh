#!/bin/sh
# Runs every test suite of `make test` and ends with one line: "N passed, N failed" (totals of all suites).
# Each check that is not a busted spec (lint, builds, the LuaRocks install) counts as one test.
# Exits non-zero when anything failed.
set -u
cd "$(dirname "$0")/.."
LUA=${LUA:-lua5.4}
passed=0
failed=0
failures=""

# check NAME COMMAND...: one pass or one fail.
check() {
  name=$1; shift
  printf '== %s\n' "$name"
  if "$@"; then passed=$((passed + 1)); else failed=$((failed + 1)); failures="$failures $name"; fi
}

# spec_suite NAME BUSTED-ARGS...: counts busted's successes, and its failures plus errors.
spec_suite() {
  name=$1; shift
  printf '== %s\n' "$name"
  out=$(mktemp)
  busted "$@" 2>&1 | tee "$out"
  summary=$(sed 's/\x1b\[[0-9;]*m//g' "$out" | grep -E '^[0-9]+ successes? / [0-9]+ failures? / [0-9]+ errors?' | tail -n 1)
  rm -f "$out"
  if [ -z "$summary" ]; then
    echo "$name: busted printed no summary (it crashed)"; failed=$((failed + 1)); failures="$failures $name"; return
  fi
  ok=$(echo "$summary" | sed -E 's/^([0-9]+) success.*/\1/')
  ko=$(echo "$summary" | sed -E 's/.* ([0-9]+) failures? \/ ([0-9]+) errors?.*/\1 \2/' | awk '{print $1 + $2}')
  passed=$((passed + ok)); failed=$((failed + ko))
  [ "$ko" -eq 0 ] || failures="$failures $name"
}

check lint luacheck -q .
check c-format make -s format-check
check build-lua5.4 make -s build
check build-luajit make -s luajit
# The portability matrix (`make test-matrix`): the C core built for each Lua, every spec under each.
for v in 5.1 5.2 5.3; do
  check "build-lua$v" make -s "build/$v/batch/core.so"
done
check luarocks-install sh tools/rock-check.sh 5.4
check luarocks-install-5.1 sh tools/rock-check.sh 5.1
check luarocks-lint sh tools/rock-check.sh lint
check luarocks-dist sh tools/rock-check.sh dist
check make-install sh tools/rock-check.sh install
spec_suite spec-lua5.4 --lua="$LUA" -o utfTerminal spec
spec_suite spec-lua5.1 --run=lua51 -o utfTerminal
spec_suite spec-lua5.2 --run=lua52 -o utfTerminal
spec_suite spec-lua5.3 --run=lua53 -o utfTerminal
spec_suite spec-luajit --run=luajit -o utfTerminal
# Reliability (SECURITY.md): a short fault soak, the C core under ASan+UBSan and under valgrind, and a short
# run of each libFuzzer target (`make soak`, `make asan`, `make valgrind`, `make fuzz` run the long forms).
check soak-short make -s soak SOAK_CALLS=2000
check asan make -s asan
check valgrind make -s valgrind
check fuzz-short make -s fuzz FUZZ_SECONDS=10

[ -n "$failures" ] && echo "failed suites:$failures"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
