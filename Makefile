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

export LUA_PATH  := $(CURDIR)/lua/?.lua;$(CURDIR)/lua/?/init.lua;$(CURDIR)/?.lua;;
export LUA_CPATH := $(CURDIR)/build/$(LUA_VERSION)/?.so;;

.PHONY: all build luajit test spec lint demo clean deps rock-check

all: build
build: $(CORE)
luajit: $(CORE_JIT)

$(CORE): $(SRCS) $(HDRS) Makefile
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(WARN) $(PIC) $(LUA_INC) $(CURL_CFLAGS) -shared -o $@ $(SRCS) $(CURL_LIBS)

$(CORE_JIT): $(SRCS) $(HDRS) Makefile
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(WARN) $(PIC) $(LUAJIT_INC) $(CURL_CFLAGS) -shared -o $@ $(SRCS) $(CURL_LIBS)

# Installs the Debian packages the build, the tests and the demo need (as root, once).
deps:
	@sh .ci/deps

lint:
	luacheck -q .

# Only the busted specs (Lua 5.4), for a quick loop while developing.
spec: build
	$(BUSTED) spec

# Everything: lint, both builds, the LuaRocks install, every spec; ends with "N passed, N failed".
test: deps
	@LUA=$(LUA) sh tools/test-all.sh

rock-check: build
	sh tools/rock-check.sh

demo: deps build
	@sh examples/demo.sh

clean:
	rm -rf build
