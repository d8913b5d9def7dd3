/*
 * core.csv_new([sep = ","]) -> parser: the Lua binding of the streaming CSV splitter (csv.c).
 *   parser:feed(chunk) -> records | nil, err   (the records this chunk completes)
 *   parser:finish()    -> records | nil, err   (the last record, when the input lacks a final line break)
 * A record is an array of field strings. A record cut by a chunk boundary waits in the registry for
 * the chunk that ends it.
 * core.csv_new(sep, true) makes a keyed parser: the first record is the header (parser:header() gives it),
 * and every other record is a table keyed by the header's names (a field past the header's end keeps its
 * position as key), built here in C: the row iterator of exports:rows does no per-field work in Lua.
 */
#include "csv_lua.h"

#include "csv.h"

#define CSV_MT "batch.core.csv"

struct parser {
    struct csv csv;
    int record_ref; /* the partial record's table, or LUA_NOREF */
    int finished;
    int keyed;      /* records are keyed by the header (the first record) */
    int header_ref; /* keyed: the header's array once read, or LUA_NOREF */
    int nheader;    /* keyed: number of names in the header */
};

/* What a feed or finish call is collecting. */
struct collect {
    lua_State *L;
    struct parser *p;
    int nrecords;
    int header; /* stack index of the header array (keyed and read), else 0 */
    int hslot;  /* stack index reserved for the header (keyed parsers) */
};

/* csv_feed callback. Stack: ... records record (top). Sets the field in the record (by the header's name
 * or by position); the last field of a record moves it into records, or makes it the header, and starts
 * a new one. */
static int on_field(void *ud, const char *field, size_t len, int last)
{
    struct collect *k = ud;
    lua_State *L = k->L;
    int i = (int)k->p->csv.fields + 1;
    if (k->header != 0 && i <= k->p->nheader) {
        lua_rawgeti(L, k->header, i);   /* records record name */
        lua_pushlstring(L, field, len); /* records record name value */
        lua_rawset(L, -3);              /* records record */
    } else {
        lua_pushlstring(L, field, len);
        lua_rawseti(L, -2, i); /* records record */
    }
    if (last) {
        if (k->p->keyed && k->header == 0) { /* the header */
            k->p->nheader = i;
            lua_pushvalue(L, -1);
            k->p->header_ref = luaL_ref(L, LUA_REGISTRYINDEX);
            lua_replace(L, k->hslot); /* records */
            k->header = k->hslot;
        } else {
            lua_rawseti(L, -2, ++k->nrecords); /* records */
        }
        lua_createtable(L, k->header != 0 ? 0 : 8, k->header != 0 ? k->p->nheader : 0); /* records record */
    }
    return CSV_OK;
}

/* Runs feed (chunk != NULL) or finish and pushes records, or nil, err. Stack on entry: 1 parser,
 * then records and the partial record are pushed for on_field. */
static int run(lua_State *L, struct parser *p, const char *chunk, size_t len)
{
    struct collect k;
    int rc;
    k.L = L;
    k.p = p;
    k.nrecords = 0;
    k.header = k.hslot = 0;
    if (p->keyed) { /* the header's slot, below records and the record */
        if (p->header_ref != LUA_NOREF)
            lua_rawgeti(L, LUA_REGISTRYINDEX, p->header_ref);
        else
            lua_pushnil(L);
        k.hslot = lua_gettop(L);
        if (p->header_ref != LUA_NOREF)
            k.header = k.hslot;
    }
    lua_newtable(L); /* records */
    if (p->record_ref != LUA_NOREF) {
        lua_rawgeti(L, LUA_REGISTRYINDEX, p->record_ref); /* records record */
        luaL_unref(L, LUA_REGISTRYINDEX, p->record_ref);
        p->record_ref = LUA_NOREF;
    } else {
        lua_createtable(L, k.header != 0 ? 0 : 8, k.header != 0 ? p->nheader : 0); /* records record */
    }
    rc = chunk != NULL ? csv_feed(&p->csv, chunk, len, on_field, &k) : csv_finish(&p->csv, on_field, &k);
    if (rc != CSV_OK) {
        lua_pushnil(L);
        lua_pushstring(L, rc == CSV_NOMEM ? "out of memory" : p->csv.error);
        return 2;
    }
    if (p->csv.fields > 0)
        p->record_ref = luaL_ref(L, LUA_REGISTRYINDEX); /* records */
    else
        lua_pop(L, 1); /* records */
    return 1;
}

/* The parser at index 1; raises once it is finished. */
static struct parser *check_parser(lua_State *L)
{
    struct parser *p = luaL_checkudata(L, 1, CSV_MT);
    if (p->finished)
        luaL_error(L, "batch.core: the CSV parser is finished");
    return p;
}

/* parser:feed(chunk) -> records | nil, err */
static int l_feed(lua_State *L)
{
    struct parser *p = check_parser(L);
    size_t len;
    const char *chunk = luaL_checklstring(L, 2, &len);
    lua_settop(L, 2);
    return run(L, p, chunk, len);
}

/* parser:finish() -> records | nil, err; the parser then releases its storage. */
static int l_finish(lua_State *L)
{
    struct parser *p = check_parser(L);
    int n;
    lua_settop(L, 1);
    n = run(L, p, NULL, 0);
    p->finished = 1;
    csv_free(&p->csv);
    return n;
}

/* __gc: drops the partial record and the field buffer. */
static int l_gc(lua_State *L)
{
    struct parser *p = luaL_checkudata(L, 1, CSV_MT);
    if (p->record_ref != LUA_NOREF) {
        luaL_unref(L, LUA_REGISTRYINDEX, p->record_ref);
        p->record_ref = LUA_NOREF;
    }
    if (p->header_ref != LUA_NOREF) {
        luaL_unref(L, LUA_REGISTRYINDEX, p->header_ref);
        p->header_ref = LUA_NOREF;
    }
    csv_free(&p->csv);
    return 0;
}

/* parser:header() -> the header's array (a keyed parser that has read it), or nil. */
static int l_header(lua_State *L)
{
    struct parser *p = luaL_checkudata(L, 1, CSV_MT);
    if (p->header_ref != LUA_NOREF)
        lua_rawgeti(L, LUA_REGISTRYINDEX, p->header_ref);
    else
        lua_pushnil(L);
    return 1;
}

/* core.csv_new([sep [, keyed]]) -> parser; sep is one byte other than a quote, CR or LF. */
static int l_csv_new(lua_State *L)
{
    size_t len;
    const char *sep = luaL_optlstring(L, 1, ",", &len);
    int keyed = lua_toboolean(L, 2); /* before the userdata takes index 2 */
    struct parser *p;
    if (len != 1 || sep[0] == '"' || sep[0] == '\r' || sep[0] == '\n')
        return luaL_argerror(L, 1, "the separator must be one byte other than '\"', CR or LF");
    p = lua_newuserdata(L, sizeof *p);
    csv_init(&p->csv, sep[0]);
    p->record_ref = LUA_NOREF;
    p->finished = 0;
    p->keyed = keyed;
    p->header_ref = LUA_NOREF;
    p->nheader = 0;
    luaL_getmetatable(L, CSV_MT);
    lua_setmetatable(L, -2);
    return 1;
}

static const luaL_Reg csv_methods[] = {
    {"feed", l_feed},
    {"finish", l_finish},
    {"header", l_header},
    {NULL, NULL},
};

/* Creates (or refills) the parser metatable registry[CSV_MT] and sets core.csv_new. */
void csv_open(lua_State *L)
{
    luaL_newmetatable(L, CSV_MT); /* mt */
    lua_pushcfunction(L, l_gc);
    lua_setfield(L, -2, "__gc");
    lua_newtable(L); /* mt methods */
    compat_luaL_setfuncs(L, csv_methods, 0);
    lua_setfield(L, -2, "__index"); /* mt */
    lua_pop(L, 1);
    lua_pushcfunction(L, l_csv_new);
    lua_setfield(L, -2, "csv_new");
}
