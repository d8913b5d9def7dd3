/*
 * One libcurl transfer: the options of its easy handle, the callbacks that gather the response into C
 * buffers (or stream a 2xx body to the sink file), and what a finished transfer was (its failure kind,
 * whether the request may have been sent). Pure C: nothing here touches Lua.
 */
#ifndef BATCH_TRANSFER_H
#define BATCH_TRANSFER_H

#include <curl/curl.h>

#include "buffer.h"

/* The header block of one response (status line and fields): more is too_large. The nginx socket engine
 * (lua/batch/ngx_socket.lua) has the same limit. */
#define TRANSFER_MAX_HEADER_BYTES ((size_t)64 * 1024)
#define TRANSFER_MAX_HEADER_LINES 1000

/* Why a transfer stopped on our side, or failed although libcurl said it went well. */
enum transfer_fail {
    FAIL_NONE = 0,
    FAIL_TOO_LARGE,         /* the body passed max_body */
    FAIL_HEADERS_TOO_LARGE, /* the header block passed TRANSFER_MAX_HEADER_BYTES or _LINES */
    FAIL_TRUNCATED_HEAD,    /* the connection ended before the blank line that ends the headers */
    FAIL_IO,                /* the sink file could not be created, written or closed; errno in io_errno */
    FAIL_NOMEM,             /* a buffer could not grow */
    FAIL_MULTI              /* the multi interface failed; code in mcode */
};

/* What a failed transfer was, as the Lua layer reads it (failure.kind). */
enum transfer_kind { KIND_TIMEOUT = 0, KIND_NETWORK, KIND_TLS, KIND_TOO_LARGE, KIND_IO };

/* Where the body goes, decided at its first byte. */
enum sink_state { SINK_UNDECIDED = 0, SINK_MEMORY, SINK_FILE };

/* The handle-wide options every easy handle is set up with. */
struct transfer_config {
    const char *user_agent;
    const char *ca_file; /* NULL: libcurl's default trust */
    const char *proxy;   /* NULL: libcurl reads the proxy environment variables */
    int verify_tls;
    CURLSH *share; /* TLS sessions shared by every easy handle of the client */
};

/* What one request asks for (request.c reads it from the Lua table). The strings must outlive the
 * transfer's start; the body must outlive the transfer (libcurl does not copy it). */
struct transfer_options {
    const char *method;
    const char *url;
    const char *body; /* NULL: no body */
    size_t body_len;
    long timeout_ms;         /* 0: no total timeout */
    long connect_timeout_ms; /* 0: libcurl's */
    size_t max_body;         /* bytes of body kept in memory */
    long low_speed_time_s;   /* 0: no low-speed check */
    long low_speed_limit;    /* bytes per second */
};

/* The per-request options transfer_prepare last set on the easy handle: one equal to the last request's
 * is not set again (a client's requests mostly differ by their URL alone). valid = 0: set every one. */
struct transfer_set {
    int valid;
    int plain_get; /* the method options are those of a GET without a body */
    struct curl_slist *headers;
    long buffer_size, fresh, timeout_ms, connect_timeout_ms, low_speed_time_s, low_speed_limit;
};

struct transfer {
    CURL *easy;
    struct transfer_set set;
    char errbuf[CURL_ERROR_SIZE]; /* CURLOPT_ERRORBUFFER */
    int done;                     /* libcurl reported the end (result is set) */
    CURLcode result;
    enum transfer_fail fail;
    int io_errno;
    CURLMcode mcode;
    struct curl_slist *headers; /* request headers; kept while the next request sends the same lines */
    struct buffer hlines;       /* the lines of `headers`, NUL-separated (empty: the list is not valid) */
    struct buffer hnext;        /* the lines of the request being read, compared with hlines */
    struct buffer head;         /* raw header lines of the current (last) response */
    int head_lines;             /* header lines of the current response */
    int head_complete;          /* its blank line came */
    struct buffer body;         /* body kept in memory, capped at max_body */
    curl_off_t bytes;           /* body bytes received (kept or written to the sink) */
    char *sink_path;            /* malloc'd copy of req.sink, or NULL */
    int sink_fd;                /* open while the body streams to sink_path, else -1 */
    int sink_created;           /* this transfer created sink_path and owns it: a failure removes it */
    int sunk;                   /* the transfer succeeded and its body is in sink_path */
    int decode_json;            /* req.decode == "json": a 2xx body comes back decoded */
    int proxy_unread;           /* no proxy option, and the proxy variables not read yet (see transfer_prepare) */
    enum sink_state sink_state;
};

/* An idle transfer with a new easy handle set up with cfg. Returns 0 when libcurl fails (nothing to free). */
int transfer_init(struct transfer *t, const struct transfer_config *cfg);

/* Frees everything, the easy handle included. The transfer must not be in a multi handle. */
void transfer_free(struct transfer *t);

/* Makes the lines gathered in hnext the request's header list, reusing the kept list when they are the
 * same. Returns 0 when memory runs out. */
int transfer_use_headers(struct transfer *t);

/* Sets the per-request options (the header list and the sink path are in place). Returns libcurl's code. */
CURLcode transfer_prepare(struct transfer *t, const struct transfer_options *o);

/* Ends a finished transfer (taken out of its multi handle): closes the sink; a 2xx with an empty body
 * still creates the sink file; a failed transfer removes the sink file it created, a successful one
 * hands it over (sunk). The buffers stay for the caller to read. */
void transfer_complete(struct transfer *t);

/* Cancels a transfer (taken out of its multi handle): closes the sink and removes the file it created,
 * even complete, unless transfer_release handed it over already. */
void transfer_abort(struct transfer *t);

/* Frees what one request owned (its sink path) and trims the buffers; the header list stays. A complete
 * sink file is handed over: nothing removes it any more. */
void transfer_release(struct transfer *t);

/* Whether the finished transfer succeeded (any HTTP status counts as success here). */
int transfer_ok(const struct transfer *t);

/* The failure kind of a failed transfer. */
enum transfer_kind transfer_kind(const struct transfer *t);

/* Writes the failure's message into buf (never a request header or body). */
void transfer_message(const struct transfer *t, char *buf, size_t size);

/* The libcurl code reported for a failure (a code that fits when libcurl itself said CURLE_OK). */
long transfer_curl_code(const struct transfer *t);

/* Whether the failed request may have reached the server (0 only when it surely did not). */
int transfer_sent(const struct transfer *t);

/* The HTTP status of the last response (0 when none arrived). */
long transfer_status(const struct transfer *t);

/* The body length the response announced (Content-Length), or -1 while unknown. */
curl_off_t transfer_total(const struct transfer *t);

/* Whether the last transfer ran on a connection kept from an earlier one. */
int transfer_reused(const struct transfer *t);

#endif
