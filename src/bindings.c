/* Lua bindings of the pure C helpers: core.map_error (errmap.c), core.redact (redact.c), core.now
 * and core.sleep (clock.c), core.is_token. */
#include "core.h"

#include "clock.h"
#include "errmap.h"
#include "redact.h"

/* core.map_error(status, body) -> name, code|nil, message|nil; a 2xx status gives nil. */
int bind_map_error(lua_State *L)
{
    lua_Integer status = luaL_checkinteger(L, 1);
    size_t len = 0;
    const char *body = luaL_optlstring(L, 2, NULL, &len);
    struct errmap_fields f;
    struct errmap_result r;
    errmap_scan(body, len, &f); /* garbage leaves f empty: the status decides */
    if (!errmap_resolve((long)status, &f, &r)) {
        lua_pushnil(L);
        return 1;
    }
    lua_pushstring(L, r.name);
    if (r.has_code)
        lua_pushinteger(L, (lua_Integer)r.code);
    else
        lua_pushnil(L);
    if (r.message != NULL) {
        /* decoding never grows a string, so a scratch block of the raw length is enough */
        char *scratch = lua_newuserdata(L, r.message->len + 1);
        size_t n = errmap_unescape(r.message->p, r.message->len, scratch);
        lua_pushlstring(L, scratch, n);
        lua_remove(L, -2); /* the scratch block */
    } else {
        lua_pushnil(L);
    }
    return 3;
}

/* core.redact(s, secret1, secret2, ...) -> s with every occurrence of each non-empty secret replaced
 * by "***"; nil and empty secrets are skipped. */
int bind_redact(lua_State *L)
{
    size_t n, count = 0, out_len;
    const char *s = luaL_checklstring(L, 1, &n);
    int top = lua_gettop(L), arg;
    struct redact_secret *secrets;
    char *out;
    for (arg = 2; arg <= top; arg++) {
        int t = lua_type(L, arg);
        if (t != LUA_TNIL && t != LUA_TSTRING && t != LUA_TNUMBER)
            luaL_argerror(L, arg, "secret must be a string or nil");
    }
    secrets = lua_newuserdata(L, sizeof *secrets * (size_t)(top > 1 ? top - 1 : 1));
    for (arg = 2; arg <= top; arg++) {
        if (lua_isnil(L, arg))
            continue;
        secrets[count].p = lua_tolstring(L, arg, &secrets[count].len);
        if (secrets[count].len > 0)
            count++;
    }
    if (count == 0) {
        lua_pushvalue(L, 1);
        return 1;
    }
    out_len = redact(s, n, secrets, count, NULL);
    out = lua_newuserdata(L, out_len + 1);
    redact(s, n, secrets, count, out);
    lua_pushlstring(L, out, out_len);
    return 1;
}

/* core.now() -> seconds on a monotonic clock (for durations and deadlines, not dates). */
int bind_now(lua_State *L)
{
    lua_pushnumber(L, (lua_Number)clock_now());
    return 1;
}

/* core.sleep(seconds): blocks the process (inside nginx the Lua layer uses ngx.sleep instead). */
int bind_sleep(lua_State *L)
{
    clock_sleep((double)luaL_checknumber(L, 1));
    return 0;
}

/* core.is_token(s) -> whether s is non-empty and only ASCII letters, digits, '_' and '-' (the characters
 * of a campaign token or an export id). The Lua pattern it replaces cost as much as the rest of a call. */
int bind_is_token(lua_State *L)
{
    size_t len, i;
    const char *s = luaL_checklstring(L, 1, &len);
    int ok = len > 0;
    for (i = 0; ok && i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    }
    lua_pushboolean(L, ok);
    return 1;
}
