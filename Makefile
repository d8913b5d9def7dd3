# lua-batch build. `make` builds the C core for Lua 5.4; `make test` runs lint, build and every spec.
LUA          ?= lua5.4
LUA_VERSION  ?= 5.4
LUA_INC      ?= $(shell pkg-config --cflags lua$(LUA_VERSION) 2>/dev/null || echo -I/usr/include/lua$(LUA_VERSION))
LUAJIT_INC   ?= -I/usr/include/luajit-2.1
CURL_CFLAGS  ?= $(shell pkg-config --cflags libcurl)
CURL_LIBS    ?= $(shell pkg-config --libs libcurl)
CC           ?= cc
CFLAGS       ?= -O2 -g
WARN         := -std=c99 -Wall -Wextra -Werror -pedantic -Wno-overlength-strings
PIC          := -fPIC -D_POSIX_C_SOURCE=200809L
SRCS         := $(wildcard src/*.c)
HDRS         := $(wildcard src/*.h)
BUSTED       ?= busted --lua=$(LUA)

CORE         := build/$(LUA_VERSION)/batch/core.so
CORE_JIT     := build/luajit/batch/core.so
# `make test-matrix`: the C core for each of these Lua versions (build/<v>/batch/core.so) and LuaJIT, and the
# whole spec suite under each interpreter (the busted tasks of .busted: lua51 ... lua54, luajit).
MATRIX_VERSIONS ?= 5.1 5.2 5.3 5.4
MATRIX_CORES := $(foreach v,$(MATRIX_VERSIONS),build/$(v)/batch/core.so)
MATRIX_TASKS ?= $(foreach v,$(MATRIX_VERSIONS),lua$(subst .,,$(v))) luajit
# The Lua headers of version $(1): LUA_INC for LUA_VERSION (overridable), pkg-config's for the others.
lua_inc = $(if $(filter $(1),$(LUA_VERSION)),$(LUA_INC),$(shell pkg-config --cflags lua$(1) 2>/dev/null || echo -I/usr/include/lua$(1)))

export LUA_PATH  := $(CURDIR)/lua/?.lua;$(CURDIR)/lua/?/init.lua;$(CURDIR)/?.lua;;
export LUA_CPATH := $(CURDIR)/build/$(LUA_VERSION)/?.so;;

.PHONY: all build luajit test spec lint demo docs clean deps rock-check matrix-build test-matrix dist bench \
        install uninstall help format format-check

all: build  ## the same as build
build: $(CORE)  ## the C core for Lua 5.4 (LUA_VERSION=5.N for another): build/5.4/batch/core.so
luajit: $(CORE_JIT)  ## the C core for LuaJIT (nginx): build/luajit/batch/core.so

# build/5.1/batch/core.so ... build/5.4/batch/core.so, each against its own Lua headers.
build/5.%/batch/core.so: $(SRCS) $(HDRS) Makefile
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(WARN) $(PIC) $(call lua_inc,5.$*) $(CURL_CFLAGS) -shared -o $@ $(SRCS) $(CURL_LIBS)

$(CORE_JIT): $(SRCS) $(HDRS) Makefile
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(WARN) $(PIC) $(LUAJIT_INC) $(CURL_CFLAGS) -shared -o $@ $(SRCS) $(CURL_LIBS)

# Installs the Debian packages the build, the tests and the demo need (as root, once).
deps:  ## install the Debian packages the build, the tests and the demo need (as root, once)
	@sh .ci/deps

lint: format-check  ## luacheck of every Lua file, and the C files' layout
	luacheck -q .

C_LAYOUT_FILES = src/*.c src/*.h fuzz/*.c bench/*.c bench/*.h
format:  ## lay out the C files by .clang-format
	clang-format -i $(C_LAYOUT_FILES)

format-check:  ## fail when a C file is not laid out as .clang-format says
	clang-format --dry-run --Werror $(C_LAYOUT_FILES)

# Only the busted specs (Lua 5.4), for a quick loop while developing.
spec: build  ## the busted specs under Lua 5.4 only, for a quick loop
	$(BUSTED) spec

# Everything: lint, both builds, the LuaRocks install, every spec; ends with "N passed, N failed".
test: deps  ## everything CI runs: lint, builds, LuaRocks checks, every spec under each Lua, soak, ASan, valgrind, fuzz
	@LUA=$(LUA) sh tools/test-all.sh

# The C core for every Lua of the matrix, then every spec under each (see .busted); stops at nothing,
# fails if any suite failed. `make test` runs the same suites and counts their tests.
matrix-build: $(MATRIX_CORES) $(CORE_JIT)  ## the C core for Lua 5.1 to 5.4 and LuaJIT

test-matrix: matrix-build  ## every spec under each Lua of the matrix
	@status=0; for t in $(MATRIX_TASKS); do \
	  echo "== busted --run=$$t"; busted --run=$$t -o utfTerminal || status=1; \
	done; exit $$status

rock-check: build  ## install the scm rockspec into a temporary tree and use it from there
	sh tools/rock-check.sh $(LUA_VERSION)

# The source rock of the versioned rockspec, from a clean `git archive` of HEAD (no network): dist/.
dist:  ## the source rock of HEAD into dist/ (no network)
	sh tools/dist.sh

# The benchmarks of bench/ against the emulator, over HTTPS on 127.0.0.1 (a few minutes; not part of
# `make test`): prints a table with the targets met or missed and writes bench/results.json.
bench: build luajit build/bench/floor build/bench/floor_many build/bench/rows_floor  ## the benchmarks (minutes; not in make test): bench/results.json
	@sh bench/deps.sh
	$(LUA) bench/run.lua

# The raw libcurl loop the sequential benchmark compares against.
build/bench/floor: bench/floor.c bench/floor.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(WARN) -D_POSIX_C_SOURCE=200809L $(CURL_CFLAGS) -o $@ bench/floor.c $(CURL_LIBS)

# The raw libcurl multi loop the scale benchmark (b) compares against.
build/bench/floor_many: bench/floor_many.c bench/floor.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(WARN) -D_POSIX_C_SOURCE=200809L $(CURL_CFLAGS) -o $@ bench/floor_many.c $(CURL_LIBS)

# What Lua 5.4 itself spends building rows as tables (section d's floor; no parsing, no I/O).
build/bench/rows_floor: bench/rows_floor.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(WARN) -D_POSIX_C_SOURCE=200809L $(LUA_INC) -o $@ bench/rows_floor.c -llua$(LUA_VERSION)

demo: deps build  ## the command line against the bundled emulator: a campaign, a CSV export end to end
	@sh examples/demo.sh

# The API reference (LDoc, from docs/api.lua and config.ld) into docs/api/ (generated, not committed).
docs: deps  ## the API reference (LDoc) into docs/api/index.html
	rm -rf docs/api
	ldoc .

clean:  ## remove build/, dist/ and docs/api/
	rm -rf build dist docs/api

# ---- Reliability: fault soak, sanitizers, fuzzing (SECURITY.md; each ends "<name>: ..." and fails on a report)
# `make soak`: SOAK_CALLS mixed calls against the emulator with 10% injected faults; a summary table.
SOAK_CALLS ?= 20000
soak: build  ## SOAK_CALLS (20000) mixed calls under 10% injected faults: every outcome named, RSS flat
	SOAK_CALLS=$(SOAK_CALLS) $(LUA) soak/soak.lua

# `make asan`: the C core with AddressSanitizer and UBSan (build/asan/batch/core.so), the spec suite and a
# short soak against it, libasan preloaded into $(LUA), leak detection on (tools/sanitizers.sh).
ASAN_CORE    := build/asan/batch/core.so
ASAN_CFLAGS  ?= -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
$(ASAN_CORE): $(SRCS) $(HDRS) Makefile
	@mkdir -p $(dir $@)
	$(CC) $(ASAN_CFLAGS) $(WARN) $(PIC) $(LUA_INC) $(CURL_CFLAGS) -shared -o $@ $(SRCS) $(CURL_LIBS)

asan: $(ASAN_CORE)  ## the specs and a soak against the C core built with ASan and UBSan
	@LUA=$(LUA) CC=$(CC) sh tools/sanitizers.sh asan

# `make valgrind`: the C-heavy specs under valgrind --leak-check=full --error-exitcode=1.
valgrind: build  ## the C-heavy specs under valgrind --leak-check=full
	@LUA=$(LUA) sh tools/sanitizers.sh valgrind

# `make fuzz`: the libFuzzer targets of fuzz/ (clang, ASan + UBSan), FUZZ_SECONDS each: the C parsers, the
# JSON decoder under Lua 5.4's, 5.1's and LuaJIT's stack limits, the ngx socket engine's reader in LuaJIT.
FUZZ_SECONDS ?= 60
fuzz:  ## each libFuzzer target for FUZZ_SECONDS (60), under Lua 5.4, 5.1 and LuaJIT
	@FUZZ_SECONDS=$(FUZZ_SECONDS) sh fuzz/run.sh

.PHONY: soak asan valgrind fuzz

# ---- Installing without LuaRocks (tools/install.sh): PREFIX (default /usr/local), DESTDIR, LUA_VERSION
PREFIX ?= /usr/local
install: build  ## the modules, the C core, bin/batch, bin/batch-mock, the emulator and completions into PREFIX
	@PREFIX=$(PREFIX) DESTDIR=$(DESTDIR) LUA_VERSION=$(LUA_VERSION) sh tools/install.sh install

uninstall:  ## remove what make install put into PREFIX
	@PREFIX=$(PREFIX) DESTDIR=$(DESTDIR) LUA_VERSION=$(LUA_VERSION) sh tools/install.sh uninstall

help:  ## this list
	@sed -n 's/^\([a-z][a-z-]*\):[^#]*## \(.*\)$$/\1\t\2/p' $(MAKEFILE_LIST) | expand -t 14
