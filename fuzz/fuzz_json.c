/*
 * libFuzzer target for the C JSON decoder that reads every API response (src/json.c), built three times:
 * against Lua 5.4, Lua 5.1 and LuaJIT (fuzz/run.sh), so that it runs under each interpreter's stack limits
 * (5.1 and LuaJIT give a C function about 8000 slots, 5.4 a million). The input is the JSON text; it goes
 * through core.json_decode as Lua calls it (a C function under lua_pcall). Checks, beyond the sanitizers:
 * - it never raises (a raise is how the Lua stack overflowed): a value, or nil and a message;
 * - the stack is balanced (one value, or nil and why);
 * - differentially, whenever json.c accepts a text, lua-cjson accepts it too and gives the same value
 *   (json.c's conventions aside: JSON null is nil, whole numbers are integers on 5.3+; texts with a NUL
 *   byte, which lua-cjson reads only up to, are left out of the comparison).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

/* Where Debian keeps this Lua's lua-cjson (LuaJIT loads the 5.1 one). */
#if LUA_VERSION_NUM >= 504
#define CJSON_CPATH "/usr/lib/x86_64-linux-gnu/lua/5.4/?.so"
#else
#define CJSON_CPATH "/usr/lib/x86_64-linux-gnu/lua/5.1/?.so"
#endif

static lua_State *L;

/* same(mine, text): cjson's reading of text must match json.c's. Returns true, or false and why. */
static const char *CHECK =
    "local cjson = require 'cjson'\n"
    "local codec = cjson.new()\n"
    "codec.decode_max_depth(1000)\n"
    "local null = codec.null\n"
    "local mtype = math.type or function() return 'float' end\n"
    "local function same(a, b, path)\n"
    "  if b == null then return a == nil, path .. ': null is not nil' end\n"
    "  if type(b) == 'number' then\n"
    "    if type(a) ~= 'number' then return false, path .. ': not a number' end\n"
    "    if b ~= b then return a ~= a, path .. ': NaN' end\n"
    "    if mtype(a) == 'integer' and mtype(b) == 'float' then\n"
    "      return a + 0.0 == b, path .. ': ' .. tostring(a) .. ' vs ' .. tostring(b) end\n"
    "    return a == b, path .. ': ' .. tostring(a) .. ' vs ' .. tostring(b)\n"
    "  end\n"
    "  if type(b) ~= 'table' then return a == b, path .. ': ' .. tostring(a) .. ' vs ' .. tostring(b) end\n"
    "  if type(a) ~= 'table' then return false, path .. ': not a table' end\n"
    "  for k, v in pairs(b) do\n"
    "    local ok, why = same(a[k], v, path .. '.' .. tostring(k))\n"
    "    if not ok then return false, why end\n"
    "  end\n"
    "  for k in pairs(a) do if b[k] == nil then return false, path .. ': extra key ' .. tostring(k) end end\n"
    "  return true\n"
    "end\n"
    "return function(mine, text)\n"
    "  local ok, theirs = pcall(codec.decode, text)\n"
    "  if not ok then return false, 'cjson refuses what json.c accepts: ' .. tostring(theirs) end\n"
    "  return same(mine, theirs, '$')\n"
    "end\n";

/* At exit the state is closed, so what its values own is freed: LeakSanitizer does not look into LuaJIT's
 * own heap, so lua-cjson's buffers would look leaked. */
static void close_state(void)
{
    lua_close(L);
}

/* One Lua state for the run: core.json_decode as a global, and the comparison with lua-cjson. */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    L = luaL_newstate();
    atexit(close_state);
    luaL_openlibs(L);
    lua_newtable(L);
    json_open(L); /* core.json_decode, as the module sets it */
    lua_getfield(L, -1, "json_decode");
    lua_setglobal(L, "json_decode");
    lua_pop(L, 1);
    if (luaL_dostring(L, "package.cpath = '" CJSON_CPATH ";' .. package.cpath") || luaL_loadstring(L, CHECK)
        || lua_pcall(L, 0, 1, 0)) {
        fprintf(stderr, "fuzz_json: %s\n", lua_tostring(L, -1));
        abort();
    }
    lua_setglobal(L, "check");
    return 0;
}

/* Decodes one input and checks it (see the top of the file). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static unsigned runs;
    int top = lua_gettop(L);
    lua_getglobal(L, "json_decode");
    lua_pushlstring(L, (const char *)data, size);
    if (lua_pcall(L, 1, 2, 0) != 0) {
        fprintf(stderr, "fuzz_json: json_decode raised: %s\n", lua_tostring(L, -1));
        abort();
    }
    if (lua_gettop(L) != top + 2)
        abort(); /* value, nil (adjusted) or nil, why */
    if (lua_isnil(L, -2)) {
        if (lua_type(L, -1) != LUA_TSTRING)
            abort();                            /* a refusal says why */
    } else if (memchr(data, 0, size) == NULL) { /* lua-cjson reads its input up to a NUL byte */
        lua_pop(L, 1);
        lua_getglobal(L, "check");
        lua_insert(L, -2);
        lua_pushlstring(L, (const char *)data, size);
        if (lua_pcall(L, 2, 2, 0) != 0) {
            fprintf(stderr, "fuzz_json: %s\n", lua_tostring(L, -1));
            abort();
        }
        if (!lua_toboolean(L, -2)) {
            fprintf(stderr, "fuzz_json: json.c and cjson differ: %s\n", lua_tostring(L, -1));
            abort();
        }
    }
    lua_settop(L, top);
    if (++runs % 4096 == 0)
        lua_gc(L, LUA_GCCOLLECT, 0);
    return 0;
}
