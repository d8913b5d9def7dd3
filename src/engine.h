/*
 * The engine of a client handle: one multi handle, a pool of slots (easy handles, each running at most one
 * transfer) and the one loop that drives whatever runs on them. A single request is a run of one slot.
 * Every slot sits on the same multi handle, so they share its connection cache (keep-alive) and, through
 * a share handle, TLS sessions: the connections of one call serve the next one. No Lua here; the handle
 * (handle.c) gives the loop a callback for each transfer that ends.
 */
#ifndef BATCH_ENGINE_H
#define BATCH_ENGINE_H

#include <poll.h>

#include <curl/curl.h>

#include "transfer.h"

/* A socket poll found ready, and what it is ready for (CURL_CSELECT_* bits). */
struct engine_ready {
    curl_socket_t fd;
    int events;
};

/* One easy handle and the transfer it runs. */
struct slot {
    struct transfer tr;
    int in_multi; /* the easy handle is added to the engine's multi handle */
    int index;    /* the 1-based index of the request it runs; 0 when idle */
};

struct engine {
    CURLM *multi;
    CURLSH *share;
    struct slot **slots; /* made on demand and kept (their connections stay in the cache) */
    int nslots;
    int running; /* slots in the multi handle */
    /* what libcurl's socket interface asks to watch (engine.c); fds[0] is the signal pipe */
    struct pollfd *fds;
    int nfds, cap;
    struct engine_ready *ready; /* cap entries: the sockets one poll found ready */
    double timer_at;            /* clock_now() time libcurl's timer is due, or -1 for none */
    struct transfer_config cfg; /* its strings are malloc'd copies owned here */
};

/* How engine_drive returned. */
enum engine_status {
    ENGINE_IDLE,       /* nothing runs any more */
    ENGINE_TIME_UP,    /* the time given ran out first */
    ENGINE_INTERRUPTED /* a signal came (signals.h); what runs still runs */
};

/* Called for each transfer that ends, once it is out of the multi handle and completed (transfer_complete);
 * it may start another transfer on the slot. */
typedef void (*engine_done_fn)(void *ud, struct slot *s);

/* Makes the multi and share handles and one slot. cfg's strings are copied. Returns 0 when memory or
 * libcurl fails (engine_free then frees what was made). */
int engine_init(struct engine *e, const struct transfer_config *cfg);

/* Cancels whatever runs (removing the sink files it created) and frees everything. Idempotent. */
void engine_free(struct engine *e);

/* Grows the pool to at least n slots. Returns 0 when memory or libcurl fails (the pool keeps what it had). */
int engine_grow(struct engine *e, int n);

/* Starts the prepared transfer of slot s (transfer_prepare done) as request `index`. */
CURLcode engine_start(struct engine *e, struct slot *s, int index);

/* Drives the running transfers for at most wait_ms milliseconds (wait_ms < 0: until none runs), calling
 * done for each one that ends. Returns at once, transfers still running, when a signal is pending. */
enum engine_status engine_drive(struct engine *e, long wait_ms, engine_done_fn done, void *ud);

/* Cancels the transfer of slot s, if it runs (removing the sink file it created); the slot becomes idle. */
void engine_abort(struct engine *e, struct slot *s);

/* Cancels every running transfer. */
void engine_abort_all(struct engine *e);

#endif
