/*
 * core.json_decode(text [, max_depth = 128]) -> value | nil, message: a strict JSON (RFC 8259) decoder that
 * builds Lua values with the contract's conventions directly: objects and arrays become tables (sized
 * before they are filled), JSON null becomes nil (a null in an array leaves a hole), whole numbers that
 * fit, and floats with an integral value, become integers (Lua 5.3+), top-level null is an error. Strings
 * without escapes go from the input to Lua without a copy. It decodes every API response, so it replaces
 * lua-cjson's decoder plus a pass that fixed nulls and integers afterwards (about 4x fewer instructions
 * for a campaign).
 * Errors never raise (but running out of memory does, as anywhere in Lua): the decoder returns nil and
 * "<what> at character <n>".
 *
 * The Lua stack. Members wait on the stack until their container's table is made with their count; a
 * hostile document nests containers as deep as allowed, each holding members, and Lua 5.1 and LuaJIT let
 * a C function use about 8000 slots in all. So every open container reserves its waiting room out of one
 * budget (STACK_BUDGET slots for the whole document) when it opens, and gives it back as soon as its table
 * exists; a container that gets no room makes its table at once and fills it member by member. The stack
 * then holds at most STACK_BUDGET slots of waiting members plus LEVEL_SLOTS per level, each reservation
 * checked with lua_checkstack (a refusal is a clean failure, never a raise).
 */
#include "json.h"

#include <stdlib.h>
#include <string.h>

#define DEFAULT_MAX_DEPTH JSON_MAX_DEPTH
#define BATCH_PAIRS 32    /* members gathered on the stack before their table is made with their count */
#define STACK_BUDGET 2048 /* slots waiting members may hold in all open containers together */
#define LEVEL_SLOTS 8     /* what a level needs beyond its waiting members: table, key, value, temporaries */

struct json {
    lua_State *L;
    const char *s, *p, *end;
    int depth, max_depth;
    int reserved;      /* slots of STACK_BUDGET the open containers reserved */
    char *scratch;     /* decoded strings with escapes (a userdata as long as the input), or NULL */
    const char *error; /* what went wrong, at p */
};

/* The value of hex digit c, or -1. */
static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* The 4 hex digits at p (at least 4 readable bytes) as a number, or -1 if one is not a hex digit. */
static long hex4(const char *p)
{
    long v = 0;
    int i;
    for (i = 0; i < 4; i++) {
        int h = hexval((unsigned char)p[i]);
        if (h < 0)
            return -1;
        v = v * 16 + h;
    }
    return v;
}

/* Writes code point cp (at most 0x10FFFF) as UTF-8 at dst (room for 4 bytes); returns the byte count. */
static size_t put_utf8(char *dst, unsigned long cp)
{
    if (cp < 0x80) {
        dst[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        dst[0] = (char)(0xC0 | (cp >> 6));
        dst[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        dst[0] = (char)(0xE0 | (cp >> 12));
        dst[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        dst[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    dst[0] = (char)(0xF0 | (cp >> 18));
    dst[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    dst[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    dst[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* Records what went wrong (the first error wins); returns 0. */
static int fail(struct json *j, const char *what)
{
    if (j->error == NULL)
        j->error = what;
    return 0;
}

/* Skips JSON whitespace. */
static void skip_ws(struct json *j)
{
    while (j->p < j->end && (*j->p == ' ' || *j->p == '\n' || *j->p == '\r' || *j->p == '\t'))
        j->p++;
}

static int value(struct json *j);

/* Decodes the string whose opening quote is at p and pushes it. An escaped string is decoded into the
 * scratch block (a decoded string is never longer than its JSON text). */
static int string(struct json *j)
{
    const char *start = ++j->p, *q;
    size_t n = 0;
    char *out;
    /* raw control characters are taken, as lua-cjson does */
    q = memchr(start, '"', (size_t)(j->end - start));
    if (q != NULL && (j->scratch == NULL || memchr(start, '\\', (size_t)(q - start)) == NULL)) {
        lua_pushlstring(j->L, start, (size_t)(q - start)); /* the common case: no escape */
        j->p = q + 1;
        return 1;
    }
    q = start;
    while (q < j->end && *q != '"' && *q != '\\')
        q++;
    out = j->scratch; /* made by json_decode when the text holds a backslash */
    if (out == NULL) {
        j->p = q;
        return fail(j, "unterminated string");
    }
    memcpy(out, start, (size_t)(q - start));
    n = (size_t)(q - start);
    while (q < j->end) {
        unsigned char c = (unsigned char)*q;
        if (c == '"') {
            lua_pushlstring(j->L, out, n);
            j->p = q + 1;
            return 1;
        }
        if (c != '\\') {
            out[n++] = (char)c;
            q++;
            continue;
        }
        if (q + 1 >= j->end)
            break;
        switch (q[1]) {
        case '"':
            out[n++] = '"';
            break;
        case '\\':
            out[n++] = '\\';
            break;
        case '/':
            out[n++] = '/';
            break;
        case 'b':
            out[n++] = '\b';
            break;
        case 'f':
            out[n++] = '\f';
            break;
        case 'n':
            out[n++] = '\n';
            break;
        case 'r':
            out[n++] = '\r';
            break;
        case 't':
            out[n++] = '\t';
            break;
        case 'u': {
            long cp = j->end - q >= 6 ? hex4(q + 2) : -1;
            if (cp < 0) {
                j->p = q;
                return fail(j, "invalid unicode escape");
            }
            if (cp >= 0xD800 && cp <= 0xDBFF) { /* a high surrogate: its low half must follow */
                long lo = (j->end - q >= 12 && q[6] == '\\' && q[7] == 'u') ? hex4(q + 8) : -1;
                if (lo < 0xDC00 || lo > 0xDFFF) {
                    j->p = q;
                    return fail(j, "invalid unicode surrogate pair");
                }
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                q += 6;
            } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
                j->p = q;
                return fail(j, "invalid unicode surrogate pair");
            }
            n += put_utf8(out + n, (unsigned long)cp); /* 6 or 12 bytes of text give at most 4 */
            q += 6;
            continue;
        }
        default:
            j->p = q;
            return fail(j, "invalid escape in a string");
        }
        q += 2;
    }
    j->p = j->end;
    return fail(j, "unterminated string");
}

/* Reads a number and pushes it: an integer when it has no fraction or exponent and fits (Lua 5.3+). */
static int number(struct json *j)
{
    const char *start = j->p, *q = j->p;
    int is_float = 0;
    if (q < j->end && *q == '-')
        q++;
    if (q < j->end && *q == '0') {
        q++;
    } else if (q < j->end && *q >= '1' && *q <= '9') {
        while (q < j->end && *q >= '0' && *q <= '9')
            q++;
    } else {
        return fail(j, "invalid number");
    }
    if (q < j->end && *q == '.') {
        is_float = 1;
        q++;
        if (!(q < j->end && *q >= '0' && *q <= '9'))
            return fail(j, "invalid number");
        while (q < j->end && *q >= '0' && *q <= '9')
            q++;
    }
    if (q < j->end && (*q == 'e' || *q == 'E')) {
        is_float = 1;
        q++;
        if (q < j->end && (*q == '+' || *q == '-'))
            q++;
        if (!(q < j->end && *q >= '0' && *q <= '9'))
            return fail(j, "invalid number");
        while (q < j->end && *q >= '0' && *q <= '9')
            q++;
    }
    j->p = q;
#if LUA_VERSION_NUM >= 503
    if (!is_float && q - start <= 18) { /* at most 18 digits: no overflow */
        const char *d = start;
        lua_Integer v = 0;
        int neg = *d == '-';
        if (neg)
            d++;
        for (; d < q; d++)
            v = v * 10 + (*d - '0');
        lua_pushinteger(j->L, neg ? -v : v);
        return 1;
    }
#else
    (void)is_float;
#endif
    {
        char buf[64];
        size_t len = (size_t)(q - start);
        if (len < sizeof buf) {
            memcpy(buf, start, len);
            buf[len] = '\0';
#if LUA_VERSION_NUM >= 503
            /* Lua's own conversion (locale-proof); a whole number too large for an integer gives a float */
            if (lua_stringtonumber(j->L, buf) != 0) {
                lua_Number f;
                lua_Integer i;
                if (lua_isinteger(j->L, -1))
                    return 1;
                /* as math.tointeger: a float with an integral value is an integer ("1e3", "2.0") */
                f = lua_tonumber(j->L, -1);
                if (lua_numbertointeger(f, &i) && (lua_Number)i == f) {
                    lua_pop(j->L, 1);
                    lua_pushinteger(j->L, i);
                }
                return 1;
            }
#else
            lua_pushnumber(j->L, (lua_Number)strtod(buf, NULL));
            return 1;
#endif
        }
        /* a very long number: converted from a NUL-terminated copy (a Lua string) as the short ones are.
         * LuaJIT's own conversion gives 0 for an exponent too long for it (-3e999...), strtod -inf. */
        lua_pushlstring(j->L, start, len);
#if LUA_VERSION_NUM >= 503
        lua_pushnumber(j->L, lua_tonumber(j->L, -1));
#else
        lua_pushnumber(j->L, (lua_Number)strtod(lua_tostring(j->L, -1), NULL));
#endif
        lua_remove(j->L, -2);
        return 1;
    }
}

/* Pushes the table of the members pushed above base (pairs: key value, or values for an array), made
 * with their count, and leaves it alone at base + 1. */
static void collect(lua_State *L, int base, int is_array, int count, int first_index)
{
    int k;
    if (is_array)
        lua_createtable(L, count, 0);
    else
        lua_createtable(L, 0, count);
    for (k = 0; k < count; k++) {
        if (is_array) {
            lua_pushvalue(L, base + 1 + k);
            lua_rawseti(L, -2, first_index + k); /* a nil value leaves a hole */
        } else {
            lua_pushvalue(L, base + 1 + 2 * k);
            lua_pushvalue(L, base + 2 + 2 * k);
            lua_rawset(L, -3);
        }
    }
    lua_replace(L, base + 1);
    lua_settop(L, base + 1);
}

/* An object or an array (its opening bracket at p). Members gather on the stack, within the room this
 * container reserved (see the top of the file), and their table is made with the right size; a large one,
 * or one without room, goes in member by member. Stack: ... [members] (base + 1 .. top), then the table
 * alone at base + 1. */
static int container(struct json *j, int is_array)
{
    lua_State *L = j->L;
    int base = lua_gettop(L), count = 0, made = 0, index = 1, per = is_array ? 1 : 2, room, most;
    char close = is_array ? ']' : '}';
    if (++j->depth > j->max_depth)
        return fail(j, "too many nested arrays or objects");
    room = STACK_BUDGET - j->reserved;
    if (room > per * BATCH_PAIRS)
        room = per * BATCH_PAIRS;
    most = room > 0 ? room / per : 0; /* members that may wait here */
    room = most * per;
    if (!lua_checkstack(L, room + LEVEL_SLOTS))
        return fail(j, "too deeply nested for the Lua stack");
    j->reserved += room;
    j->p++;
    skip_ws(j);
    if (j->p < j->end && *j->p == close) {
        j->p++;
        lua_newtable(L);
        j->reserved -= room;
        j->depth--;
        return 1;
    }
    if (most == 0) { /* no room: the table first */
        lua_newtable(L);
        made = 1;
    }
    for (;;) {
        if (!is_array) {
            if (!(j->p < j->end && *j->p == '"'))
                return fail(j, "expected a string key");
            if (!string(j))
                return 0;
            skip_ws(j);
            if (!(j->p < j->end && *j->p == ':'))
                return fail(j, "expected ':'");
            j->p++;
            skip_ws(j);
        }
        if (!value(j))
            return 0;
        if (made) { /* the table exists: straight in */
            if (is_array)
                lua_rawseti(L, base + 1, index++);
            else
                lua_rawset(L, base + 1);
        } else if (++count == most) {
            collect(L, base, is_array, count, index);
            index += count;
            count = 0;
            made = 1;
            j->reserved -= room; /* the room is free for what nests deeper */
            room = 0;
        }
        skip_ws(j);
        if (j->p < j->end && *j->p == ',') {
            j->p++;
            skip_ws(j);
            continue;
        }
        if (j->p < j->end && *j->p == close) {
            j->p++;
            break;
        }
        return fail(j, is_array ? "expected ',' or ']'" : "expected ',' or '}'");
    }
    if (!made)
        collect(L, base, is_array, count, index);
    j->reserved -= room;
    j->depth--;
    return 1;
}

/* Matches the literal word at p (true, false, null). */
static int word(struct json *j, const char *w, size_t len)
{
    if ((size_t)(j->end - j->p) < len || memcmp(j->p, w, len) != 0)
        return fail(j, "invalid value");
    j->p += len;
    return 1;
}

/* Any value at p (no leading blanks); pushes it (nil for null). */
static int value(struct json *j)
{
    if (j->p >= j->end)
        return fail(j, "unexpected end of input");
    switch (*j->p) {
    case '{':
        return container(j, 0);
    case '[':
        return container(j, 1);
    case '"':
        return string(j);
    case 't':
        if (!word(j, "true", 4))
            return 0;
        lua_pushboolean(j->L, 1);
        return 1;
    case 'f':
        if (!word(j, "false", 5))
            return 0;
        lua_pushboolean(j->L, 0);
        return 1;
    case 'n':
        if (!word(j, "null", 4))
            return 0;
        lua_pushnil(j->L);
        return 1;
    default:
        return number(j);
    }
}

/* Decodes s[0..len) and pushes its value; returns 1. On malformed JSON (or top-level null) pushes nothing
 * and returns 0, with the message in *why and the 1-based character where it went wrong in *where (0 for
 * top-level null). Raises only when memory runs out. */
int json_push(lua_State *L, const char *s, size_t len, int max_depth, const char **why, size_t *where)
{
    struct json j;
    int ok, top = lua_gettop(L);
    j.L = L;
    j.s = j.p = s;
    j.end = s + len;
    j.depth = 0;
    j.max_depth = max_depth;
    j.reserved = 0;
    j.scratch = NULL;
    j.error = NULL;
    if (!lua_checkstack(L, LEVEL_SLOTS)) {
        *why = "too deeply nested for the Lua stack";
        *where = 1;
        return 0;
    }
    if (memchr(s, '\\', len) != NULL) /* below every value pushed: the stack stays as the parser expects */
        j.scratch = lua_newuserdata(L, len + 1);
    skip_ws(&j);
    if (j.end - j.p >= 4 && memcmp(j.p, "null", 4) == 0) {
        const char *at = j.p;
        j.p += 4;
        skip_ws(&j);
        if (j.p == j.end) {
            lua_settop(L, top);
            *why = "JSON null at top level";
            *where = 0;
            return 0;
        }
        j.p = at;
    }
    ok = value(&j);
    if (ok) {
        skip_ws(&j);
        if (j.p != j.end)
            ok = fail(&j, "unexpected text after the value");
    }
    if (!ok) {
        lua_settop(L, top);
        *why = j.error;
        *where = (size_t)(j.p - j.s) + 1;
        return 0;
    }
    if (j.scratch != NULL)
        lua_remove(L, -2); /* the scratch block below the value */
    return 1;
}

/* core.json_decode(text [, max_depth]) -> value | nil, message */
static int l_json_decode(lua_State *L)
{
    size_t len, where;
    const char *why;
    const char *text = luaL_checklstring(L, 1, &len);
    int max_depth = (int)luaL_optinteger(L, 2, DEFAULT_MAX_DEPTH);
    lua_settop(L, 1);
    if (json_push(L, text, len, max_depth, &why, &where))
        return 1;
    lua_pushnil(L);
    if (where == 0)
        lua_pushstring(L, why);
    else
        lua_pushfstring(L, "%s at character %d", why, (int)where);
    return 2;
}

/* Sets core.json_decode in the module table on the top of the stack. */
void json_open(lua_State *L)
{
    lua_pushcfunction(L, l_json_decode);
    lua_setfield(L, -2, "json_decode");
}
