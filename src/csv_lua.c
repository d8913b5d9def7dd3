/*
 * core.csv_new([sep = ","]) -> parser: the Lua binding of the streaming CSV splitter (csv.c).
 *   parser:feed(chunk) -> records | nil, err   (the records this chunk completes)
 *   parser:finish()    -> records | nil, err   (the last record, when the input lacks a final line break)
 * A record is an array of field strings. A record cut by a chunk boundary waits in the registry for
 * the chunk that ends it.
 * core.csv_new(sep, true) makes a keyed parser: the first record is the header (parser:header() gives it),
 * and every other record is a table keyed by the header's names (a field past the header's end keeps its
 * position as key), built here in C: the row iterator of exports:rows does no per-field work in Lua.
 * core.csv_new(sep, true, columns) (an array of names) reads the header too, then gives only those fields,
 * with no table per record: feed and finish return one flat array, the columns of each record in the
 * order given (records[(r - 1) * #columns + c]), and the number of records in it. A record that lacks a
 * field gives "" for it (nil would end a for loop); a name the header holds twice is its last field
 * present, as in a keyed row; a name the header lacks gives "" in every record (parser:header() lets the
 * caller refuse it first). Only the named fields become Lua strings.
 */
#include "csv_lua.h"

#include <stdlib.h>
#include <string.h>

#include "csv.h"

#define CSV_MT "batch.core.csv"
/* columns asked for at most (the values of one step of a for loop) */
#define CSV_MAX_COLUMNS 1000
#define CSV_MAX_COLUMNS_TEXT "1000"

struct parser {
    struct csv csv;
    int record_ref; /* the partial record's table, or LUA_NOREF */
    int finished;
    int keyed;      /* records are keyed by the header (the first record) */
    int header_ref; /* keyed: the header's array once read, or LUA_NOREF */
    int nheader;    /* keyed: number of names in the header */
    /* columns mode (ncols > 0): slot s (1..ncols) holds the field named columns[s] */
    int ncols;
    int cols_ref;     /* the array of names, or LUA_NOREF */
    int *slot_start;  /* by header position (1..nheader + 1): where its slots start in `slots` */
    int *slots;       /* the slots each header position fills, position after position */
    unsigned *filled; /* by slot: the record number that last filled it (the others get "") */
    unsigned record;  /* the number of the record being read (from 1) */
    int hint;         /* the largest records array made so far: the next one is made that large */
};

/* What a feed or finish call is collecting. */
struct collect {
    lua_State *L;
    struct parser *p;
    int nrecords;
    int header;  /* stack index of the header array (keyed and read), else 0 */
    int hslot;   /* stack index reserved for the header (keyed parsers) */
    int records; /* stack index of the records array */
};

/* Columns mode, once the header is read: which slots each header position fills (slots[slot_start[i] ..
 * slot_start[i + 1] - 1] for position i). A name the header holds twice is filled by each of its fields in
 * turn, so the last one present wins, as in a keyed row. Returns CSV_NOMEM when memory runs out.
 * Stack: balanced. */
static int map_columns(lua_State *L, struct parser *p, int header)
{
    int s, i, pass, n = 0;
    p->slot_start = calloc((size_t)p->nheader + 2, sizeof *p->slot_start);
    p->filled = calloc((size_t)p->ncols + 1, sizeof *p->filled);
    if (p->slot_start == NULL || p->filled == NULL)
        return CSV_NOMEM;
    lua_rawgeti(L, LUA_REGISTRYINDEX, p->cols_ref); /* cols */
    for (pass = 0; pass < 2; pass++) {              /* count the pairs, then place them */
        n = 0;
        for (i = 1; i <= p->nheader; i++) {
            if (pass == 1)
                p->slot_start[i] = n;
            lua_rawgeti(L, header, i); /* cols header_name */
            for (s = 1; s <= p->ncols; s++) {
                int same;
                lua_rawgeti(L, -2, s); /* cols header_name name */
                same = lua_rawequal(L, -1, -2);
                lua_pop(L, 1);
                if (same) {
                    if (pass == 1)
                        p->slots[n] = s;
                    n++;
                }
            }
            lua_pop(L, 1); /* cols */
        }
        if (pass == 0 && (p->slots = malloc(sizeof *p->slots * (size_t)(n > 0 ? n : 1))) == NULL) {
            lua_pop(L, 1);
            return CSV_NOMEM;
        }
    }
    p->slot_start[p->nheader + 1] = n;
    lua_pop(L, 1);
    p->record = 1;
    return CSV_OK;
}

/* csv_feed callback of columns mode once the header is read. Puts the field in its slots of the current
 * record in the flat array; the last field of a record gives "" to the slots it did not fill. */
static int on_column(struct collect *k, const char *field, size_t len, int last)
{
    lua_State *L = k->L;
    struct parser *p = k->p;
    int i = (int)p->csv.fields + 1, s;
    int base = k->nrecords * p->ncols, e;
    if (i <= p->nheader) {
        for (e = p->slot_start[i]; e < p->slot_start[i + 1]; e++) {
            s = p->slots[e];
            lua_pushlstring(L, field, len);
            lua_rawseti(L, k->records, base + s);
            p->filled[s] = p->record;
        }
    }
    if (last) {
        for (s = 1; s <= p->ncols; s++) {
            if (p->filled[s] != p->record) {
                lua_pushliteral(L, "");
                lua_rawseti(L, k->records, base + s);
            }
        }
        k->nrecords++;
        p->record++;
    }
    return CSV_OK;
}

/* csv_feed callback. Stack: ... records record (top). Sets the field in the record (by the header's name
 * or by position); the last field of a record moves it into records, or makes it the header, and starts
 * a new one. */
static int on_field(void *ud, const char *field, size_t len, int last)
{
    struct collect *k = ud;
    lua_State *L = k->L;
    int i = (int)k->p->csv.fields + 1;
    if (k->p->ncols > 0 && k->header != 0)
        return on_column(k, field, len, last);
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
            if (k->p->ncols > 0) /* the record on the top stays as the store of a record cut by a chunk */
                return map_columns(L, k->p, k->header) == CSV_OK ? (lua_createtable(L, k->p->ncols, 0), CSV_OK)
                                                                 : CSV_NOMEM;
        } else {
            lua_rawseti(L, -2, ++k->nrecords); /* records */
        }
        lua_createtable(L, k->header != 0 ? 0 : 8, k->header != 0 ? k->p->nheader : 0); /* records record */
    }
    return CSV_OK;
}

/* Columns mode: moves the fields read so far of a record cut by the end of a chunk between the flat array
 * at `records` and the store on the top of the stack: into the store at the end of a chunk (`out`, the
 * record's slots after `base`), back to the start of the next chunk's array. Stack: balanced. */
static void carry(lua_State *L, int ncols, int records, int base, int out)
{
    int s, store = lua_gettop(L);
    for (s = 1; s <= ncols; s++) {
        if (out) {
            lua_rawgeti(L, records, base + s);
            lua_rawseti(L, store, s);
        } else {
            lua_rawgeti(L, store, s);
            lua_rawseti(L, records, s);
        }
    }
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
    lua_createtable(L, p->hint, 0); /* records */
    k.records = lua_gettop(L);
    if (p->record_ref != LUA_NOREF) {
        lua_rawgeti(L, LUA_REGISTRYINDEX, p->record_ref); /* records record */
        luaL_unref(L, LUA_REGISTRYINDEX, p->record_ref);
        p->record_ref = LUA_NOREF;
        if (p->ncols > 0 && k.header != 0)
            carry(L, p->ncols, k.records, 0, 0); /* the record cut by the last chunk goes on at the start */
    } else if (p->ncols > 0 && k.header != 0) {
        lua_createtable(L, p->ncols, 0); /* records store */
    } else {
        lua_createtable(L, k.header != 0 ? 0 : 8, k.header != 0 ? p->nheader : 0); /* records record */
    }
    rc = chunk != NULL ? csv_feed(&p->csv, chunk, len, on_field, &k) : csv_finish(&p->csv, on_field, &k);
    if (rc != CSV_OK) {
        lua_pushnil(L);
        lua_pushstring(L, rc == CSV_NOMEM ? "out of memory" : p->csv.error);
        return 2;
    }
    if (p->csv.fields > 0) {
        if (p->ncols > 0 && k.header != 0)
            carry(L, p->ncols, k.records, k.nrecords * p->ncols, 1);
        p->record_ref = luaL_ref(L, LUA_REGISTRYINDEX); /* records */
    } else {
        lua_pop(L, 1); /* records */
    }
    /* the next chunk's array is made as large as the largest so far: no regrowth record after record */
    if (k.nrecords * (p->ncols > 0 ? p->ncols : 1) > p->hint)
        p->hint = k.nrecords * (p->ncols > 0 ? p->ncols : 1);
    if (p->ncols > 0) {
        lua_pushinteger(L, k.nrecords);
        return 2;
    }
    return 1;
}

/* Frees the splitter's storage and the column maps. */
static void release(struct parser *p)
{
    csv_free(&p->csv);
    free(p->slot_start);
    free(p->slots);
    free(p->filled);
    p->slot_start = p->slots = NULL;
    p->filled = NULL;
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
    release(p);
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
    if (p->cols_ref != LUA_NOREF) {
        luaL_unref(L, LUA_REGISTRYINDEX, p->cols_ref);
        p->cols_ref = LUA_NOREF;
    }
    release(p);
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

/* The number of names in the columns array at idx: a non-empty array of strings (raises otherwise). */
static int check_columns(lua_State *L, int idx)
{
    int n, i;
    luaL_checktype(L, idx, LUA_TTABLE);
    n = (int)compat_rawlen(L, idx);
    if (n < 1 || n > CSV_MAX_COLUMNS)
        luaL_argerror(L, idx, "columns must be an array of 1 to " CSV_MAX_COLUMNS_TEXT " names");
    for (i = 1; i <= n; i++) {
        lua_rawgeti(L, idx, i);
        if (lua_type(L, -1) != LUA_TSTRING)
            luaL_argerror(L, idx, lua_pushfstring(L, "columns[%d] must be a string, got %s", i, luaL_typename(L, -1)));
        lua_pop(L, 1);
    }
    return n;
}

/* core.csv_new([sep [, keyed [, columns]]]) -> parser; sep is one byte other than a quote, CR or LF;
 * columns (an array of names) implies keyed. */
static int l_csv_new(lua_State *L)
{
    size_t len;
    const char *sep = luaL_optlstring(L, 1, ",", &len);
    int keyed = lua_toboolean(L, 2), ncols = 0;
    struct parser *p;
    if (len != 1 || sep[0] == '"' || sep[0] == '\r' || sep[0] == '\n')
        return luaL_argerror(L, 1, "the separator must be one byte other than '\"', CR or LF");
    if (!lua_isnoneornil(L, 3))
        ncols = check_columns(L, 3);
    lua_settop(L, 3);
    p = lua_newuserdata(L, sizeof *p); /* 4 */
    memset(p, 0, sizeof *p);
    csv_init(&p->csv, sep[0]);
    p->record_ref = LUA_NOREF;
    p->keyed = keyed || ncols > 0;
    p->header_ref = LUA_NOREF;
    p->cols_ref = LUA_NOREF;
    luaL_getmetatable(L, CSV_MT);
    lua_setmetatable(L, 4);
    if (ncols > 0) { /* a copy: the caller's array may change */
        int i;
        lua_createtable(L, ncols, 0);
        for (i = 1; i <= ncols; i++) {
            lua_rawgeti(L, 3, i);
            lua_rawseti(L, -2, i);
        }
        p->cols_ref = luaL_ref(L, LUA_REGISTRYINDEX);
        p->ncols = ncols;
    }
    return 1;
}

/* ---- core.csv_steps(refill, k) -> iterator ----------------------------------------------------------- */

/* What a steps iterator keeps: its batch (upvalue 2) is read from i to n, k values per step. */
struct steps {
    lua_Integer i, n;
    int k;
};

/* The iterator: the next k values of the batch; when it is spent, refill() (upvalue 1) gives the next
 * (records, n), nil at the end or false, err, which is returned as it is. */
static int l_steps_next(lua_State *L)
{
    struct steps *st = lua_touserdata(L, lua_upvalueindex(3));
    int j;
    if (st->i > st->n) {
        lua_settop(L, 0);
        lua_pushvalue(L, lua_upvalueindex(1));
        lua_call(L, 0, 2); /* records n | nil | false err */
        if (!lua_istable(L, 1))
            return lua_toboolean(L, 1) ? luaL_error(L, "batch.core: csv_steps: refill gave no records") : 2;
        st->n = lua_tointeger(L, 2);
        st->i = 1;
        lua_pushvalue(L, 1);
        lua_replace(L, lua_upvalueindex(2));
    }
    luaL_checkstack(L, st->k, "batch.core: csv_steps");
    for (j = 0; j < st->k; j++)
        lua_rawgeti(L, lua_upvalueindex(2), (int)(st->i + j));
    st->i += st->k;
    return st->k;
}

/* core.csv_steps(refill, k) -> a C iterator handing out k values per step of the flat arrays refill gives
 * (exports:rows' hot loop on PUC Lua, where a C function costs about half a Lua closure per call). */
static int l_csv_steps(lua_State *L)
{
    struct steps *st;
    lua_Integer k;
    luaL_checktype(L, 1, LUA_TFUNCTION);
    k = luaL_checkinteger(L, 2);
    luaL_argcheck(L, k >= 1 && k <= CSV_MAX_COLUMNS, 2, "from 1 to " CSV_MAX_COLUMNS_TEXT " values per step");
    lua_settop(L, 1);
    lua_pushnil(L); /* the batch */
    st = lua_newuserdata(L, sizeof *st);
    st->i = 1;
    st->n = 0;
    st->k = (int)k;
    lua_pushcclosure(L, l_steps_next, 3);
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
    lua_pushcfunction(L, l_csv_steps);
    lua_setfield(L, -2, "csv_steps");
}
