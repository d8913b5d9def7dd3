/* Reading Lua option tables; see request.h. */
#include "request.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"

/* ---- typed fields ------------------------------------------------------------------------------ */

/* Pushes tbl[name], or nil when tbl is not a table. */
void request_field(lua_State *L, int tbl, const char *name)
{
    if (lua_istable(L, tbl))
        lua_getfield(L, tbl, name);
    else
        lua_pushnil(L);
}

/* Raises "bad argument #arg to 'fn' ('name' must be <what>, got <type>)". */
static int bad_field(lua_State *L, int arg, int idx, const char *name, const char *what)
{
    const char *msg = lua_pushfstring(L, "'%s' must be %s, got %s", name, what, luaL_typename(L, idx));
    return luaL_argerror(L, arg, msg);
}

/* The string at idx, NULL for nil; raises on another type or (len NULL) an inner NUL. */
const char *request_opt_string(lua_State *L, int idx, int arg, const char *name, size_t *len)
{
    size_t n;
    const char *s;
    if (lua_isnil(L, idx)) {
        if (len != NULL)
            *len = 0;
        return NULL;
    }
    if (lua_type(L, idx) != LUA_TSTRING)
        bad_field(L, arg, idx, name, "a string");
    s = lua_tolstring(L, idx, &n);
    if (len != NULL)
        *len = n;
    else if (strlen(s) != n)
        luaL_argerror(L, arg, lua_pushfstring(L, "'%s' must not contain a NUL byte", name));
    return s;
}

/* Seconds at idx as milliseconds (clock_ms), dflt for nil; raises unless a number >= 0. */
long request_opt_ms(lua_State *L, int idx, int arg, const char *name, long dflt)
{
    lua_Number s;
    if (lua_isnil(L, idx))
        return dflt;
    if (lua_type(L, idx) != LUA_TNUMBER)
        bad_field(L, arg, idx, name, "a number of seconds");
    s = lua_tonumber(L, idx);
    if (!(s >= 0))
        bad_field(L, arg, idx, name, "a non-negative number of seconds");
    return clock_ms((double)s);
}

/* Bytes at idx, dflt for nil; raises unless a number >= 0; huge values become SIZE_MAX. */
size_t request_opt_size(lua_State *L, int idx, int arg, const char *name, size_t dflt)
{
    lua_Number n;
    if (lua_isnil(L, idx))
        return dflt;
    if (lua_type(L, idx) != LUA_TNUMBER)
        bad_field(L, arg, idx, name, "a number of bytes");
    n = lua_tonumber(L, idx);
    if (!(n >= 0))
        bad_field(L, arg, idx, name, "a non-negative number of bytes");
    return n >= (lua_Number)SIZE_MAX ? SIZE_MAX : (size_t)n;
}

/* The boolean at idx, dflt for nil; raises on another type. */
int request_opt_boolean(lua_State *L, int idx, int arg, const char *name, int dflt)
{
    if (lua_isnil(L, idx))
        return dflt;
    if (lua_type(L, idx) != LUA_TBOOLEAN)
        bad_field(L, arg, idx, name, "a boolean");
    return lua_toboolean(L, idx);
}

/* ---- headers ----------------------------------------------------------------------------------- */

/* Whether s[0..len) is an HTTP token (method and header names). */
static int is_token(const char *s, size_t len)
{
    size_t i;
    if (len == 0)
        return 0;
    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
              || (c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL)))
            return 0;
    }
    return 1;
}

/* Case-insensitive equality of s[0..len) with the lower-case ASCII name. */
static int name_is(const char *s, size_t len, const char *name)
{
    size_t i;
    if (strlen(name) != len)
        return 0;
    for (i = 0; i < len; i++) {
        char c = s[i];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (c != name[i])
            return 0;
    }
    return 1;
}

/* Appends to a header-line buffer; raises when memory runs out. */
static void add_bytes(lua_State *L, struct buffer *b, const char *s, size_t n)
{
    if (buffer_append(b, s, n) != BUFFER_OK)
        luaL_error(L, "batch.core: out of memory");
}

/* Gathers the header lines of the headers table at idx (nil allowed) into t->hnext and makes them the
 * request's list. With a body, "Expect:" (no 100-continue wait), and always "Content-Type:" (none, rather
 * than libcurl's form type) unless the table sets them: the body goes as it is, typed by the caller. Raises on
 * a name that is not a token or a value with CR, LF or NUL; messages may name a valid header, never a
 * value. The lines are gathered in C (no Lua string per line). Stack inside the loop: ... key value. */
static void read_headers(lua_State *L, struct transfer *t, int idx, int arg, int has_body)
{
    int has_expect = 0, has_type = 0;
    struct buffer *b = &t->hnext;
    b->len = 0;
    if (!lua_isnil(L, idx)) {
        if (!lua_istable(L, idx))
            bad_field(L, arg, idx, "headers", "a table");
        lua_pushnil(L);
        while (lua_next(L, idx) != 0) {
            size_t nlen, vlen;
            const char *name, *value;
            int vt = lua_type(L, -1);
            if (lua_type(L, -2) != LUA_TSTRING)
                luaL_argerror(L, arg, "header names must be strings");
            name = lua_tolstring(L, -2, &nlen);
            if (!is_token(name, nlen)) /* not quoted: a malformed name might hold anything */
                luaL_argerror(L, arg, "a header name is not a valid token");
            if (vt != LUA_TSTRING && vt != LUA_TNUMBER)
                luaL_argerror(L, arg,
                              lua_pushfstring(L, "header '%s' must be a string, got %s", name, luaL_typename(L, -1)));
            value = lua_tolstring(L, -1, &vlen); /* converts a number in place: fine for a value */
            if (strcspn(value, "\r\n") != vlen)
                luaL_argerror(L, arg, lua_pushfstring(L, "header '%s' contains CR, LF or NUL", name));
            has_expect |= name_is(name, nlen, "expect");
            has_type |= name_is(name, nlen, "content-type");
            /* "Name;" is libcurl's way to send an empty value ("Name:" would remove the header) */
            add_bytes(L, b, name, nlen);
            if (vlen > 0) {
                add_bytes(L, b, ": ", 2);
                add_bytes(L, b, value, vlen);
                add_bytes(L, b, "", 1);
            } else {
                add_bytes(L, b, ";", 2);
            }
            lua_pop(L, 1); /* the value; the key stays for lua_next */
        }
    }
    if (has_body && !has_expect) /* libcurl sends Expect: 100-continue with a large body */
        add_bytes(L, b, "Expect:", sizeof "Expect:");
    if (!has_type) /* also a bodiless POST, which libcurl would type as a form */
        add_bytes(L, b, "Content-Type:", sizeof "Content-Type:");
    if (!transfer_use_headers(t))
        luaL_error(L, "batch.core: out of memory");
}

/* ---- the request table ------------------------------------------------------------------------- */

/* Offsets of the fields request_read pushes above the top it found (REQUEST_BODY_SLOT is R_BODY). */
enum {
    R_METHOD = 1,
    R_URL,
    R_HEADERS,
    R_BODY,
    R_TIMEOUT,
    R_CONNECT_TIMEOUT,
    R_SINK,
    R_MAX_BODY,
    R_LOW_SPEED_TIME,
    R_LOW_SPEED_LIMIT,
    R_DECODE
};
typedef char request_slots_match[(R_DECODE == REQUEST_SLOTS && R_BODY == REQUEST_BODY_SLOT) ? 1 : -1];

void request_read(lua_State *L, int req, int arg, const struct request_defaults *d, struct transfer *t,
                  struct transfer_options *o)
{
    size_t len;
    const char *sink;
    int base = lua_gettop(L);
    luaL_checktype(L, req, LUA_TTABLE);
    luaL_checkstack(L, REQUEST_SLOTS + 4, "batch.core: request");
    lua_getfield(L, req, "method");
    lua_getfield(L, req, "url");
    lua_getfield(L, req, "headers");
    lua_getfield(L, req, "body");
    lua_getfield(L, req, "timeout");
    lua_getfield(L, req, "connect_timeout");
    lua_getfield(L, req, "sink");
    lua_getfield(L, req, "max_body");
    lua_getfield(L, req, "low_speed_time");
    lua_getfield(L, req, "low_speed_limit");
    lua_getfield(L, req, "decode");

    o->method = request_opt_string(L, base + R_METHOD, arg, "method", &len);
    if (o->method == NULL)
        o->method = "GET";
    else if (!is_token(o->method, len))
        luaL_argerror(L, arg, "'method' must be an HTTP method token");
    o->url = request_opt_string(L, base + R_URL, arg, "url", NULL);
    if (o->url == NULL)
        luaL_argerror(L, arg, "'url' is required");
    o->body = request_opt_string(L, base + R_BODY, arg, "body", &o->body_len);
    if (o->body != NULL && strcmp(o->method, "HEAD") == 0)
        luaL_argerror(L, arg, "a HEAD request cannot have a 'body'");
    o->timeout_ms = request_opt_ms(L, base + R_TIMEOUT, arg, "timeout", d->timeout_ms);
    o->connect_timeout_ms = request_opt_ms(L, base + R_CONNECT_TIMEOUT, arg, "connect_timeout", d->connect_timeout_ms);
    o->max_body = request_opt_size(L, base + R_MAX_BODY, arg, "max_body", d->max_body);
    /* A transfer slower than low_speed_limit bytes/s for low_speed_time seconds is a timeout: this
     * catches stalls and drip-feeds on downloads that have no total timeout. */
    o->low_speed_time_s = (request_opt_ms(L, base + R_LOW_SPEED_TIME, arg, "low_speed_time", 0) + 999) / 1000;
    o->low_speed_limit = (long)request_opt_size(L, base + R_LOW_SPEED_LIMIT, arg, "low_speed_limit", 0);
    t->decode_json = 0;
    if (!lua_isnil(L, base + R_DECODE)) {
        const char *dec = lua_tostring(L, base + R_DECODE);
        if (lua_type(L, base + R_DECODE) != LUA_TSTRING || strcmp(dec, "json") != 0)
            luaL_argerror(L, arg, "'decode' must be \"json\" or nil");
        t->decode_json = 1;
    }
    sink = request_opt_string(L, base + R_SINK, arg, "sink", NULL);
    if (sink != NULL && sink[0] == '\0')
        luaL_argerror(L, arg, "'sink' must be a non-empty path");
    read_headers(L, t, base + R_HEADERS, arg, o->body != NULL);
    if (sink != NULL) {
        free(t->sink_path);
        t->sink_path = malloc(strlen(sink) + 1);
        if (t->sink_path == NULL)
            luaL_error(L, "batch.core: out of memory");
        strcpy(t->sink_path, sink);
    }
}
