/*
 * The client handle of batch.core: one libcurl easy handle (the main slot) driven through its own multi
 * handle, so that keep-alive connections stay in the multi's cache across requests, and a pool of more
 * slots on the same multi for request_many. Shared by client.c (the Lua binding), multi.c (request_many)
 * and transfer.c (the libcurl side, which never touches Lua).
 */
#ifndef BATCH_CLIENT_H
#define BATCH_CLIENT_H

#include <stdio.h>

#include <curl/curl.h>

#include "buffer.h"
#include "compat.h"

#define CLIENT_MT "batch.core.client"
#define DEFAULT_MAX_BODY ((size_t)64 * 1024 * 1024)
#define MAX_HEADER_BYTES ((size_t)1024 * 1024) /* all header lines of one response */

/* Why a transfer stopped on our side (curl then reports CURLE_WRITE_ERROR or similar). */
enum transfer_fail {
    FAIL_NONE = 0,
    FAIL_TOO_LARGE,         /* the body passed max_body */
    FAIL_HEADERS_TOO_LARGE, /* the header lines passed MAX_HEADER_BYTES */
    FAIL_IO,                /* the sink file could not be created or written; errno in io_errno */
    FAIL_NOMEM,             /* a buffer could not grow */
    FAIL_MULTI              /* the multi interface failed; code in mcode */
};

/* Where a 2xx/other body goes, decided at its first byte. */
enum sink_state { SINK_UNDECIDED = 0, SINK_MEMORY, SINK_FILE };

/* The state of one transfer, from start to finish/abort. */
struct transfer {
    int active;                  /* started, not yet finished or aborted */
    int done;                    /* libcurl reported the end of the transfer */
    CURLcode result;             /* libcurl's result, once done */
    enum transfer_fail fail;
    int io_errno;
    CURLMcode mcode;
    struct curl_slist *headers;  /* request headers; kept while the next request sends the same lines */
    struct buffer hlines;        /* the lines of `headers`, NUL-separated (empty: the list is not valid) */
    struct buffer hnext;         /* the lines of the request being read, compared with hlines */
    int body_ref;                /* registry reference anchoring the request body string */
    struct buffer head;          /* raw header lines of the current (last) response */
    struct buffer body;          /* body kept in memory, capped at max_body */
    curl_off_t bytes;            /* body bytes received (kept or written to the sink) */
    char *sink_path;             /* malloc'd copy of req.sink, or NULL */
    FILE *sink;                  /* open while the body streams to sink_path */
    int sink_created;            /* we created sink_path and still own it: a failure removes it */
    int sunk;                    /* the transfer succeeded and its body is in sink_path */
    int decode_json;             /* req.decode == "json": a 2xx body comes back decoded (res.json) */
    enum sink_state sink_state;
};

/* One easy handle and the transfer it runs. Every slot of a client is added to the client's multi
 * handle while it runs, so all of them share its connection cache (keep-alive) and DNS cache. */
struct slot {
    CURL *easy;
    CURLM *multi;                 /* the client's multi handle */
    int in_multi;                 /* easy is currently added to multi */
    int index;                    /* request_many: 1-based index of the request it runs; 0 when idle */
    char errbuf[CURL_ERROR_SIZE]; /* CURLOPT_ERRORBUFFER */
    struct transfer tr;
};

/* What request_many is running (see multi.c). */
struct many {
    int active;        /* started, not yet finished or aborted */
    int reqs_ref;      /* registry: the array of request tables (anchors their strings) */
    int res_ref;       /* registry: results so far, by index */
    int err_ref;       /* registry: errors so far, by index */
    int n;             /* number of requests */
    int next;          /* index of the next request to start */
    int done;          /* requests finished */
    int concurrency;   /* slots used at most */
    curl_off_t bytes_done; /* body bytes of the finished transfers */
};

struct client {
    struct slot main;            /* request, start, step, finish */
    CURLM *multi;
    CURLSH *share;               /* TLS sessions shared by every slot: new connections resume them */
    struct slot **pool;          /* request_many's slots, made on demand and kept (with the connections) */
    int pool_len;
    struct many many;
    int closed;
    long timeout_ms;             /* defaults for every request */
    long connect_timeout_ms;
    size_t max_body;
    /* handle options, kept to set up the pool's handles like the main one */
    char *user_agent;
    char *ca_file;
    char *proxy;
    int verify_tls;
};

/* What one request asks for, after the Lua layer's table has been read and checked. */
struct request_opts {
    const char *method;
    const char *url;
    const char *body;  /* NULL for no body */
    size_t body_len;
    long timeout_ms;
    long connect_timeout_ms;
    size_t max_body;
    long low_speed_time_s;  /* 0: no low-speed check */
    long low_speed_limit;   /* bytes per second */
};

/* transfer.c (each function is described there) */
CURLcode transfer_setup_handle(struct slot *s, CURLSH *share, const char *user_agent, int verify_tls,
                               const char *ca_file, const char *proxy);
CURLcode transfer_begin(struct slot *s, const struct request_opts *o);
int transfer_drive(struct slot *s, long wait_ms);
void transfer_complete(struct slot *s);
void transfer_abort(struct slot *s);
void transfer_release(struct transfer *t);
void transfer_init(struct transfer *t);
void transfer_free(struct transfer *t);
long transfer_status(struct slot *s);
curl_off_t transfer_total(struct slot *s);
int transfer_reused(struct slot *s);
const char *transfer_error_name(const struct transfer *t);
int transfer_sent(struct slot *s);
int transfer_ok(const struct transfer *t);

/* client.c: reading a request table and turning a finished transfer into Lua values, for multi.c. */
void client_read_request(lua_State *L, struct client *c, struct transfer *t, int req, struct request_opts *o);
int client_push_result(lua_State *L, struct slot *s);
int client_push_error(lua_State *L, struct slot *s, int sent);

/* multi.c: h:request_many, h:start_many, h:step_many, h:finish_many, h:abort_many. */
void many_abort(lua_State *L, struct client *c);
void many_free_pool(struct client *c);
extern const luaL_Reg many_methods[];

#endif
