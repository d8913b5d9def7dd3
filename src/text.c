/* core.redact and core.is_token; see text.h. */
#include "text.h"

#include "redact.h"

/* core.redact(s, secret1, secret2, ...) -> s with every occurrence of each non-empty secret replaced
 * by "***"; nil and empty secrets are skipped. */
static int l_redact(lua_State *L)
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

/* core.is_token(s) -> whether s is non-empty and only ASCII letters, digits, '_' and '-' (the characters
 * of a campaign token or an export id). The Lua pattern it replaces cost as much as the rest of a call. */
static int l_is_token(lua_State *L)
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

static const luaL_Reg functions[] = {
    {"redact", l_redact},
    {"is_token", l_is_token},
    {NULL, NULL},
};

/* Sets core.redact and core.is_token in the module table on the top of the stack. */
void text_open(lua_State *L)
{
    compat_luaL_setfuncs(L, functions, 0);
}
