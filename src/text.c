/* core.redact, core.is_token and core.http_head; see text.h. */
#include "text.h"

#include <string.h>

#include "headers.h"
#include "redact.h"

#define HTTP_HEAD_MAX_FIELDS 1000 /* as the C core's transfers allow (transfer.h) */

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

/* core.is_token(v [, max]) -> whether v is a string of 1 to max bytes (max absent: any length; it must not
 * be negative), all ASCII letters, digits, '_' and '-' (the characters of Batch's tokens and ids); false
 * for any other value, so that the check of every call's path parameters is this one C call. */
static int l_is_token(lua_State *L)
{
    size_t len = 0, i;
    const char *s = lua_type(L, 1) == LUA_TSTRING ? lua_tolstring(L, 1, &len) : NULL;
    lua_Integer max = luaL_optinteger(L, 2, -1);
    int ok;
    luaL_argcheck(L, max >= 0 || lua_isnoneornil(L, 2), 2, "max must not be negative");
    ok = s != NULL && len > 0 && (max < 0 || len <= (size_t)max);
    for (i = 0; ok && i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    }
    lua_pushboolean(L, ok);
    return 1;
}

/* headers_each_line callback. Stack: ... headers (top). Sets headers[lower(name)], joining a repeated
 * name's values with ", ". */
static void add_line_field(void *ud, const char *name, size_t name_len, const char *value, size_t value_len)
{
    lua_State *L = ud;
    luaL_Buffer b;
    size_t i;
    luaL_buffinit(L, &b);
    for (i = 0; i < name_len; i++) {
        char c = name[i];
        luaL_addchar(&b, (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c);
    }
    luaL_pushresult(&b);  /* headers name */
    lua_pushvalue(L, -1); /* headers name name */
    lua_rawget(L, -3);    /* headers name old */
    if (lua_isnil(L, -1)) {
        lua_pop(L, 1);
        lua_pushlstring(L, value, value_len);
    } else {
        lua_pushliteral(L, ", ");
        lua_pushlstring(L, value, value_len);
        lua_concat(L, 3);
    }
    lua_rawset(L, -3); /* headers */
}

/* core.http_head(head) -> status, headers | nil | false: a response's header block (its status line and
 * fields, without the blank line) read as the nginx socket engine reads it. status is the three digits
 * after "HTTP/1.0 " or "HTTP/1.1 "; headers has lower-case names, a repeated name's values joined with
 * ", ". nil when the status line is not one or the block holds a NUL byte; false past 1000 fields. One C
 * call instead of a pattern loop: on nginx's LuaJIT, those patterns are interpreted, not compiled. */
static int l_http_head(lua_State *L)
{
    size_t len;
    const char *head = luaL_checklstring(L, 1, &len);
    int status;
    if (len < 12 || memcmp(head, "HTTP/1.", 7) != 0 || (head[7] != '0' && head[7] != '1') || head[8] != ' '
        || head[9] < '0' || head[9] > '9' || head[10] < '0' || head[10] > '9' || head[11] < '0' || head[11] > '9'
        || memchr(head, '\0', len) != NULL) {
        lua_pushnil(L);
        return 1;
    }
    status = (head[9] - '0') * 100 + (head[10] - '0') * 10 + (head[11] - '0');
    lua_settop(L, 1);
    lua_pushinteger(L, status); /* 2 */
    lua_createtable(L, 0, 8);   /* 3 */
    if (headers_each_line(head, len, HTTP_HEAD_MAX_FIELDS, add_line_field, L) > HTTP_HEAD_MAX_FIELDS) {
        lua_pushboolean(L, 0);
        return 1;
    }
    return 2;
}

static const luaL_Reg functions[] = {
    {"redact", l_redact},
    {"is_token", l_is_token},
    {"http_head", l_http_head},
    {NULL, NULL},
};

/* Sets core.redact, core.is_token and core.http_head in the module table on the top of the stack. */
void text_open(lua_State *L)
{
    compat_luaL_setfuncs(L, functions, 0);
}
