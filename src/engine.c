/* The engine of a client handle: multi handle, slots, the one drive loop; see engine.h. */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L /* poll */
#endif
#include "engine.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "signals.h"

#define POLL_MS_MAX 1000 /* the loop looks at the clock and the signals at least this often */

static int watch_sockets(struct engine *e);
static int grow_watch(struct engine *e, int cap);

/* A malloc'd copy of s (NULL for NULL); sets *ok to 0 when memory runs out. */
static char *dup_string(const char *s, int *ok)
{
    char *copy;
    if (s == NULL)
        return NULL;
    copy = malloc(strlen(s) + 1);
    if (copy == NULL) {
        *ok = 0;
        return NULL;
    }
    strcpy(copy, s);
    return copy;
}

/* Makes the multi and share handles and the first slot; see engine.h. */
int engine_init(struct engine *e, const struct transfer_config *cfg)
{
    int ok = 1;
    memset(e, 0, sizeof *e);
    e->cfg.user_agent = dup_string(cfg->user_agent, &ok);
    e->cfg.ca_file = dup_string(cfg->ca_file, &ok);
    e->cfg.proxy = dup_string(cfg->proxy, &ok);
    e->cfg.verify_tls = cfg->verify_tls;
    e->multi = curl_multi_init();
    e->share = curl_share_init();
    if (!ok || e->multi == NULL || e->share == NULL || !watch_sockets(e))
        return 0;
    /* one thread per client: the share needs no lock callbacks */
    if (curl_share_setopt(e->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION) != CURLSHE_OK)
        return 0;
    e->cfg.share = e->share;
    return engine_grow(e, 1);
}

/* Frees every slot, then the multi handle (closing the cached connections), then the share handle
 * (after every easy handle that used it). */
void engine_free(struct engine *e)
{
    int i;
    engine_abort_all(e);
    for (i = 0; i < e->nslots; i++) {
        transfer_free(&e->slots[i]->tr);
        free(e->slots[i]);
    }
    free(e->slots);
    e->slots = NULL;
    e->nslots = 0;
    if (e->multi != NULL)
        curl_multi_cleanup(e->multi);
    if (e->share != NULL)
        curl_share_cleanup(e->share);
    e->multi = NULL;
    e->share = NULL;
    free(e->fds); /* after the multi handle, whose cleanup may still tell on_socket of its sockets */
    free(e->ready);
    e->fds = NULL;
    e->ready = NULL;
    e->nfds = e->cap = 0;
    free((char *)e->cfg.user_agent);
    free((char *)e->cfg.ca_file);
    free((char *)e->cfg.proxy);
    memset(&e->cfg, 0, sizeof e->cfg);
}

/* Grows the pool to n slots; the connection cache is sized for every slot, so connections survive
 * between calls. */
int engine_grow(struct engine *e, int n)
{
    struct slot **p;
    if (n <= e->nslots)
        return 1;
    p = realloc(e->slots, sizeof *p * (size_t)n);
    if (p == NULL)
        return 0;
    e->slots = p;
    while (e->nslots < n) {
        struct slot *s = calloc(1, sizeof *s);
        if (s == NULL)
            return 0;
        if (!transfer_init(&s->tr, &e->cfg)) {
            free(s);
            return 0;
        }
        e->slots[e->nslots++] = s;
    }
    /* a few more than the slots: the API and a storage host may both be talked to */
    curl_multi_setopt(e->multi, CURLMOPT_MAXCONNECTS, (long)e->nslots + 4);
    /* room to watch about three sockets a slot (a connection being made may try two addresses at once),
     * made here where a failure can be told, not in on_socket */
    return e->cap >= 3 * e->nslots + 8 || grow_watch(e, 3 * e->nslots + 8);
}

/* Adds the prepared easy handle of s to the multi handle. */
CURLcode engine_start(struct engine *e, struct slot *s, int index)
{
    s->index = index;
    if (curl_multi_add_handle(e->multi, s->tr.easy) != CURLM_OK)
        return CURLE_FAILED_INIT;
    s->in_multi = 1;
    e->running++;
    return CURLE_OK;
}

/* Takes s out of the multi handle (its connection stays in the cache, unless half used). */
static void detach(struct engine *e, struct slot *s)
{
    if (s->in_multi) {
        curl_multi_remove_handle(e->multi, s->tr.easy);
        s->in_multi = 0;
        e->running--;
    }
}

/* A transfer ended with result: out of the multi handle, completed, handed to done. */
static void ended(struct engine *e, struct slot *s, CURLcode result, engine_done_fn done, void *ud)
{
    s->tr.result = result;
    s->tr.done = 1;
    detach(e, s);
    transfer_complete(&s->tr);
    if (done != NULL)
        done(ud, s);
}

/* Ends every running transfer with the multi interface's failure. Returns how many ended. */
static int fail_running(struct engine *e, CURLMcode mc, engine_done_fn done, void *ud)
{
    int i, n = 0;
    for (i = 0; i < e->nslots; i++) {
        struct slot *s = e->slots[i];
        if (s->in_multi) {
            s->tr.fail = FAIL_MULTI;
            s->tr.mcode = mc;
            ended(e, s, CURLE_FAILED_INIT, done, ud);
            n++;
        }
    }
    return n;
}

/* Hands every transfer libcurl reports done to `ended`. Returns how many ended. */
static int collect(struct engine *e, engine_done_fn done, void *ud)
{
    CURLMsg *msg;
    int left = 0, n = 0;
    while ((msg = curl_multi_info_read(e->multi, &left)) != NULL) {
        char *priv = NULL;
        struct slot *s;
        if (msg->msg != CURLMSG_DONE)
            continue;
        curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &priv);
        /* CURLOPT_PRIVATE is the transfer, the first member of its slot */
        s = (struct slot *)(void *)priv;
        if (s == NULL || !s->in_multi)
            continue;
        ended(e, s, msg->data.result, done, ud); /* removing the handle here is allowed by libcurl */
        n++;
    }
    return n;
}

/* Makes room for cap watched sockets. Returns 0 when memory runs out (what was there stays). */
static int grow_watch(struct engine *e, int cap)
{
    struct pollfd *fds = realloc(e->fds, sizeof *fds * (size_t)cap);
    struct engine_ready *ready;
    if (fds == NULL)
        return 0;
    e->fds = fds;
    ready = realloc(e->ready, sizeof *ready * (size_t)cap);
    if (ready == NULL)
        return 0;
    e->ready = ready;
    e->cap = cap;
    return 1;
}

/* CURLMOPT_SOCKETFUNCTION: keeps e->fds (entry 0 is the signal pipe) to the sockets libcurl waits on and
 * what it waits for. A linear search: a few hundred entries at most, and a socket changes what it waits
 * for about twice a request. */
static int on_socket(CURL *easy, curl_socket_t fd, int what, void *userp, void *socketp)
{
    struct engine *e = userp;
    int i;
    (void)easy;
    (void)socketp;
    for (i = 1; i < e->nfds && e->fds[i].fd != fd; i++)
        ;
    if (what == CURL_POLL_REMOVE) {
        if (i < e->nfds)
            e->fds[i] = e->fds[--e->nfds];
        return 0;
    }
    if (i == e->nfds) {
        /* engine_grow keeps room for every slot's sockets: a -1 here would make libcurl give up on the
         * whole multi handle, for good */
        if (e->nfds == e->cap && !grow_watch(e, e->cap * 2))
            return -1;
        e->fds[e->nfds++].fd = fd;
    }
    e->fds[i].events = (short)((what & CURL_POLL_IN ? POLLIN : 0) | (what & CURL_POLL_OUT ? POLLOUT : 0));
    e->fds[i].revents = 0;
    return 0;
}

/* CURLMOPT_TIMERFUNCTION: when libcurl wants curl_multi_socket_action(CURL_SOCKET_TIMEOUT) (-1: never). */
static int on_timer(CURLM *multi, long timeout_ms, void *userp)
{
    struct engine *e = userp;
    (void)multi;
    e->timer_at = timeout_ms < 0 ? -1.0 : clock_now() + (double)timeout_ms / 1000.0;
    return 0;
}

/* Installs the callbacks above on e's multi handle. Returns 0 when libcurl or memory fails. */
static int watch_sockets(struct engine *e)
{
    if (!grow_watch(e, 16))
        return 0;
    e->nfds = 1;
    e->fds[0].fd = -1;
    e->timer_at = -1.0;
    return curl_multi_setopt(e->multi, CURLMOPT_SOCKETFUNCTION, on_socket) == CURLM_OK
        && curl_multi_setopt(e->multi, CURLMOPT_SOCKETDATA, e) == CURLM_OK
        && curl_multi_setopt(e->multi, CURLMOPT_TIMERFUNCTION, on_timer) == CURLM_OK
        && curl_multi_setopt(e->multi, CURLMOPT_TIMERDATA, e) == CURLM_OK;
}

/* Tells libcurl what poll saw on the sockets (copied first: libcurl's callbacks reorder e->fds). Returns
 * the first failure of the multi interface, or CURLM_OK. */
static CURLMcode act_on_sockets(struct engine *e)
{
    CURLMcode first = CURLM_OK;
    int i, n = 0, still;
    for (i = 1; i < e->nfds; i++) {
        short r = e->fds[i].revents;
        if (r != 0) {
            int ev = (r & (POLLIN | POLLHUP) ? CURL_CSELECT_IN : 0) | (r & POLLOUT ? CURL_CSELECT_OUT : 0)
                | (r & (POLLERR | POLLNVAL) ? CURL_CSELECT_ERR : 0);
            e->ready[n].fd = e->fds[i].fd;
            e->ready[n++].events = ev;
        }
    }
    for (i = 0; i < n; i++) {
        CURLMcode mc = curl_multi_socket_action(e->multi, e->ready[i].fd, e->ready[i].events, &still);
        if (first == CURLM_OK)
            first = mc;
    }
    return first;
}

/* The milliseconds to wait for libcurl's timer, rounded up (never wake just before it), at most max_ms. */
static int timer_wait_ms(const struct engine *e, double now, int max_ms)
{
    double left;
    if (e->timer_at < 0)
        return max_ms;
    left = (e->timer_at - now) * 1000.0;
    if (left <= 0)
        return 0;
    return left < max_ms ? (int)left + 1 : max_ms;
}

/* The one loop, on libcurl's socket interface (only the transfers whose sockets are ready, or whose time
 * came, are looked at: a pool of hundreds costs per event, not per transfer): act on libcurl's timer, hand
 * over what ended, then poll the sockets and the signal pipe (a signal wakes the poll at once) until
 * something happens, the time is up or a signal is pending. */
enum engine_status engine_drive(struct engine *e, long wait_ms, engine_done_fn done, void *ud)
{
    double deadline = clock_now() + (wait_ms > 0 ? (double)wait_ms / 1000.0 : 0.0);
    CURLMcode mc = CURLM_OK;
    int last_look = 0; /* the time is up: one more look at the sockets, without waiting, before returning */
    for (;;) {
        int n, poll_ms, still;
        double now = clock_now();
        if (e->timer_at >= 0 && e->timer_at <= now) {
            CURLMcode tmc;
            e->timer_at = -1.0; /* libcurl sets the next one */
            tmc = curl_multi_socket_action(e->multi, CURL_SOCKET_TIMEOUT, 0, &still);
            if (mc == CURLM_OK)
                mc = tmc;
            now = clock_now();
        }
        n = mc == CURLM_OK ? collect(e, done, ud) : fail_running(e, mc, done, ud);
        mc = CURLM_OK;
        if (signals_pending()) /* even as the last transfer ends: the signal came during the wait */
            return ENGINE_INTERRUPTED;
        if (e->running == 0)
            return ENGINE_IDLE;
        if (n > 0)
            continue;                          /* done may have started more: libcurl's timer says when (at once) */
        if (e->timer_at < 0 && e->nfds == 1) { /* nothing would ever wake the poll: never hang on it */
            fail_running(e, CURLM_INTERNAL_ERROR, done, ud);
            continue;
        }
        poll_ms = timer_wait_ms(e, now, POLL_MS_MAX);
        if (wait_ms >= 0) {
            double left = (deadline - now) * 1000.0;
            if (left <= 0) {
                if (last_look)
                    return ENGINE_TIME_UP;
                last_look = 1; /* what is ready now moves on, even for a wait of 0 */
                poll_ms = 0;
            } else if (left < poll_ms) {
                poll_ms = (int)left + 1; /* round up: never wake just before the deadline */
            }
        }
        e->fds[0].fd = signals_fd();
        e->fds[0].events = POLLIN;
        if (poll(e->fds, (nfds_t)e->nfds, poll_ms) < 0) {
            if (errno != EINTR)
                mc = CURLM_INTERNAL_ERROR; /* every transfer ends with it: the loop cannot wait */
            continue;
        }
        if (e->fds[0].revents != 0 && !signals_pending())
            signals_drain(); /* a byte of a signal already acted on: never spin on it */
        mc = act_on_sockets(e);
    }
}

/* Cancels the transfer of s; see engine.h. */
void engine_abort(struct engine *e, struct slot *s)
{
    detach(e, s);
    transfer_abort(&s->tr);
    s->index = 0;
}

/* Cancels every running transfer. */
void engine_abort_all(struct engine *e)
{
    int i;
    for (i = 0; i < e->nslots; i++)
        if (e->slots[i]->in_multi || e->slots[i]->index != 0)
            engine_abort(e, e->slots[i]);
}
