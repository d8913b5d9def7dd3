/*
 * The client handle of batch.core: one libcurl easy handle driven through its own multi handle, so
 * that keep-alive connections stay in the multi's cache across requests. Shared by client.c (the Lua
 * binding) and transfer.c (the libcurl side, which never touches Lua).
 */
#ifndef BATCH_CLIENT_H
#define BATCH_CLIENT_H

#include <stdio.h>

#include <curl/curl.h>

#include "buffer.h"

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
    struct curl_slist *headers;  /* request headers, alive until the transfer ends */
    int body_ref;                /* registry reference anchoring the request body string */
    struct buffer head;          /* raw header lines of the current (last) response */
    struct buffer body;          /* body kept in memory, capped at max_body */
    curl_off_t bytes;            /* body bytes received (kept or written to the sink) */
    char *sink_path;             /* malloc'd copy of req.sink, or NULL */
    FILE *sink;                  /* open while the body streams to sink_path */
    int sink_created;            /* we created sink_path and still own it: a failure removes it */
    int sunk;                    /* the transfer succeeded and its body is in sink_path */
    enum sink_state sink_state;
};

struct client {
    CURL *easy;
    CURLM *multi;
    int in_multi;                /* easy is currently added to multi */
    int closed;
    long timeout_ms;             /* defaults for every request */
    long connect_timeout_ms;
    size_t max_body;
    char errbuf[CURL_ERROR_SIZE]; /* CURLOPT_ERRORBUFFER */
    struct transfer tr;
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
CURLcode transfer_setup_handle(struct client *c, const char *user_agent, int verify_tls,
                               const char *ca_file, const char *proxy);
CURLcode transfer_begin(struct client *c, const struct request_opts *o);
int transfer_drive(struct client *c, long wait_ms);
void transfer_complete(struct client *c);
void transfer_abort(struct client *c);
void transfer_release(struct transfer *t);
long transfer_status(struct client *c);
curl_off_t transfer_total(struct client *c);
int transfer_reused(struct client *c);
const char *transfer_error_name(const struct transfer *t);
int transfer_sent(struct client *c);
int transfer_ok(const struct transfer *t);

#endif
