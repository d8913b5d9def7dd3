/*
 * libFuzzer target for the response reader of the "ngx" transport's socket engine (read_response over its
 * Reader, lua/batch/transport/ngx_socket.lua), in an embedded LuaJIT (the Lua of nginx). A stand-in socket hands the
 * answer out in cuts of random sizes (receiveany), then "closed" or "timeout". The reader must never
 * raise: it gives status, headers, body, keep (a body within the limit), or nil and error fields
 * { kind, message } (a transport failure's).
 *
 * The input: byte 1 picks the method (bit 0: HEAD), the body limit (bits 1-2) and how the socket ends
 * (bit 7: "timeout", else "closed"); bytes 2-3 seed the cut sizes; the rest is what the server sends.
 *
 * Only this C file is instrumented, not the Lua code under test: a line hook gives libFuzzer its coverage
 * instead, one extra counter per (previous line, line) pair (libFuzzer reads the counters of the
 * __libfuzzer_extra_counters section). LuaJIT runs hooked code in its interpreter.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

/* The module under test: one edit when it moves (batch.transport.ngx_socket in the new layout). */
#define READER_MODULE "batch.transport.ngx_socket"

#define COUNTERS 8192

static lua_State *L;
__attribute__((used, section("__libfuzzer_extra_counters"))) static uint8_t counters[COUNTERS];
static int prev_line;

/* The line hook: counts the edge from the previous line to this one. */
static void on_line(lua_State *L1, lua_Debug *ar)
{
    (void)L1;
    counters[((unsigned)ar->currentline * 31u + (unsigned)prev_line) % COUNTERS]++;
    prev_line = ar->currentline;
}

/* Closes the state at exit (LeakSanitizer does not look into LuaJIT's own heap). */
static void close_state(void)
{
    lua_close(L);
}

static const char *DRIVER =
    "local mod = require(...)\n"
    "local Reader, read_response = mod.Reader, mod.read_response\n"
    "local LIMITS = { 16, 1024, 65536, 1024 * 1024 }\n"
    "local floor, type, setmetatable = math.floor, type, setmetatable\n"
    "return function(data)\n"
    "  local b1, b2, b3 = data:byte(1, 3)\n"
    "  b1, b2, b3 = b1 or 0, b2 or 0, b3 or 0\n"
    "  local text, pos, seed = data:sub(4), 1, b2 * 256 + b3\n"
    "  local req = { method = b1 % 2 == 1 and 'HEAD' or 'GET' }\n"
    "  local limit = LIMITS[floor(b1 / 2) % 4 + 1]\n"
    "  local ending = b1 >= 128 and 'timeout' or 'closed'\n"
    "  local sock = { settimeout = function() end }\n"
    "  function sock.receiveany(_, max)\n"
    "    if pos > #text then return nil, ending end\n"
    "    seed = (seed * 1103515245 + 12345) % 2147483648\n"
    "    local n = seed % 8 == 0 and 65536 or seed % 97 + 1\n" /* mostly small cuts, sometimes all */
    "    if n > max then n = max end\n"
    "    local piece = text:sub(pos, pos + n - 1)\n"
    "    pos = pos + n\n"
    "    return piece\n"
    "  end\n"
    "  local clock = 0\n"
    "  local r = setmetatable({ sock = sock, buf = '', pos = 1, deadline = 1e9, url = 'https://api.example',\n"
    "                           now = function() clock = clock + 0.001 return clock end }, Reader)\n"
    "  local status, headers, body, keep = read_response(r, req, limit)\n"
    "  if status == nil then\n"
    "    assert(type(headers) == 'table', 'no error fields')\n"
    "    assert(type(headers.kind) == 'string' and type(headers.message) == 'string', 'error without kind or message')\n"
    "  else\n"
    "    assert(type(status) == 'number' and status >= 200 and status <= 999, 'status ' .. tostring(status))\n"
    "    assert(type(headers) == 'table' and type(body) == 'string' and type(keep) == 'boolean', 'a malformed response')\n"
    "    assert(#body <= limit, 'a body over the limit')\n"
    "  end\n"
    "end\n";

/* One LuaJIT state for the run: the module loaded, the driver as the global `drive`. */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    L = luaL_newstate();
    atexit(close_state);
    luaL_openlibs(L);
    /* run.sh runs the fuzzer from the repository's root, with the LuaJIT build of the C core made (the
     * reader reads heads with core.http_head) */
    if (luaL_dostring(L,
                      "package.path = './lua/?.lua;./lua/?/init.lua;' .. package.path "
                      "package.cpath = './build/luajit/?.so;' .. package.cpath")
        || luaL_loadstring(L, DRIVER)) {
        fprintf(stderr, "fuzz_ngx_reader: %s\n", lua_tostring(L, -1));
        abort();
    }
    lua_pushliteral(L, READER_MODULE);
    if (lua_pcall(L, 1, 1, 0) != 0) {
        fprintf(stderr, "fuzz_ngx_reader: %s\n", lua_tostring(L, -1));
        abort();
    }
    lua_setglobal(L, "drive");
    return 0;
}

/* Feeds one input to read_response under the line hook; a raise is a crash. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static unsigned runs;
    int rc;
    lua_getglobal(L, "drive");
    lua_pushlstring(L, (const char *)data, size);
    prev_line = 0;
    lua_sethook(L, on_line, LUA_MASKLINE, 0);
    rc = lua_pcall(L, 1, 0, 0);
    lua_sethook(L, NULL, 0, 0);
    if (rc != 0) {
        fprintf(stderr, "fuzz_ngx_reader: read_response raised: %s\n", lua_tostring(L, -1));
        abort();
    }
    if (++runs % 1024 == 0)
        lua_gc(L, LUA_GCCOLLECT, 0);
    return 0;
}
