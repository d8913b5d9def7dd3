/*
 * The client handle of batch.core, as Lua sees it:
 *   core.new(options) -> h
 *   h:request(req)                       -> res | nil, failure
 *   h:start_many(reqs [, {concurrency}])  -> true
 *   h:step_many([seconds])               -> done, bytes, ended, total
 *   h:finish_many()                      -> results, failures
 *   h:abort_many()
 *   h:request_many(reqs [, {concurrency}]) -> results, failures
 *   h:stream_many(next, done [, {concurrency}]) -> true
 *   h:close(), __gc, __close
 * One engine (engine.c) runs everything: h:request is a run of one request on slot 1, without a Lua table
 * beyond its result; start_many runs many on up to `concurrency` slots, their outcomes stored by index as
 * they end; stream_many asks Lua's next() for each request as a slot frees up and hands each outcome to
 * done() as it ends, so that Lua code runs between transfers (never inside a libcurl callback: outcomes
 * become Lua values once their transfer is over).
 *
 * No raise leaves a handle unusable: whatever builds Lua values or runs Lua code while a run is active
 * runs under lua_pcall (a failure there cancels the run, ends the wait on signals, then raises again), a
 * signal cancels what runs before it raises, and a malformed request table of start_many raises before
 * anything starts.
 */
/* unlink is POSIX, hidden by -std=c99 unless asked for (the Makefile asks too) */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif

#include "handle.h"

#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "agent.h"
#include "clock.h"
#include "engine.h"
#include "request.h"
#include "response.h"
#include "signals.h"

#define HANDLE_MT "batch.core.client"
#define DEFAULT_CONCURRENCY 16
#define MAX_CONCURRENCY 1024
#define DEFAULT_STEP_SECONDS 0.1

/* What start_many started (active until finish_many or abort_many), or stream_many (until it returns). */
struct run {
    int active;
    int stream;             /* stream_many: requests come from next_ref, outcomes go to done_ref */
    int reqs_ref;           /* registry: the array of request tables */
    int next_ref;           /* registry: stream_many's next() -> req | nil */
    int done_ref;           /* registry: stream_many's done(i, res, failure) */
    int res_ref;            /* registry: results so far, by index */
    int err_ref;            /* registry: failures so far, by index */
    int anchors_ref;        /* registry: the body strings of the running requests, by index (libcurl keeps pointers) */
    int sunk_ref;           /* registry: the sink paths of the requests ended whole, by index (an abort removes them) */
    int n;                  /* requests (stream_many: made so far) */
    int next;               /* index of the next request to start (start_many) */
    int starved;            /* stream_many: next gave nil while a slot was idle */
    int ended;              /* requests ended */
    int concurrency;        /* slots used at most */
    curl_off_t bytes_ended; /* body bytes of the requests ended */
};

struct handle {
    struct engine engine;
    struct request_defaults defaults;
    struct run run;
    int busy; /* inside the engine or building its outcomes: a nested call (from a finalizer) raises */
    int closed;
};

/* ---- guards ------------------------------------------------------------------------------------ */

enum want { WANT_OPEN, WANT_IDLE, WANT_RUN };

/* The handle at index 1, open, not busy, and idle (WANT_IDLE) or running a start_many (WANT_RUN);
 * raises otherwise. The one set of guards of every method. */
static struct handle *check(lua_State *L, enum want want)
{
    struct handle *h = luaL_checkudata(L, 1, HANDLE_MT);
    if (h->closed)
        luaL_error(L, "batch.core: handle is closed");
    if (h->busy || (want == WANT_IDLE && h->run.active))
        luaL_error(L, "batch.core: a transfer is already running on this handle");
    if (want == WANT_RUN && !h->run.active)
        luaL_error(L, "batch.core: no start_many running on this handle");
    return h;
}

/* Drops a registry reference (LUA_NOREF: none) and marks it dropped. */
static void unref(lua_State *L, int *ref)
{
    if (*ref != LUA_NOREF) {
        luaL_unref(L, LUA_REGISTRYINDEX, *ref);
        *ref = LUA_NOREF;
    }
}

/* Removes the sink files of the run's requests that ended whole: their outcomes are dropped with the run. */
static void remove_sunk(lua_State *L, struct run *r)
{
    int i;
    if (r->sunk_ref == LUA_NOREF)
        return;
    lua_rawgeti(L, LUA_REGISTRYINDEX, r->sunk_ref); /* sunk */
    for (i = 1; i <= r->n; i++) {
        lua_rawgeti(L, -1, i); /* sunk path|nil */
        if (lua_type(L, -1) == LUA_TSTRING)
            unlink(lua_tostring(L, -1));
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
}

/* Ends what start_many runs and drops its state. Idempotent. An abort (`discard`) cancels what still runs
 * and removes every sink file the run created, complete or not; after finish_many nothing runs, and the
 * files are the caller's. */
static void end_run(lua_State *L, struct handle *h, int discard)
{
    struct run *r = &h->run;
    int k;
    engine_abort_all(&h->engine);
    for (k = 0; k < h->engine.nslots; k++)
        transfer_release(&h->engine.slots[k]->tr);
    if (discard)
        remove_sunk(L, r);
    unref(L, &r->reqs_ref);
    unref(L, &r->next_ref);
    unref(L, &r->done_ref);
    unref(L, &r->res_ref);
    unref(L, &r->err_ref);
    unref(L, &r->anchors_ref);
    unref(L, &r->sunk_ref);
    r->active = 0;
}

/* Cancels what start_many runs, removing the sink files it created. */
static void abort_run(lua_State *L, struct handle *h)
{
    end_run(L, h, 1);
}

/* Runs fn(h, arg) under lua_pcall; on an error cancels the run, clears busy and raises the error again.
 * Returns what fn returned (its values are on the stack). */
static int protected(lua_State *L, struct handle *h, lua_CFunction fn, lua_Integer arg)
{
    int top = lua_gettop(L), rc;
    h->busy = 1;
    lua_pushcfunction(L, fn);
    lua_pushlightuserdata(L, h);
    lua_pushinteger(L, arg);
    rc = lua_pcall(L, 2, LUA_MULTRET, 0);
    h->busy = 0;
    if (rc != 0) {
        abort_run(L, h);
        return lua_error(L);
    }
    return lua_gettop(L) - top;
}

/* ---- h:request --------------------------------------------------------------------------------- */

/* lua_pcall'd with (transfer): pushes res, or nil and the failure. */
static int push_outcome(lua_State *L)
{
    struct transfer *t = lua_touserdata(L, 1);
    if (response_push(L, t))
        return 1;
    lua_pushnil(L);
    lua_insert(L, -2);
    return 2;
}

/* h:request(req) -> res | nil, failure: the whole transfer runs in C (read, start, drive, outcome).
 * Stack: 1 handle, 2 request, 3.. the request's fields while it starts; then the outcome. */
static int l_request(lua_State *L)
{
    struct handle *h = check(L, WANT_IDLE);
    struct slot *s = h->engine.slots[0];
    struct transfer_options o;
    CURLcode rc;
    int top, status;
    lua_settop(L, 2);
    transfer_release(&s->tr); /* what a request table that raised may have left */
    request_read(L, 2, 2, &h->defaults, &s->tr, &o);
    rc = transfer_prepare(&s->tr, &o);
    if (rc == CURLE_OK)
        rc = engine_start(&h->engine, s, 1);
    if (rc == CURLE_OK) {
        struct signals_wait w;
        enum engine_status ran;
        h->busy = 1;
        signals_wait_begin(L, &w);
        ran = engine_drive(&h->engine, -1, NULL, NULL);
        signals_wait_end(&w);
        h->busy = 0;
        if (ran == ENGINE_INTERRUPTED) {
            engine_abort(&h->engine, s);
            transfer_release(&s->tr);
            return signals_interrupt(L, &w);
        }
    } else { /* refused at once: a failure like any other */
        s->tr.result = rc;
        s->tr.done = 1;
        transfer_complete(&s->tr);
    }
    s->index = 0;
    lua_settop(L, 2); /* the body string stays anchored by the request table at 2 until here */
    top = lua_gettop(L);
    h->busy = 1; /* a finalizer run while the outcome is built must not start a transfer on this slot */
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_pushlightuserdata(L, &s->tr);
    status = lua_pcall(L, 1, LUA_MULTRET, 0);
    h->busy = 0;
    transfer_release(&s->tr);
    if (status != 0)
        return lua_error(L);
    return lua_gettop(L) - top;
}

/* ---- many requests ----------------------------------------------------------------------------- */

/* Hands the outcome of slot s's ended transfer over, then frees the slot: stored at its index (results
 * or failures), or for stream_many passed to done(i, res, nil) or done(i, nil, failure) (a raise there
 * ends the run, see protected). Stack: balanced. */
static void store_outcome(lua_State *L, struct handle *h, struct slot *s)
{
    struct run *r = &h->run;
    int i = s->index;
    r->bytes_ended += s->tr.bytes;
    lua_rawgeti(L, LUA_REGISTRYINDEX, r->anchors_ref); /* anchors */
    lua_pushnil(L);
    lua_rawseti(L, -2, i);
    lua_pop(L, 1);
    if (s->tr.sunk && !r->stream) {                     /* handed to done, a file is the caller's: an abort leaves it */
        lua_rawgeti(L, LUA_REGISTRYINDEX, r->sunk_ref); /* sunk */
        lua_pushstring(L, s->tr.sink_path);
        lua_rawseti(L, -2, i);
        lua_pop(L, 1);
    }
    s->index = 0;
    r->ended++;
    if (r->stream) {
        int ok = transfer_ok(&s->tr);
        lua_rawgeti(L, LUA_REGISTRYINDEX, r->done_ref); /* done */
        lua_pushinteger(L, i);                          /* done i */
        if (!ok)
            lua_pushnil(L);       /* done i nil */
        response_push(L, &s->tr); /* done i res | done i nil failure */
        if (ok)
            lua_pushnil(L);
        transfer_release(&s->tr); /* before done runs: its transfer is over */
        lua_call(L, 3, 0);
        return;
    }
    lua_rawgeti(L, LUA_REGISTRYINDEX, transfer_ok(&s->tr) ? r->res_ref : r->err_ref); /* outcomes */
    response_push(L, &s->tr);                                                         /* outcomes o */
    lua_rawseti(L, -2, i);                                                            /* outcomes */
    lua_pop(L, 1);
    transfer_release(&s->tr);
}

/* Pushes the next request of the run, or nil when there is none (for now, in a stream: a done that runs
 * later may make more) and returns its index (0 for none). Stack: +1. */
static int next_request(lua_State *L, struct run *r)
{
    if (!r->stream) {
        if (r->next > r->n) {
            lua_pushnil(L);
            return 0;
        }
        lua_rawgeti(L, LUA_REGISTRYINDEX, r->reqs_ref); /* reqs */
        lua_rawgeti(L, -1, r->next);                    /* reqs req */
        lua_remove(L, -2);                              /* req */
        return r->next++;
    }
    lua_rawgeti(L, LUA_REGISTRYINDEX, r->next_ref); /* next */
    lua_call(L, 0, 1);                              /* req|nil */
    if (lua_isnil(L, -1)) {
        r->starved = 1;
        return 0;
    }
    if (!lua_istable(L, -1))
        luaL_error(L, "batch.core: stream_many's next must return a request table or nil, got %s",
                   luaL_typename(L, -1));
    return ++r->n;
}

/* Starts the next requests on the idle slot s until one runs (a request libcurl refuses at once ends as a
 * failure right away) or none is left. Returns 0 when none was left. Raises when a request table no
 * longer reads as it did when start_many checked it, or for stream_many when one is malformed or next or
 * done raised. Stack: balanced. */
static int fill_slot(lua_State *L, struct handle *h, struct slot *s)
{
    struct run *r = &h->run;
    while (s->index == 0) {
        struct transfer_options o;
        int top = lua_gettop(L), req, i;
        CURLcode rc;
        i = next_request(L, r); /* req|nil */
        if (i == 0) {
            lua_settop(L, top);
            return 0;
        }
        req = lua_gettop(L);
        transfer_release(&s->tr);
        request_read(L, req, 2, &h->defaults, &s->tr, &o); /* req fields... */
        if (o.body != NULL) { /* the body string must outlive the transfer: libcurl does not copy it */
            lua_rawgeti(L, LUA_REGISTRYINDEX, r->anchors_ref);
            lua_pushvalue(L, req + REQUEST_BODY_SLOT);
            lua_rawseti(L, -2, i);
        }
        rc = transfer_prepare(&s->tr, &o);
        if (rc == CURLE_OK)
            rc = engine_start(&h->engine, s, i);
        lua_settop(L, top);
        if (rc != CURLE_OK) {
            s->index = i;
            s->tr.result = rc;
            s->tr.done = 1;
            transfer_complete(&s->tr);
            store_outcome(L, h, s);
        }
    }
    return 1;
}

/* What engine_drive hands each ended transfer of a run to. */
struct step {
    lua_State *L;
    struct handle *h;
};

/* Starts requests on every idle slot up to the concurrency, making slots as they are needed (a stream
 * of one request makes one), until none is left. Raises when memory or libcurl fails. */
static void fill_idle(lua_State *L, struct handle *h)
{
    int k;
    h->run.starved = 0;
    for (k = 0; k < h->run.concurrency; k++) {
        if (k >= h->engine.nslots && !engine_grow(&h->engine, k + 1))
            luaL_error(L, "batch.core: out of memory (or libcurl failed) making %d handles", k + 1);
        if (h->engine.slots[k]->index == 0 && !fill_slot(L, h, h->engine.slots[k]))
            return;
    }
}

/* engine_done_fn of a run: stores the outcome, starts the next request on the freed slot; in a stream
 * whose next once had nothing for an idle slot, a done may have made more than one: every idle slot
 * asks again. */
static void on_done(void *ud, struct slot *s)
{
    struct step *st = ud;
    store_outcome(st->L, st->h, s);
    if (fill_slot(st->L, st->h, s) && st->h->run.starved)
        fill_idle(st->L, st->h);
}

/* lua_pcall'd with (handle): starts the first requests, up to the concurrency (or until none is left). */
static int run_fill(lua_State *L)
{
    fill_idle(L, lua_touserdata(L, 1));
    return 0;
}

/* lua_pcall'd with (handle, wait_ms): drives the run for that long (< 0: to its end); pushes how
 * engine_drive returned. */
static int run_drive(lua_State *L)
{
    struct handle *h = lua_touserdata(L, 1);
    struct step st;
    st.L = L;
    st.h = h;
    lua_pushinteger(L, (lua_Integer)engine_drive(&h->engine, (long)lua_tointeger(L, 2), on_done, &st));
    return 1;
}

/* Drives the run for wait_ms (< 0: to its end) within one wait on signals (signals.h). What runs Lua
 * meanwhile (stream_many's next and done, the outcomes' values) runs under lua_pcall: a raise there ends
 * the wait first, then cancels the run and goes on (an interrupt as "interrupted!", its signal taken, as
 * a signal during the wait itself). */
static void drive(lua_State *L, struct handle *h, long wait_ms)
{
    struct signals_wait w;
    int rc;
    lua_Integer status;
    signals_wait_begin(L, &w);
    h->busy = 1;
    lua_pushcfunction(L, run_drive);
    lua_pushlightuserdata(L, h);
    lua_pushinteger(L, (lua_Integer)wait_ms);
    rc = lua_pcall(L, 2, 1, 0); /* status | error */
    h->busy = 0;
    signals_wait_end(&w);
    if (rc != 0) {
        abort_run(L, h);
        if (signals_pending())
            signals_interrupt(L, &w);
        lua_error(L);
    }
    status = lua_tointeger(L, -1);
    lua_pop(L, 1);
    if (status == ENGINE_INTERRUPTED) {
        abort_run(L, h);
        signals_interrupt(L, &w);
    }
}

/* Reads opts.concurrency, opts at index arg (nil: the default). */
static int read_concurrency(lua_State *L, int arg)
{
    lua_Number v;
    if (lua_isnoneornil(L, arg))
        return DEFAULT_CONCURRENCY;
    luaL_checktype(L, arg, LUA_TTABLE);
    lua_getfield(L, arg, "concurrency");
    if (lua_isnil(L, -1)) {
        lua_pop(L, 1);
        return DEFAULT_CONCURRENCY;
    }
    if (lua_type(L, -1) != LUA_TNUMBER)
        luaL_argerror(L, arg, "'concurrency' must be a whole number");
    v = lua_tonumber(L, -1);
    if (!(v >= 1 && v <= MAX_CONCURRENCY) || v != (lua_Number)(lua_Integer)v)
        luaL_argerror(L, arg, lua_pushfstring(L, "'concurrency' must be a whole number from 1 to %d", MAX_CONCURRENCY));
    lua_pop(L, 1);
    return (int)v;
}

/* Makes a new run of up to conc slots active (its references the caller's to set; fill_idle makes the
 * slots it needs). */
static void begin_run(lua_State *L, struct handle *h, int conc)
{
    struct run *r = &h->run;
    memset(r, 0, sizeof *r);
    r->reqs_ref = r->next_ref = r->done_ref = r->res_ref = r->err_ref = LUA_NOREF;
    r->anchors_ref = r->sunk_ref = LUA_NOREF;
    r->active = 1; /* from here on abort_run cleans up whatever raises */
    lua_createtable(L, conc, 0);
    r->anchors_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    lua_newtable(L);
    r->sunk_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    r->next = 1;
    r->concurrency = conc;
}

/* h:start_many(reqs [, {concurrency = 16}]) -> true. Checks every request table first (a malformed one
 * raises before anything is sent), then starts the first ones. Stack: 1 handle, 2 reqs, 3 options. */
static int l_start_many(lua_State *L)
{
    struct handle *h = check(L, WANT_IDLE);
    struct run *r = &h->run;
    struct transfer *scratch = &h->engine.slots[0]->tr;
    int conc = read_concurrency(L, 3), n, i;
    luaL_checktype(L, 2, LUA_TTABLE);
    lua_settop(L, 2);
    n = (int)compat_rawlen(L, 2);
    /* every request is read once before any is sent, into slot 1's idle transfer (what a raise leaves
     * there is freed by its next request or the cleanup) */
    for (i = 1; i <= n; i++) {
        struct transfer_options o;
        lua_rawgeti(L, 2, i);
        if (!lua_istable(L, 3))
            luaL_argerror(L, 2, lua_pushfstring(L, "request %d must be a table, got %s", i, luaL_typename(L, 3)));
        transfer_release(scratch);
        request_read(L, 3, 2, &h->defaults, scratch, &o);
        transfer_release(scratch);
        lua_settop(L, 2);
    }
    if (conc > n)
        conc = n;
    begin_run(L, h, conc);
    lua_pushvalue(L, 2);
    r->reqs_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    lua_createtable(L, n, 0);
    r->res_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    lua_newtable(L);
    r->err_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    r->n = n;
    protected(L, h, run_fill, 0);
    lua_pushboolean(L, 1);
    return 1;
}

/* Body bytes received so far by every request of the run (ended or running). */
static curl_off_t bytes_so_far(const struct handle *h)
{
    curl_off_t b = h->run.bytes_ended;
    int k;
    for (k = 0; k < h->run.concurrency && k < h->engine.nslots; k++)
        if (h->engine.slots[k]->index != 0)
            b += h->engine.slots[k]->tr.bytes;
    return b;
}

/* The bytes the run will have received in all: those of the ended requests plus the lengths the running
 * ones announced; -1 while a running one has announced none (yet). */
static curl_off_t total_announced(const struct handle *h)
{
    curl_off_t b = h->run.bytes_ended;
    int k;
    for (k = 0; k < h->run.concurrency && k < h->engine.nslots; k++) {
        if (h->engine.slots[k]->index != 0) {
            curl_off_t t = transfer_total(&h->engine.slots[k]->tr);
            if (t < 0)
                return -1;
            b += t;
        }
    }
    return b;
}

/* h:step_many([seconds = 0.1]) -> done, bytes, ended, total: drives the requests for at most that long;
 * bytes counts the body bytes received by all of them, ended how many requests have ended, total the
 * bytes expected in all (nil while unknown): a download's progress (one request) needs it. */
static int l_step_many(lua_State *L)
{
    struct handle *h = check(L, WANT_RUN);
    long ms = clock_ms((double)luaL_optnumber(L, 2, DEFAULT_STEP_SECONDS));
    curl_off_t total;
    drive(L, h, ms);
    lua_pushboolean(L, h->run.ended >= h->run.n);
    lua_pushinteger(L, (lua_Integer)bytes_so_far(h));
    lua_pushinteger(L, (lua_Integer)h->run.ended);
    total = total_announced(h);
    if (total >= 0)
        lua_pushinteger(L, (lua_Integer)total);
    else
        lua_pushnil(L);
    return 4;
}

/* h:finish_many() -> results, failures: runs the requests to their end; results[i] is request i's res
 * (as h:request gives it), or failures[i] its failure. */
static int l_finish_many(lua_State *L)
{
    struct handle *h = check(L, WANT_RUN);
    drive(L, h, -1);
    lua_rawgeti(L, LUA_REGISTRYINDEX, h->run.res_ref);
    lua_rawgeti(L, LUA_REGISTRYINDEX, h->run.err_ref);
    end_run(L, h, 0); /* nothing runs any more: drops the references, the files are the caller's */
    return 2;
}

/* h:abort_many() -> true: cancels the requests still running (removing their partial sink files). */
static int l_abort_many(lua_State *L)
{
    struct handle *h = check(L, WANT_OPEN);
    abort_run(L, h);
    lua_pushboolean(L, 1);
    return 1;
}

/* h:request_many(reqs [, {concurrency = 16}]) -> results, failures: start_many then finish_many. */
static int l_request_many(lua_State *L)
{
    lua_settop(L, 3);
    l_start_many(L);
    lua_settop(L, 1);
    return l_finish_many(L);
}

/* h:stream_many(next, done [, {concurrency = 16}]) -> true: requests made as slots free up and outcomes
 * handed over as they come, so a run of thousands holds only what is in flight. next() gives the next
 * request table, or nil when there is none for now (it is asked again each time a transfer ends: the
 * done of that transfer may have made another); done(i, res, failure) gets the outcome of the i-th
 * request next gave (res as h:request gives it, or nil and the failure). Returns once nothing runs and
 * next gives nil. A raise in next or done (or a signal) cancels what runs, removes the sink files of the
 * run, and is raised again. Stack: 1 handle, 2 next, 3 done, 4 options. */
static int l_stream_many(lua_State *L)
{
    struct handle *h = check(L, WANT_IDLE);
    struct run *r = &h->run;
    int conc;
    luaL_checktype(L, 2, LUA_TFUNCTION);
    luaL_checktype(L, 3, LUA_TFUNCTION);
    lua_settop(L, 4);
    conc = read_concurrency(L, 4);
    begin_run(L, h, conc);
    r->stream = 1;
    lua_pushvalue(L, 2);
    r->next_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    lua_pushvalue(L, 3);
    r->done_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    protected(L, h, run_fill, 0);
    drive(L, h, -1);
    end_run(L, h, 0);
    lua_pushboolean(L, 1);
    return 1;
}

/* ---- the handle -------------------------------------------------------------------------------- */

/* Cancels what runs (removing its partial sink files) and frees the engine. Idempotent: close, __gc and
 * __close all call it. */
static void cleanup(lua_State *L, struct handle *h)
{
    if (h->closed)
        return;
    h->closed = 1;
    abort_run(L, h);
    engine_free(&h->engine);
}

/* core.new([options]) -> handle. Options: user_agent, timeout, connect_timeout, verify_tls, ca_file,
 * proxy, max_body; one left out means none (no total timeout, libcurl's connect timeout, no body limit,
 * core.user_agent). A wrong type raises, unknown names are ignored (the Lua layer checks them).
 * Stack: 1 options, 2 handle, 3.. the option values read. */
static int l_new(lua_State *L)
{
    struct handle *h;
    struct transfer_config cfg;
    if (!lua_isnoneornil(L, 1))
        luaL_checktype(L, 1, LUA_TTABLE);
    lua_settop(L, 1);
    /* the userdata first: from here on any raise leaves the cleanup to __gc */
    h = lua_newuserdata(L, sizeof *h);
    memset(h, 0, sizeof *h);
    h->run.reqs_ref = h->run.next_ref = h->run.done_ref = LUA_NOREF;
    h->run.res_ref = h->run.err_ref = h->run.anchors_ref = h->run.sunk_ref = LUA_NOREF;
    luaL_getmetatable(L, HANDLE_MT);
    lua_setmetatable(L, 2);

    request_field(L, 1, "user_agent");      /* 3 */
    request_field(L, 1, "timeout");         /* 4 */
    request_field(L, 1, "connect_timeout"); /* 5 */
    request_field(L, 1, "verify_tls");      /* 6 */
    request_field(L, 1, "ca_file");         /* 7 */
    request_field(L, 1, "proxy");           /* 8 */
    request_field(L, 1, "max_body");        /* 9 */
    cfg.user_agent = request_opt_string(L, 3, 1, "user_agent", NULL);
    if (cfg.user_agent == NULL)
        cfg.user_agent = agent_default();
    h->defaults.timeout_ms = request_opt_ms(L, 4, 1, "timeout", 0);
    h->defaults.connect_timeout_ms = request_opt_ms(L, 5, 1, "connect_timeout", 0);
    cfg.verify_tls = request_opt_boolean(L, 6, 1, "verify_tls", 1);
    cfg.ca_file = request_opt_string(L, 7, 1, "ca_file", NULL);
    cfg.proxy = request_opt_string(L, 8, 1, "proxy", NULL);
    h->defaults.max_body = request_opt_size(L, 9, 1, "max_body", SIZE_MAX);
    cfg.share = NULL;
    if (!engine_init(&h->engine, &cfg))
        return luaL_error(L, "batch.core.new: cannot create the curl handles (out of memory?)");
    lua_settop(L, 2);
    return 1;
}

/* h:close(), __gc, __close: the idempotent cleanup. A close from a finalizer while the handle is busy
 * raises (its transfers are in use). */
static int l_close(lua_State *L)
{
    struct handle *h = luaL_checkudata(L, 1, HANDLE_MT);
    if (h->busy)
        return luaL_error(L, "batch.core: a transfer is already running on this handle");
    cleanup(L, h);
    return 0;
}

/* __tostring: "batch.core.client (0x...)" or "batch.core.client (closed)". */
static int l_tostring(lua_State *L)
{
    struct handle *h = luaL_checkudata(L, 1, HANDLE_MT);
    if (h->closed)
        lua_pushliteral(L, "batch.core.client (closed)");
    else
        lua_pushfstring(L, "batch.core.client (%p)", (void *)h);
    return 1;
}

/* Every method gets push_outcome as its upvalue (h:request calls it under lua_pcall without making a
 * closure per call). */
static const luaL_Reg methods[] = {
    {"request", l_request},         {"start_many", l_start_many}, {"step_many", l_step_many},
    {"finish_many", l_finish_many}, {"abort_many", l_abort_many}, {"request_many", l_request_many},
    {"stream_many", l_stream_many}, {"close", l_close},           {NULL, NULL},
};

static const luaL_Reg meta[] = {
    {"__gc", l_close},
    {"__close", l_close},
    {"__tostring", l_tostring},
    {NULL, NULL},
};

/* Registers the handle metatable (methods under __index, each with push_outcome as upvalue) and
 * sets core.new. Stack: module mt methods while it is built. */
void handle_open(lua_State *L)
{
    luaL_newmetatable(L, HANDLE_MT); /* mt */
    compat_luaL_setfuncs(L, meta, 0);
    lua_newtable(L);                     /* mt methods */
    lua_pushcfunction(L, push_outcome);  /* mt methods push_outcome */
    compat_luaL_setfuncs(L, methods, 1); /* mt methods */
    lua_setfield(L, -2, "__index");      /* mt */
    lua_pop(L, 1);
    lua_pushcfunction(L, l_new);
    lua_setfield(L, -2, "new");
}
