/*
 * Many requests at once on one client: h:request_many(reqs [, opts]) and its step-by-step form
 * h:start_many / h:step_many / h:finish_many / h:abort_many. Every request runs on a slot of the
 * client's pool (easy handles made on demand and kept), all on the client's multi handle: they share its
 * connection cache, so connections opened by one call are reused by the next one (and by h:request).
 * At most `concurrency` requests run at a time; each finished one frees its slot for the next.
 * The C core never calls Lua while transfers run: results are stored as the transfers end, and the
 * caller gets { [i] = res } and { [i] = err } (the shapes of h:request) at the end.
 */
#include "client.h"

#include <stdlib.h>
#include <string.h>

#include "clock.h"

#if LUA_VERSION_NUM >= 502
#define raw_len(L, i) lua_rawlen(L, i)
#else
#define raw_len(L, i) lua_objlen(L, i)
#endif

#define DEFAULT_CONCURRENCY 16
#define MAX_CONCURRENCY 1024
#define DEFAULT_STEP_SECONDS 0.1

/* ---- the pool ---------------------------------------------------------------------------------- */

/* A new idle slot set up like the client's main handle, or NULL when memory or libcurl fails. */
static struct slot *slot_new(struct client *c)
{
    struct slot *s = calloc(1, sizeof *s);
    if (s == NULL)
        return NULL;
    transfer_init(&s->tr);
    s->multi = c->multi;
    s->easy = curl_easy_init();
    if (s->easy == NULL
        || transfer_setup_handle(s, c->share, c->user_agent, c->verify_tls, c->ca_file, c->proxy) != CURLE_OK) {
        if (s->easy != NULL)
            curl_easy_cleanup(s->easy);
        free(s);
        return NULL;
    }
    return s;
}

/* Grows the pool to at least n slots. Returns 0 when memory or libcurl fails (the pool keeps what it
 * had). The connection cache is sized for every slot, so connections survive between calls. */
static int pool_grow(struct client *c, int n)
{
    struct slot **p;
    if (n <= c->pool_len)
        return 1;
    p = realloc(c->pool, sizeof *p * (size_t)n);
    if (p == NULL)
        return 0;
    c->pool = p;
    while (c->pool_len < n) {
        struct slot *s = slot_new(c);
        if (s == NULL)
            return 0;
        c->pool[c->pool_len++] = s;
    }
    /* the main slot may talk to the API and to a storage host: a few more than the pool */
    curl_multi_setopt(c->multi, CURLMOPT_MAXCONNECTS, (long)c->pool_len + 4);
    return 1;
}

/* Frees every slot of the pool (they must be idle: many_abort first). Before the multi handle goes. */
void many_free_pool(struct client *c)
{
    int i;
    for (i = 0; i < c->pool_len; i++) {
        struct slot *s = c->pool[i];
        transfer_abort(s);
        transfer_free(&s->tr);
        curl_easy_cleanup(s->easy);
        free(s);
    }
    free(c->pool);
    c->pool = NULL;
    c->pool_len = 0;
}

/* ---- running ----------------------------------------------------------------------------------- */

static void unref(lua_State *L, int *ref)
{
    if (*ref != LUA_NOREF) {
        luaL_unref(L, LUA_REGISTRYINDEX, *ref);
        *ref = LUA_NOREF;
    }
}

/* Stores the outcome of slot s's finished transfer at its index (results or errors) and frees the slot. */
static void complete_one(lua_State *L, struct client *c, struct slot *s)
{
    int i = s->index;
    transfer_complete(s);
    unref(L, &s->tr.body_ref);
    c->many.bytes_done += s->tr.bytes;
    if (transfer_ok(&s->tr)) {
        lua_rawgeti(L, LUA_REGISTRYINDEX, c->many.res_ref); /* results */
        client_push_result(L, s);                          /* results res */
        lua_rawseti(L, -2, i);
        lua_pop(L, 1);
    } else {
        lua_rawgeti(L, LUA_REGISTRYINDEX, c->many.err_ref); /* errors */
        client_push_error(L, s, transfer_sent(s));         /* errors nil err */
        lua_rawseti(L, -3, i);
        lua_pop(L, 2);
    }
    transfer_release(&s->tr);
    s->index = 0;
    c->many.done++;
}

/* Starts request i on the idle slot s; a request libcurl refuses at once is finished as an error.
 * Raises only when the request table no longer reads as it did when start_many checked it. */
static void start_one(lua_State *L, struct client *c, struct slot *s, int i)
{
    struct request_opts o;
    int top = lua_gettop(L), req;
    CURLcode rc;
    lua_rawgeti(L, LUA_REGISTRYINDEX, c->many.reqs_ref); /* reqs */
    lua_rawgeti(L, -1, i);                              /* reqs req */
    req = lua_gettop(L);
    transfer_release(&s->tr);
    client_read_request(L, c, &s->tr, req, &o);
    if (o.body != NULL) { /* the body string must outlive the transfer: libcurl does not copy it */
        lua_getfield(L, req, "body");
        s->tr.body_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    }
    s->index = i;
    rc = transfer_begin(s, &o);
    if (rc != CURLE_OK) {
        s->tr.result = rc;
        s->tr.fail = FAIL_NONE;
        s->tr.done = 1;
        complete_one(L, c, s);
    }
    lua_settop(L, top);
}

/* Starts pending requests on the idle slots, up to the concurrency. */
static void fill(lua_State *L, struct client *c)
{
    int k;
    for (k = 0; k < c->many.concurrency && c->many.next <= c->many.n; k++) {
        struct slot *s = c->pool[k];
        if (s->index == 0)
            start_one(L, c, s, c->many.next++);
    }
}

/* The multi interface failed: every running and pending request ends with that error. */
static void fail_all(lua_State *L, struct client *c, CURLMcode mc)
{
    int k;
    for (k = 0; k < c->many.concurrency; k++) {
        struct slot *s = c->pool[k];
        if (s->index != 0) {
            s->tr.fail = FAIL_MULTI;
            s->tr.mcode = mc;
            s->tr.result = CURLE_FAILED_INIT;
            s->tr.done = 1;
            complete_one(L, c, s);
        }
    }
    lua_rawgeti(L, LUA_REGISTRYINDEX, c->many.err_ref); /* errors */
    for (; c->many.next <= c->many.n; c->many.next++) {
        lua_createtable(L, 0, 3);
        lua_pushliteral(L, "NETWORK_ERROR");
        lua_setfield(L, -2, "name");
        lua_pushstring(L, curl_multi_strerror(mc));
        lua_setfield(L, -2, "message");
        lua_pushboolean(L, 0);
        lua_setfield(L, -2, "sent");
        lua_rawseti(L, -2, c->many.next);
        c->many.done++;
    }
    lua_pop(L, 1);
}

/* Drives the requests for at most wait_ms milliseconds (wait_ms < 0: until all have ended).
 * Returns 1 once every request has ended. */
static int drive(lua_State *L, struct client *c, long wait_ms)
{
    struct many *m = &c->many;
    double deadline = clock_now() + (wait_ms > 0 ? wait_ms : 0) / 1000.0;
    for (;;) {
        int running = 0, left = 0, ended = 0, poll_ms = 1000;
        CURLMsg *msg;
        CURLMcode mc;
        fill(L, c);
        if (m->done >= m->n)
            return 1;
        mc = curl_multi_perform(c->multi, &running);
        if (mc != CURLM_OK) {
            fail_all(L, c, mc);
            return 1;
        }
        while ((msg = curl_multi_info_read(c->multi, &left)) != NULL) {
            char *priv = NULL;
            struct slot *s;
            if (msg->msg != CURLMSG_DONE)
                continue;
            curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &priv);
            s = (struct slot *)(void *)priv;
            if (s == NULL || s->index == 0)
                continue;
            s->tr.result = msg->data.result;
            s->tr.done = 1;
            complete_one(L, c, s); /* removing the handle here is allowed by libcurl */
            ended++;
        }
        if (ended > 0)
            continue; /* start the next requests at once */
        if (m->done >= m->n)
            return 1;
        if (running == 0) { /* cannot happen with handles added; never spin on it */
            fail_all(L, c, CURLM_INTERNAL_ERROR);
            return 1;
        }
        if (wait_ms >= 0) {
            double remaining = (deadline - clock_now()) * 1000.0;
            if (remaining <= 0)
                return 0;
            if (remaining < poll_ms)
                poll_ms = (int)remaining + 1;
        }
        mc = curl_multi_poll(c->multi, NULL, 0, poll_ms, NULL);
        if (mc != CURLM_OK) {
            fail_all(L, c, mc);
            return 1;
        }
    }
}

/* Cancels whatever request_many runs (removing partial sink files) and drops its state. Idempotent. */
void many_abort(lua_State *L, struct client *c)
{
    int k;
    if (!c->many.active)
        return;
    for (k = 0; k < c->pool_len; k++) {
        struct slot *s = c->pool[k];
        if (s->index != 0) {
            transfer_abort(s);
            unref(L, &s->tr.body_ref);
            transfer_release(&s->tr);
            s->index = 0;
        }
    }
    unref(L, &c->many.reqs_ref);
    unref(L, &c->many.res_ref);
    unref(L, &c->many.err_ref);
    c->many.active = 0;
}

/* ---- methods ----------------------------------------------------------------------------------- */

/* The open client at index 1; raises when closed, or (want_many) unless request_many runs, or
 * (!want_many) when any transfer runs. */
static struct client *check(lua_State *L, int want_many)
{
    struct client *c = luaL_checkudata(L, 1, CLIENT_MT);
    if (c->closed)
        luaL_error(L, "batch.core: handle is closed");
    if (want_many && !c->many.active)
        luaL_error(L, "batch.core: no start_many running on this handle");
    if (!want_many && (c->many.active || c->main.tr.active))
        luaL_error(L, "batch.core: a transfer is already running on this handle");
    return c;
}

/* h:start_many(reqs [, {concurrency = 16}]) -> true. Checks every request table first (a malformed one
 * raises before anything is sent), then starts the first ones. Stack: 1 handle, 2 reqs, 3 options. */
static int l_start_many(lua_State *L)
{
    struct client *c = check(L, 0);
    struct many *m = &c->many;
    lua_Integer conc = DEFAULT_CONCURRENCY;
    int n, i;
    luaL_checktype(L, 2, LUA_TTABLE);
    if (!lua_isnoneornil(L, 3)) {
        luaL_checktype(L, 3, LUA_TTABLE);
        lua_getfield(L, 3, "concurrency");
        if (!lua_isnil(L, -1)) {
            lua_Number v;
            if (lua_type(L, -1) != LUA_TNUMBER)
                luaL_argerror(L, 3, "'concurrency' must be a whole number");
            v = lua_tonumber(L, -1);
            if (!(v >= 1 && v <= MAX_CONCURRENCY) || v != (lua_Number)(lua_Integer)v)
                luaL_argerror(L, 3, lua_pushfstring(L, "'concurrency' must be a whole number from 1 to %d",
                                                    MAX_CONCURRENCY));
            conc = (lua_Integer)v;
        }
    }
    lua_settop(L, 2);
    n = (int)raw_len(L, 2);
    /* every request is read once before any is sent; the main slot's idle transfer is the scratch space
     * (what a raise leaves there is freed by its next request or the cleanup) */
    for (i = 1; i <= n; i++) {
        struct request_opts o;
        lua_rawgeti(L, 2, i);
        if (!lua_istable(L, 3))
            luaL_argerror(L, 2, lua_pushfstring(L, "request %d must be a table, got %s", i, luaL_typename(L, 3)));
        transfer_release(&c->main.tr);
        client_read_request(L, c, &c->main.tr, 3, &o);
        transfer_release(&c->main.tr);
        lua_settop(L, 2);
    }
    if (conc > n)
        conc = n;
    if (!pool_grow(c, (int)conc))
        return luaL_error(L, "batch.core: out of memory (or libcurl failed) making %d handles", (int)conc);
    memset(m, 0, sizeof *m);
    lua_pushvalue(L, 2);
    m->reqs_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    lua_createtable(L, n, 0);
    m->res_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    lua_newtable(L);
    m->err_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    m->n = n;
    m->next = 1;
    m->concurrency = (int)conc;
    m->active = 1;
    fill(L, c);
    lua_pushboolean(L, 1);
    return 1;
}

/* Body bytes received so far by every request (finished or running). */
static curl_off_t bytes_so_far(struct client *c)
{
    curl_off_t b = c->many.bytes_done;
    int k;
    for (k = 0; k < c->many.concurrency; k++)
        if (c->pool[k]->index != 0)
            b += c->pool[k]->tr.bytes;
    return b;
}

/* h:step_many([seconds = 0.1]) -> done, bytes, ended: drives the requests for at most that long; bytes
 * counts the body bytes received by all of them, ended how many requests have ended. */
static int l_step_many(lua_State *L)
{
    struct client *c = check(L, 1);
    lua_Number s = luaL_optnumber(L, 2, DEFAULT_STEP_SECONDS);
    long ms = s > 0 ? (s < 1e6 ? (long)(s * 1000 + 0.5) : 1000000000L) : 0;
    int done = drive(L, c, ms);
    lua_pushboolean(L, done);
    lua_pushinteger(L, (lua_Integer)bytes_so_far(c));
    lua_pushinteger(L, (lua_Integer)c->many.done);
    return 3;
}

/* h:finish_many() -> results, errors: runs the requests to their end; results[i] is request i's res
 * (as h:request gives it) or errors[i] its err. */
static int l_finish_many(lua_State *L)
{
    struct client *c = check(L, 1);
    drive(L, c, -1);
    lua_rawgeti(L, LUA_REGISTRYINDEX, c->many.res_ref);
    lua_rawgeti(L, LUA_REGISTRYINDEX, c->many.err_ref);
    many_abort(L, c); /* nothing runs any more: drops the references */
    return 2;
}

/* h:abort_many() -> true: cancels the requests still running (removing their partial sink files). */
static int l_abort_many(lua_State *L)
{
    struct client *c = luaL_checkudata(L, 1, CLIENT_MT);
    if (!c->closed)
        many_abort(L, c);
    lua_pushboolean(L, 1);
    return 1;
}

/* h:request_many(reqs [, {concurrency = 16}]) -> results, errors: start_many then finish_many. */
static int l_request_many(lua_State *L)
{
    lua_settop(L, 3);
    l_start_many(L);
    lua_settop(L, 1);
    return l_finish_many(L);
}

const luaL_Reg many_methods[] = {
    {"request_many", l_request_many},
    {"start_many", l_start_many},
    {"step_many", l_step_many},
    {"finish_many", l_finish_many},
    {"abort_many", l_abort_many},
    {NULL, NULL},
};
