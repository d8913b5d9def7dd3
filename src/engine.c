/* The engine of a client handle: multi handle, slots, the one drive loop; see engine.h. */
#include "engine.h"

#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "signals.h"

#define POLL_MS_MAX 1000 /* the loop looks at the clock and the signals at least this often */

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
    if (!ok || e->multi == NULL || e->share == NULL)
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
    return 1;
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

/* The one loop: perform, hand over what ended, then wait on the sockets and the signal pipe (a signal
 * wakes the wait at once) until something happens, the time is up or a signal is pending. */
enum engine_status engine_drive(struct engine *e, long wait_ms, engine_done_fn done, void *ud)
{
    double deadline = clock_now() + (wait_ms > 0 ? (double)wait_ms / 1000.0 : 0.0);
    for (;;) {
        int still = 0, n, poll_ms = POLL_MS_MAX;
        struct curl_waitfd wake;
        CURLMcode mc = curl_multi_perform(e->multi, &still);
        n = mc == CURLM_OK ? collect(e, done, ud) : fail_running(e, mc, done, ud);
        if (signals_pending()) /* even as the last transfer ends: the signal came during the wait */
            return ENGINE_INTERRUPTED;
        if (e->running == 0)
            return ENGINE_IDLE;
        if (n > 0)
            continue;     /* done may have started more: perform them at once */
        if (still == 0) { /* libcurl runs nothing while we think it does: never spin on it */
            fail_running(e, CURLM_INTERNAL_ERROR, done, ud);
            continue;
        }
        if (wait_ms >= 0) {
            double left = (deadline - clock_now()) * 1000.0;
            if (left <= 0)
                return ENGINE_TIME_UP;
            if (left < poll_ms)
                poll_ms = (int)left + 1; /* round up: never wake just before the deadline */
        }
        wake.fd = signals_fd();
        wake.events = CURL_WAIT_POLLIN;
        wake.revents = 0;
        mc = curl_multi_poll(e->multi, &wake, wake.fd >= 0 ? 1 : 0, poll_ms, NULL);
        if (mc != CURLM_OK)
            fail_running(e, mc, done, ud);
        else if (wake.revents != 0 && !signals_pending())
            signals_drain(); /* a byte of a signal already acted on: never spin on it */
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
