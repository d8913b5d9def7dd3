#!/bin/sh
# Builds the libFuzzer targets of the C core's pure parsers (clang, with ASan and UBSan) into build/fuzz/
# and runs each for FUZZ_SECONDS (default 60) seconds, starting from the seed corpus in fuzz/corpus/<target>/
# (read only; what libFuzzer finds goes to build/fuzz/corpus/<target>/). Prints executions per target;
# exits non-zero on the first crash, leak, timeout or failed check (the input is kept under build/fuzz/artifacts/).
#   sh fuzz/run.sh [target...]        targets: csv errmap headers redact json (default: all)
# json is the C JSON decoder (src/json.c), run in an embedded Lua 5.4 and compared with lua-cjson.
set -u
cd "$(dirname "$0")/.."
CLANG=${CLANG:-$(command -v clang-14 || command -v clang || echo clang)}
SECS=${FUZZ_SECONDS:-60}
OUT=build/fuzz
FLAGS="-g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
  -std=c99 -D_POSIX_C_SOURCE=200809L -Wall -Wextra -Werror -Isrc"
TARGETS=${*:-csv errmap headers redact json}
LUA_CFLAGS=$(pkg-config --cflags lua5.4 2>/dev/null || echo -I/usr/include/lua5.4)
LUA_LIBS=$(pkg-config --libs lua5.4 2>/dev/null || echo -llua5.4)

sources() {
  case $1 in
    csv) echo "src/csv.c src/buffer.c" ;;
    errmap) echo "src/errmap.c src/jsontext.c" ;;
    headers) echo "src/headers.c" ;;
    redact) echo "src/redact.c" ;;
    json) echo "src/json.c src/jsontext.c src/compat.c $LUA_CFLAGS $LUA_LIBS" ;;
    *) echo "unknown fuzz target: $1" >&2; exit 2 ;;
  esac
}

mkdir -p "$OUT/artifacts"
status=0
summary=""
for t in $TARGETS; do
  # shellcheck disable=SC2086
  if ! "$CLANG" $FLAGS -o "$OUT/fuzz_$t" "fuzz/fuzz_$t.c" $(sources "$t"); then
    echo "fuzz: cannot build fuzz_$t" >&2; exit 1
  fi
done
for t in $TARGETS; do
  mkdir -p "$OUT/corpus/$t"
  log="$OUT/$t.log"
  printf 'fuzz %-8s %s s ... ' "$t" "$SECS"
  # json: the Lua state keeps what a run allocated until its next collection, which libFuzzer's per-input
  # leak check would take for leaks (and re-run inputs for); json.c itself allocates nothing but Lua values.
  extra=""
  [ "$t" = json ] && extra="-detect_leaks=0"
  # shellcheck disable=SC2086
  "$OUT/fuzz_$t" -max_total_time="$SECS" -timeout=10 -rss_limit_mb=2048 -max_len=8192 -print_final_stats=1 $extra \
    -artifact_prefix="$OUT/artifacts/$t-" "$OUT/corpus/$t" "fuzz/corpus/$t" >"$log" 2>&1
  rc=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
  corpus=$(ls "$OUT/corpus/$t" | wc -l)
  if [ "$rc" -eq 0 ]; then
    echo "ok: ${execs:-?} executions (${rate:-?}/s), corpus $corpus, 0 crashes"
    summary="$summary
  $t: ${execs:-?} executions, 0 crashes"
  else
    echo "FAILED (exit $rc)"
    tail -n 40 "$log"
    status=1
    summary="$summary
  $t: FAILED after ${execs:-?} executions (see $log, $OUT/artifacts/)"
  fi
done
echo "fuzz summary ($SECS s each):$summary"
exit $status
