#!/bin/sh
# Builds the libFuzzer targets (clang, with ASan and UBSan) into build/fuzz/ and runs each for FUZZ_SECONDS
# (default 60) seconds, starting from the seed corpus in fuzz/corpus/<corpus>/ (read only; what libFuzzer
# finds goes to build/fuzz/corpus/<target>/). Prints executions per target and interpreter; exits non-zero
# on a crash, leak, timeout or failed check (the input is kept under build/fuzz/artifacts/).
#   sh fuzz/run.sh [target...]
# Targets (default: all):
#   csv headers redact       the pure C parsers (src/csv.c, src/headers.c, src/redact.c)
#   json-5.4 json-5.1 json-luajit
#                            the C JSON decoder (src/json.c) run as core.json_decode in an embedded Lua 5.4,
#                            5.1 or LuaJIT (each one's stack limits), compared with lua-cjson
#   ngx-reader-luajit        the ngx socket engine's response reader (lua/batch/transport/ngx_socket.lua) in LuaJIT
set -u
cd "$(dirname "$0")/.."
CLANG=${CLANG:-$(command -v clang-14 || command -v clang || echo clang)}
SECS=${FUZZ_SECONDS:-60}
OUT=build/fuzz
FLAGS="-g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
  -std=c99 -D_POSIX_C_SOURCE=200809L -Wall -Wextra -Werror -Isrc"
TARGETS=${*:-csv headers redact json-5.4 json-5.1 json-luajit ngx-reader-luajit}
LUAJIT_CFLAGS=$(pkg-config --cflags luajit 2>/dev/null || echo -I/usr/include/luajit-2.1)
LUAJIT_LIBS=$(pkg-config --libs luajit 2>/dev/null || echo -lluajit-5.1)

# lua_flags VERSION: the headers and library of Lua 5.4 or 5.1.
lua_flags() {
  echo "$(pkg-config --cflags "lua$1" 2>/dev/null || echo "-I/usr/include/lua$1")" \
       "$(pkg-config --libs "lua$1" 2>/dev/null || echo "-llua$1")"
}

# The harness and the sources of a target.
sources() {
  case $1 in
    csv) echo "fuzz/fuzz_csv.c src/csv.c src/buffer.c" ;;
    headers) echo "fuzz/fuzz_headers.c src/headers.c" ;;
    redact) echo "fuzz/fuzz_redact.c src/redact.c" ;;
    json-5.4|json-5.1) echo "fuzz/fuzz_json.c src/json.c $(lua_flags "${1#json-}")" ;;
    json-luajit) echo "fuzz/fuzz_json.c src/json.c $LUAJIT_CFLAGS $LUAJIT_LIBS" ;;
    ngx-reader-luajit) echo "fuzz/fuzz_ngx_reader.c $LUAJIT_CFLAGS $LUAJIT_LIBS" ;;
    *) echo "unknown fuzz target: $1" >&2; exit 2 ;;
  esac
}

# The seed corpus of a target (one per parser, shared by the interpreters).
corpus_of() {
  case $1 in
    json-*) echo json ;;
    ngx-reader-*) echo ngx-reader ;;
    *) echo "$1" ;;
  esac
}

mkdir -p "$OUT/artifacts"
case " $TARGETS " in
  *" ngx-reader-luajit "*) make -s luajit || exit 1 ;; # the reader needs batch.core (core.http_head)
esac
status=0
summary=""
for t in $TARGETS; do
  src=$(sources "$t") || exit 2
  # shellcheck disable=SC2086
  if ! "$CLANG" $FLAGS -o "$OUT/fuzz_$t" $src; then
    echo "fuzz: cannot build fuzz_$t" >&2; exit 1
  fi
done
for t in $TARGETS; do
  seeds=fuzz/corpus/$(corpus_of "$t")
  mkdir -p "$OUT/corpus/$t"
  log="$OUT/$t.log"
  printf 'fuzz %-18s %s s ... ' "$t" "$SECS"
  # The targets that run Lua: a Lua state keeps what a run allocated until its next collection, which
  # libFuzzer's per-input leak check would take for leaks (and re-run inputs for); the C they test
  # allocates nothing but Lua values. The JSON seeds include a 34 KB document (127 nested objects of 32
  # members, as deep and wide as allowed): its max_len is larger.
  extra="-max_len=8192"
  case $t in
    json-*) extra="-detect_leaks=0 -max_len=65536" ;;
    ngx-reader-*) extra="-detect_leaks=0 -max_len=16384" ;;
  esac
  # shellcheck disable=SC2086
  "$OUT/fuzz_$t" -max_total_time="$SECS" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 $extra \
    -artifact_prefix="$OUT/artifacts/$t-" "$OUT/corpus/$t" "$seeds" >"$log" 2>&1
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
  $t: FAILED after ${execs:-?} executions, 1 crash (see $log, $OUT/artifacts/)"
  fi
done
echo "fuzz summary ($SECS s each):$summary"
exit $status
