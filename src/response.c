/* Turning a finished transfer into Lua values; see response.h. */
#include "response.h"

#include "headers.h"
#include "json.h"

/* failure.kind, by enum transfer_kind. */
static const char *const kind_names[] = {"timeout", "network", "tls", "too_large", "io"};

/* headers_each callback. Stack: ... headers (top). Sets headers[name] = value, joining a repeated name's
 * values with ", ". */
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

/* Sets res.bytes and res.reused in the table on the top. */
static void set_counts(lua_State *L, const struct transfer *t)
{
    lua_pushinteger(L, (lua_Integer)t->bytes);
    lua_setfield(L, -2, "bytes");
    lua_pushboolean(L, transfer_reused(t));
    lua_setfield(L, -2, "reused");
}

/* Pushes { status, headers, body (nil when sunk to a file), bytes, reused }; with decode = "json", a 2xx
 * JSON body is decoded straight from the C buffer into res.json, with no body string and no headers (what
 * a JSON answer needs is its value); a body that is not JSON comes back as usual for Lua to report. */
static void push_result(lua_State *L, struct transfer *t)
{
    long status = transfer_status(t);
    lua_createtable(L, 0, 5);
    lua_pushinteger(L, (lua_Integer)status);
    lua_setfield(L, -2, "status");
    if (t->decode_json && !t->sunk && status >= 200 && status <= 299) {
        const char *why;
        size_t where;
        if (json_push(L, t->body.len > 0 ? t->body.data : "", t->body.len, JSON_MAX_DEPTH, &why, &where)) {
            lua_setfield(L, -2, "json");
            set_counts(L, t);
            return;
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
    set_counts(L, t);
}

/* Pushes { kind, message, sent, curl_code }. */
static void push_failure(lua_State *L, const struct transfer *t)
{
    char msg[4096 + CURL_ERROR_SIZE]; /* room for a sink path of PATH_MAX and its error */
    lua_createtable(L, 0, 4);
    lua_pushstring(L, kind_names[transfer_kind(t)]);
    lua_setfield(L, -2, "kind");
    transfer_message(t, msg, sizeof msg);
    lua_pushstring(L, msg);
    lua_setfield(L, -2, "message");
    lua_pushboolean(L, transfer_sent(t));
    lua_setfield(L, -2, "sent");
    lua_pushinteger(L, (lua_Integer)transfer_curl_code(t));
    lua_setfield(L, -2, "curl_code");
}

/* Pushes the result (returns 1) or the failure (returns 0) of a finished transfer. */
int response_push(lua_State *L, struct transfer *t)
{
    if (transfer_ok(t)) {
        push_result(L, t);
        return 1;
    }
    push_failure(L, t);
    return 0;
}
