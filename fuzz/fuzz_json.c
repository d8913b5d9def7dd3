/*
 * libFuzzer target for the C JSON decoder that reads every API response (src/json.c, json_push), run in
 * an embedded Lua 5.4. Checks, beyond the sanitizers: the Lua stack is balanced whatever the input (one
 * value pushed on success, nothing on failure, with a message); and, differentially, whenever json.c
 * accepts a text, lua-cjson accepts it too and gives the same value (json.c's conventions aside: JSON
 * null is nil, whole numbers are integers; texts with a NUL byte, which lua-cjson reads only up to, are left
 * out of the comparison). The input is the JSON text.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

int json_push(lua_State *L, const char *s, size_t len, int max_depth, const char **why, size_t *where);

static lua_State *L;

/* same(mine, text): cjson's reading of text must match json.c's. Returns true, or false and why. */
static const char *CHECK =
    "local cjson = require 'cjson'\n"
    "local codec = cjson.new()\n"
    "codec.decode_max_depth(1000)\n"
    "local null = codec.null\n"
    "local function same(a, b, path)\n"
    "  if b == null then return a == nil, path .. ': null is not nil' end\n"
    "  if type(b) == 'number' then\n"
    "    if type(a) ~= 'number' then return false, path .. ': not a number' end\n"
    "    if b ~= b then return a ~= a, path .. ': NaN' end\n"
    "    if math.type(a) == 'integer' and math.type(b) == 'float' then\n"
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

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    L = luaL_newstate();
    luaL_openlibs(L);
    if (luaL_dostring(L, "package.cpath = '/usr/lib/x86_64-linux-gnu/lua/5.4/?.so;' .. package.cpath")
        || luaL_loadstring(L, CHECK) || lua_pcall(L, 0, 1, 0)) {
        fprintf(stderr, "fuzz_json: %s\n", lua_tostring(L, -1));
        abort();
    }
    lua_setglobal(L, "check");
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static unsigned runs;
    const char *why = NULL;
    size_t where = 0;
    int top = lua_gettop(L), ok;
    ok = json_push(L, (const char *)data, size, 128, &why, &where);
    if (lua_gettop(L) != top + ok)
        abort(); /* the stack must hold exactly the value, or nothing */
    if (!ok) {
        if (why == NULL || where > size + 1)
            abort();
    } else if (memchr(data, 0, size) == NULL) { /* lua-cjson reads its input up to a NUL byte */
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
