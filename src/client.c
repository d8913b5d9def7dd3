/*
 * The client userdata of batch.core: core.new, and the methods request, start, step, finish, abort
 * and close (with __gc and __close). Reads and checks the Lua tables, then hands plain C values to
 * transfer.c; turns the finished transfer's C buffers into Lua values afterwards.
 */
#include "client.h"

#include <errno.h>
#include <float.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"
#include "headers.h"

#define DEFAULT_TIMEOUT_MS 30000L
#define DEFAULT_CONNECT_TIMEOUT_MS 10000L
#define DEFAULT_STEP_SECONDS 0.1

/* ---- reading option tables --------------------------------------------------------------------- */

/* Pushes tbl[name], or nil when the value at tbl is nil (an omitted options table). */
static void push_field(lua_State *L, int tbl, const char *name)
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

/* The string at idx (NULL for nil); raises when it is another type or holds a NUL byte. */
static const char *opt_string(lua_State *L, int idx, int arg, const char *name, size_t *len)
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

/* The number of seconds at idx as milliseconds (dflt for nil); raises unless it is a number >= 0.
 * A positive duration never rounds down to 0, which libcurl would read as "no timeout". */
static long opt_ms(lua_State *L, int idx, int arg, const char *name, long dflt)
{
    lua_Number s;
    long ms;
    if (lua_isnil(L, idx))
        return dflt;
    if (lua_type(L, idx) != LUA_TNUMBER)
        bad_field(L, arg, idx, name, "a number of seconds");
    s = lua_tonumber(L, idx);
    if (!(s >= 0) || s > (lua_Number)(LONG_MAX / 1000))
        bad_field(L, arg, idx, name, "a non-negative number of seconds");
    ms = (long)(s * 1000 + 0.5);
    return (ms == 0 && s > 0) ? 1 : ms;
}

/* The byte count at idx (dflt for nil); raises unless it is a number >= 0. */
static size_t opt_size(lua_State *L, int idx, int arg, const char *name, size_t dflt)
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

/* ---- the handle -------------------------------------------------------------------------------- */

/* The open client at index 1; raises when the handle is closed. */
static struct client *check_open(lua_State *L)
{
    struct client *c = luaL_checkudata(L, 1, CLIENT_MT);
    if (c->closed)
        luaL_error(L, "batch.core: handle is closed");
    return c;
}

/* Drops the registry reference that kept the request body alive during the transfer. */
static void unanchor_body(lua_State *L, struct transfer *t)
{
    if (t->body_ref != LUA_NOREF) {
        luaL_unref(L, LUA_REGISTRYINDEX, t->body_ref);
        t->body_ref = LUA_NOREF;
    }
}

/* Releases everything the handle owns: cancels a running transfer (removing a partial sink file),
 * frees the buffers and both curl handles. Idempotent: close, __gc and __close all call it. */
static void cleanup(lua_State *L, struct client *c)
{
    if (c->closed)
        return;
    c->closed = 1;
    many_abort(L, c);
    many_free_pool(c);
    if (c->main.easy != NULL)
        transfer_abort(&c->main);
    unanchor_body(L, &c->main.tr);
    transfer_free(&c->main.tr);
    if (c->main.easy != NULL)
        curl_easy_cleanup(c->main.easy);
    if (c->multi != NULL)
        curl_multi_cleanup(c->multi); /* closes the cached connections */
    if (c->share != NULL)
        curl_share_cleanup(c->share); /* after every easy handle that used it */
    c->main.easy = NULL;
    c->multi = NULL;
    c->share = NULL;
    free(c->user_agent);
    free(c->ca_file);
    free(c->proxy);
    c->user_agent = c->ca_file = c->proxy = NULL;
}

/* A malloc'd copy of s (NULL for NULL); raises when memory runs out. */
static char *dup_string(lua_State *L, const char *s)
{
    char *copy;
    if (s == NULL)
        return NULL;
    copy = malloc(strlen(s) + 1);
    if (copy == NULL)
        luaL_error(L, "batch.core: out of memory");
    strcpy(copy, s);
    return copy;
}

/* core.new([options]) -> handle. Options: user_agent, timeout, connect_timeout, verify_tls,
 * ca_file, proxy, max_body; a wrong type raises, unknown names are ignored (the Lua layer checks
 * them). Stack: 1 options, 2 handle, 3.. the option values read. */
int client_new(lua_State *L)
{
    struct client *c;
    const char *user_agent, *ca_file, *proxy;
    int verify_tls = 1;
    char default_ua[256];
    CURLcode rc;

    if (!lua_isnoneornil(L, 1))
        luaL_checktype(L, 1, LUA_TTABLE);
    lua_settop(L, 1);

    /* the userdata first: from here on any raise leaves the cleanup to __gc */
    c = lua_newuserdata(L, sizeof *c);
    memset(c, 0, sizeof *c);
    transfer_init(&c->main.tr);
    c->many.reqs_ref = c->many.res_ref = c->many.err_ref = LUA_NOREF;
    luaL_getmetatable(L, CLIENT_MT);
    lua_setmetatable(L, 2);

    push_field(L, 1, "user_agent");      /* 3 */
    push_field(L, 1, "timeout");         /* 4 */
    push_field(L, 1, "connect_timeout"); /* 5 */
    push_field(L, 1, "verify_tls");      /* 6 */
    push_field(L, 1, "ca_file");         /* 7 */
    push_field(L, 1, "proxy");           /* 8 */
    push_field(L, 1, "max_body");        /* 9 */
    user_agent = opt_string(L, 3, 1, "user_agent", NULL);
    c->timeout_ms = opt_ms(L, 4, 1, "timeout", DEFAULT_TIMEOUT_MS);
    c->connect_timeout_ms = opt_ms(L, 5, 1, "connect_timeout", DEFAULT_CONNECT_TIMEOUT_MS);
    if (!lua_isnil(L, 6)) {
        if (lua_type(L, 6) != LUA_TBOOLEAN)
            bad_field(L, 1, 6, "verify_tls", "a boolean");
        verify_tls = lua_toboolean(L, 6);
    }
    ca_file = opt_string(L, 7, 1, "ca_file", NULL);
    proxy = opt_string(L, 8, 1, "proxy", NULL);
    c->max_body = opt_size(L, 9, 1, "max_body", DEFAULT_MAX_BODY);
    if (user_agent == NULL) {
        core_user_agent(default_ua, sizeof default_ua);
        user_agent = default_ua;
    }

    c->user_agent = dup_string(L, user_agent);
    c->ca_file = dup_string(L, ca_file);
    c->proxy = dup_string(L, proxy);
    c->verify_tls = verify_tls;
    c->main.easy = curl_easy_init();
    c->multi = curl_multi_init();
    c->share = curl_share_init();
    if (c->main.easy == NULL || c->multi == NULL || c->share == NULL)
        return luaL_error(L, "batch.core.new: cannot create a curl handle");
    c->main.multi = c->multi;
    /* one process, one thread per client: the share needs no lock callbacks */
    if (curl_share_setopt(c->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION) != CURLSHE_OK)
        return luaL_error(L, "batch.core.new: cannot share TLS sessions");
    rc = transfer_setup_handle(&c->main, c->share, c->user_agent, verify_tls, c->ca_file, c->proxy);
    if (rc != CURLE_OK)
        return luaL_error(L, "batch.core.new: %s", curl_easy_strerror(rc));
    lua_settop(L, 2);
    return 1;
}

/* ---- starting a request ------------------------------------------------------------------------ */

/* Appends n bytes to the header lines being read; raises when memory runs out. */
static void add_bytes(lua_State *L, struct buffer *b, const char *s, size_t n)
{
    if (buffer_append(b, s, n) != BUFFER_OK)
        luaL_error(L, "batch.core: out of memory");
}

/* Makes t->headers the list of the NUL-separated lines in t->hnext, unless it already is (a client
 * sends the same headers on most requests: the list is kept and reused). Raises when memory runs out
 * (the list built so far stays in t->headers, marked not valid, and is freed with the transfer). */
static void use_header_lines(lua_State *L, struct transfer *t)
{
    struct buffer *lines = &t->hnext, swap;
    const char *p;
    if (t->hlines.len > 0 && t->hlines.len == lines->len && memcmp(t->hlines.data, lines->data, lines->len) == 0)
        return;
    curl_slist_free_all(t->headers);
    t->headers = NULL;
    t->hlines.len = 0;
    for (p = lines->data; p < lines->data + lines->len; p += strlen(p) + 1) {
        struct curl_slist *l = curl_slist_append(t->headers, p);
        if (l == NULL)
            luaL_error(L, "batch.core: out of memory");
        t->headers = l;
    }
    swap = t->hlines;
    t->hlines = *lines;
    *lines = swap;
}

/* Builds t->headers from the headers table at idx (nil allowed), then, for a body, adds "Expect:" (no
 * 100-continue wait) and "Content-Type: application/json", unless the table set them. Raises on a name
 * that is not a token or a value with CR, LF or NUL; messages may name a valid header, never a value.
 * The lines are gathered in C (no Lua string per line). Stack inside the loop: ... key value. */
static void build_headers(lua_State *L, struct transfer *t, int idx, int arg, int has_body)
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
                luaL_argerror(L, arg, lua_pushfstring(L, "header '%s' must be a string, got %s", name,
                                                      luaL_typename(L, -1)));
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
    if (!has_expect && has_body) /* libcurl only sends Expect: 100-continue with a body */
        add_bytes(L, b, "Expect:", sizeof "Expect:");
    if (has_body && !has_type)
        add_bytes(L, b, "Content-Type: application/json", sizeof "Content-Type: application/json");
    else if (!has_type) /* a bodiless POST: no form Content-Type from libcurl ("Name:" removes a header) */
        add_bytes(L, b, "Content-Type:", sizeof "Content-Type:");
    use_header_lines(L, t);
}

/* Pushes nil and the error table of the failed transfer: { name, message, curl_code, sent }. */
int client_push_error(lua_State *L, struct slot *s, int sent)
{
    struct transfer *t = &s->tr;
    char msg[128];
    long curl_code = (long)t->result;
    lua_pushnil(L);
    lua_createtable(L, 0, 4);
    lua_pushstring(L, transfer_error_name(t));
    lua_setfield(L, -2, "name");
    switch (t->fail) {
    case FAIL_TOO_LARGE:
        snprintf(msg, sizeof msg, "response body exceeds max_body (%lu bytes)", (unsigned long)t->body.limit);
        lua_pushstring(L, msg);
        break;
    case FAIL_HEADERS_TOO_LARGE:
        snprintf(msg, sizeof msg, "response headers exceed %lu bytes", (unsigned long)MAX_HEADER_BYTES);
        lua_pushstring(L, msg);
        break;
    case FAIL_IO:
        lua_pushfstring(L, "%s: %s", t->sink_path, strerror(t->io_errno));
        if (curl_code == CURLE_OK) /* a failed close after a complete transfer */
            curl_code = CURLE_WRITE_ERROR;
        break;
    case FAIL_NOMEM:
        lua_pushliteral(L, "out of memory while reading the response");
        break;
    case FAIL_MULTI:
        lua_pushstring(L, curl_multi_strerror(t->mcode));
        break;
    case FAIL_NONE:
        lua_pushstring(L, s->errbuf[0] != '\0' ? s->errbuf : curl_easy_strerror(t->result));
        break;
    }
    lua_setfield(L, -2, "message");
    lua_pushinteger(L, (lua_Integer)curl_code);
    lua_setfield(L, -2, "curl_code");
    lua_pushboolean(L, sent);
    lua_setfield(L, -2, "sent");
    return 2;
}

/* Offsets of the request fields that client_read_request pushes above `base`; they stay on the stack
 * so every string (method, url, body, sink) lives until libcurl has copied it or the body is anchored. */
enum { R_METHOD = 1, R_URL, R_HEADERS, R_BODY, R_TIMEOUT, R_CONNECT_TIMEOUT, R_SINK, R_MAX_BODY,
       R_LOW_SPEED_TIME, R_LOW_SPEED_LIMIT, R_DECODE, R_COUNT };

/* Reads and checks the request table at index req (absolute) into o; builds the header list into t and
 * copies the sink path into it. Raises on a programmer error, naming argument `req`. Pushes the R_COUNT - 1
 * fields read (the caller pops them once the transfer has started). */
void client_read_request(lua_State *L, struct client *c, struct transfer *t, int req, struct request_opts *o)
{
    size_t len;
    const char *sink;
    int arg = req, base = lua_gettop(L);
    luaL_checktype(L, req, LUA_TTABLE);
    luaL_checkstack(L, R_COUNT + 4, "batch.core: request");
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

    o->method = opt_string(L, base + R_METHOD, arg, "method", &len);
    if (o->method == NULL)
        o->method = "GET";
    else if (!is_token(o->method, len))
        luaL_argerror(L, arg, "'method' must be an HTTP method token");
    o->url = opt_string(L, base + R_URL, arg, "url", NULL);
    if (o->url == NULL)
        luaL_argerror(L, arg, "'url' is required");
    o->body = opt_string(L, base + R_BODY, arg, "body", &o->body_len);
    if (o->body != NULL && strcmp(o->method, "HEAD") == 0)
        luaL_argerror(L, arg, "a HEAD request cannot have a 'body'");
    o->timeout_ms = opt_ms(L, base + R_TIMEOUT, arg, "timeout", c->timeout_ms);
    o->connect_timeout_ms = opt_ms(L, base + R_CONNECT_TIMEOUT, arg, "connect_timeout", c->connect_timeout_ms);
    o->max_body = opt_size(L, base + R_MAX_BODY, arg, "max_body", c->max_body);
    /* A transfer slower than low_speed_limit bytes/s for low_speed_time seconds is a TIMEOUT: this
     * catches stalls and drip-feeds on downloads that have no total timeout. */
    o->low_speed_time_s = (opt_ms(L, base + R_LOW_SPEED_TIME, arg, "low_speed_time", 0) + 999) / 1000;
    o->low_speed_limit = (long)opt_size(L, base + R_LOW_SPEED_LIMIT, arg, "low_speed_limit", 0);
    t->decode_json = 0;
    if (!lua_isnil(L, base + R_DECODE)) {
        const char *d = lua_tostring(L, base + R_DECODE);
        if (lua_type(L, base + R_DECODE) != LUA_TSTRING || strcmp(d, "json") != 0)
            luaL_argerror(L, arg, "'decode' must be \"json\" or nil");
        t->decode_json = 1;
    }
    sink = opt_string(L, base + R_SINK, arg, "sink", NULL);
    if (sink != NULL && sink[0] == '\0')
        luaL_argerror(L, arg, "'sink' must be a non-empty path");
    build_headers(L, t, base + R_HEADERS, arg, o->body != NULL);
    if (sink != NULL) {
        t->sink_path = malloc(strlen(sink) + 1);
        if (t->sink_path == NULL)
            luaL_error(L, "batch.core: out of memory");
        strcpy(t->sink_path, sink);
    }
}

/* Starts the request described at index 2 on the main slot. Returns 1 once the transfer runs; otherwise
 * pushes nil, err and returns 0. Raises on a malformed request table. */
static int start(lua_State *L, struct client *c)
{
    struct request_opts o;
    struct transfer *t = &c->main.tr;
    CURLcode rc;
    transfer_release(t); /* leftovers of an earlier request table that raised */
    lua_settop(L, 2);
    client_read_request(L, c, t, 2, &o);
    if (o.body != NULL) {
        lua_pushvalue(L, 2 + R_BODY);
        t->body_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    }
    rc = transfer_begin(&c->main, &o);
    if (rc != CURLE_OK) {
        t->result = rc;
        t->fail = FAIL_NONE;
        unanchor_body(L, t);
        client_push_error(L, &c->main, 0);
        transfer_release(t);
        return 0;
    }
    return 1;
}

/* ---- results ----------------------------------------------------------------------------------- */

/* headers_each callback. Stack: ... headers (top). Sets headers[name] = value, joining a repeated
 * name's values with ", ". */
static void add_field(void *ud, const char *name, size_t name_len, const char *value, size_t value_len)
{
    lua_State *L = ud;
    lua_pushlstring(L, name, name_len); /* headers name */
    lua_pushvalue(L, -1);               /* headers name name */
    lua_rawget(L, -3);                  /* headers name old */
    if (lua_isnil(L, -1)) {
        lua_pop(L, 1);
        lua_pushlstring(L, value, value_len); /* headers name value */
    } else {
        lua_pushliteral(L, ", ");
        lua_pushlstring(L, value, value_len);
        lua_concat(L, 3); /* headers name "old, value" */
    }
    lua_rawset(L, -3); /* headers */
}

/* Pushes the result table of a successful transfer:
 * { status, headers, body (nil when sunk to a file), bytes, reused }. */
int client_push_result(lua_State *L, struct slot *s)
{
    struct transfer *t = &s->tr;
    long status = transfer_status(s);
    lua_createtable(L, 0, 5);
    lua_pushinteger(L, (lua_Integer)status);
    lua_setfield(L, -2, "status");
    if (t->decode_json && !t->sunk && status >= 200 && status <= 299) {
        /* the body decoded straight from the C buffer: no body string, no headers table (what a JSON
         * answer needs is its value); a body that is not JSON comes back as usual for Lua to report */
        const char *why;
        size_t where;
        if (json_push(L, t->body.len > 0 ? t->body.data : "", t->body.len, JSON_MAX_DEPTH, &why, &where)) {
            lua_setfield(L, -2, "json");
            lua_pushinteger(L, (lua_Integer)t->bytes);
            lua_setfield(L, -2, "bytes");
            lua_pushboolean(L, transfer_reused(s));
            lua_setfield(L, -2, "reused");
            return 1;
        }
    }
    lua_createtable(L, 0, 8); /* sized: no rehash while the fields go in */
    if (t->head.len > 0)
        headers_each(t->head.data, t->head.len, add_field, L);
    lua_setfield(L, -2, "headers");
    if (!t->sunk) {
        lua_pushlstring(L, t->body.len > 0 ? t->body.data : "", t->body.len);
        lua_setfield(L, -2, "body");
    }
    lua_pushinteger(L, (lua_Integer)t->bytes);
    lua_setfield(L, -2, "bytes");
    lua_pushboolean(L, transfer_reused(s));
    lua_setfield(L, -2, "reused");
    return 1;
}

/* Ends the finished transfer of the main slot and pushes res, or nil, err. */
static int finish(lua_State *L, struct client *c)
{
    struct slot *s = &c->main;
    int n;
    transfer_complete(s);
    unanchor_body(L, &s->tr);
    if (transfer_ok(&s->tr))
        n = client_push_result(L, s);
    else
        n = client_push_error(L, s, transfer_sent(s));
    transfer_release(&s->tr);
    return n;
}

/* ---- methods ----------------------------------------------------------------------------------- */

/* The open client at index 1 with no transfer running; raises otherwise. */
static struct client *check_idle(lua_State *L)
{
    struct client *c = check_open(L);
    if (c->main.tr.active || c->many.active)
        luaL_error(L, "batch.core: a transfer is already running on this handle");
    return c;
}

/* The open client at index 1 with a started transfer; raises otherwise. */
static struct client *check_started(lua_State *L)
{
    struct client *c = check_open(L);
    if (!c->main.tr.active)
        luaL_error(L, "batch.core: no transfer started on this handle");
    return c;
}

/* h:request(req) -> res | nil, err. The whole transfer runs in C (start, drive, finish). */
static int l_request(lua_State *L)
{
    struct client *c = check_idle(L);
    if (!start(L, c))
        return 2;
    transfer_drive(&c->main, -1);
    return finish(L, c);
}

/* h:start(req) -> true | nil, err. Starts a transfer that h:step drives. */
static int l_start(lua_State *L)
{
    struct client *c = check_idle(L);
    if (!start(L, c))
        return 2;
    lua_pushboolean(L, 1);
    return 1;
}

/* h:step([seconds = 0.1]) -> done, bytes, total|nil. Drives the transfer for at most that long;
 * bytes counts the body received so far, total is the announced Content-Length. */
static int l_step(lua_State *L)
{
    struct client *c = check_started(L);
    lua_Number s = luaL_optnumber(L, 2, DEFAULT_STEP_SECONDS);
    long ms = s > 0 ? (s < (lua_Number)(LONG_MAX / 1000) ? (long)(s * 1000 + 0.5) : LONG_MAX / 1000) : 0;
    curl_off_t total;
    int done = transfer_drive(&c->main, ms);
    lua_pushboolean(L, done);
    lua_pushinteger(L, (lua_Integer)c->main.tr.bytes);
    total = transfer_total(&c->main);
    if (total >= 0)
        lua_pushinteger(L, (lua_Integer)total);
    else
        lua_pushnil(L);
    return 3;
}

/* h:finish() -> res | nil, err, like request; drives the transfer to its end first if needed. */
static int l_finish(lua_State *L)
{
    struct client *c = check_started(L);
    transfer_drive(&c->main, -1);
    return finish(L, c);
}

/* h:abort() -> true. Cancels a started transfer (removing a partial sink file); no-op when idle. */
static int l_abort(lua_State *L)
{
    struct client *c = check_open(L);
    if (c->main.tr.active) {
        transfer_abort(&c->main);
        unanchor_body(L, &c->main.tr);
        transfer_release(&c->main.tr);
    }
    lua_pushboolean(L, 1);
    return 1;
}

/* h:close(), __gc, __close: the idempotent cleanup. */
static int l_close(lua_State *L)
{
    cleanup(L, luaL_checkudata(L, 1, CLIENT_MT));
    return 0;
}

/* __tostring: "batch.core.client (0x...)" or "batch.core.client (closed)". */
static int l_tostring(lua_State *L)
{
    struct client *c = luaL_checkudata(L, 1, CLIENT_MT);
    if (c->closed)
        lua_pushliteral(L, "batch.core.client (closed)");
    else
        lua_pushfstring(L, "batch.core.client (%p)", (void *)c);
    return 1;
}

static const luaL_Reg client_methods[] = {
    {"request", l_request},
    {"start", l_start},
    {"step", l_step},
    {"finish", l_finish},
    {"abort", l_abort},
    {"close", l_close},
    {NULL, NULL},
};

static const luaL_Reg client_meta[] = {
    {"__gc", l_close},
    {"__close", l_close},
    {"__tostring", l_tostring},
    {NULL, NULL},
};

/* Creates (or refills) the client metatable registry[CLIENT_MT]. */
void client_register(lua_State *L)
{
    luaL_newmetatable(L, CLIENT_MT); /* mt */
    compat_luaL_setfuncs(L, client_meta, 0);
    lua_newtable(L); /* mt methods */
    compat_luaL_setfuncs(L, client_methods, 0);
    compat_luaL_setfuncs(L, many_methods, 0);
    lua_setfield(L, -2, "__index"); /* mt */
    lua_pop(L, 1);
}
