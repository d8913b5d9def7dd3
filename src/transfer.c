/*
 * The libcurl side of a client: handle options, per-request options, the write and header callbacks
 * that gather the response into C buffers (or the sink file), the multi loop, and how a finished
 * transfer is classified. Nothing here calls Lua: a transfer never runs Lua code.
 */
#include "client.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "headers.h"

/* Keeps up to this much buffer storage between requests; larger storage is released. */
#define KEEP_BUFFER_BYTES ((size_t)64 * 1024)
/* libcurl's receive buffer for a transfer streamed to a file (the curl tool uses 100 KiB). */
#define SINK_BUFFER_BYTES (256L * 1024)

/* Header callback: keeps the raw header lines of the current response; a status line (a 100
 * Continue or any interim response, then the final one) starts the block again. */
static size_t on_header(char *ptr, size_t size, size_t nmemb, void *ud)
{
    struct transfer *t = &((struct slot *)ud)->tr;
    size_t n = size * nmemb;
    int rc;
    if (headers_is_status_line(ptr, n))
        t->head.len = 0;
    rc = buffer_append(&t->head, ptr, n);
    if (rc != BUFFER_OK) {
        t->fail = rc == BUFFER_LIMIT ? FAIL_HEADERS_TOO_LARGE : FAIL_NOMEM;
        return 0;
    }
    return n;
}

/* Opens the sink file for a 2xx response; returns 0 (and records the error) when it cannot. */
static int open_sink(struct transfer *t)
{
    t->sink = fopen(t->sink_path, "wb");
    if (t->sink == NULL) {
        t->fail = FAIL_IO;
        t->io_errno = errno;
        return 0;
    }
    t->sink_created = 1;
    return 1;
}

/* Write callback: the first body byte decides where the body goes (the sink file for a 2xx status
 * when a sink is set, memory otherwise); memory is capped at max_body. Returning less than n stops
 * the transfer with CURLE_WRITE_ERROR, and t->fail says why. */
static size_t on_write(char *ptr, size_t size, size_t nmemb, void *ud)
{
    struct slot *s = ud;
    struct transfer *t = &s->tr;
    size_t n = size * nmemb;
    if (t->sink_state == SINK_UNDECIDED) {
        long status = 0;
        curl_easy_getinfo(s->easy, CURLINFO_RESPONSE_CODE, &status);
        if (t->sink_path != NULL && status >= 200 && status <= 299) {
            if (!open_sink(t))
                return 0;
            t->sink_state = SINK_FILE;
        } else {
            t->sink_state = SINK_MEMORY;
        }
    }
    if (t->sink_state == SINK_FILE) {
        if (n > 0 && fwrite(ptr, 1, n, t->sink) != n) {
            t->fail = FAIL_IO;
            t->io_errno = errno;
            return 0;
        }
    } else {
        int rc = buffer_append(&t->body, ptr, n);
        if (rc != BUFFER_OK) {
            t->fail = rc == BUFFER_LIMIT ? FAIL_TOO_LARGE : FAIL_NOMEM;
            return 0;
        }
    }
    t->bytes += (curl_off_t)n;
    return n;
}

/* Sets the options that hold for every request of the handle. Returns the first failing code. */
CURLcode transfer_setup_handle(struct slot *s, CURLSH *share, const char *user_agent, int verify_tls,
                               const char *ca_file, const char *proxy)
{
    CURL *e = s->easy;
    CURLcode rc = CURLE_OK;
#define SET(opt, val) do { if (rc == CURLE_OK) rc = curl_easy_setopt(e, opt, val); } while (0)
    SET(CURLOPT_ERRORBUFFER, s->errbuf);
    SET(CURLOPT_PRIVATE, (void *)s); /* request_many finds the slot of a finished transfer */
    if (share != NULL)
        SET(CURLOPT_SHARE, share);
    SET(CURLOPT_WRITEFUNCTION, on_write);
    SET(CURLOPT_WRITEDATA, (void *)s);
    SET(CURLOPT_HEADERFUNCTION, on_header);
    SET(CURLOPT_HEADERDATA, (void *)s);
    SET(CURLOPT_NOSIGNAL, 1L); /* SIGPIPE is handled at module load, see core.c */
    SET(CURLOPT_FOLLOWLOCATION, 0L);
    SET(CURLOPT_TCP_KEEPALIVE, 1L);
#if LIBCURL_VERSION_NUM >= 0x075500
    SET(CURLOPT_PROTOCOLS_STR, "http,https");
#else
    SET(CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
    SET(CURLOPT_USERAGENT, user_agent);
    SET(CURLOPT_SSL_VERIFYPEER, verify_tls ? 1L : 0L);
    SET(CURLOPT_SSL_VERIFYHOST, verify_tls ? 2L : 0L);
    if (ca_file != NULL)
        SET(CURLOPT_CAINFO, ca_file);
    if (proxy != NULL)
        SET(CURLOPT_PROXY, proxy); /* unset: libcurl reads the usual proxy environment variables */
#undef SET
    return rc;
}

/* Sets the per-request options and adds the easy handle to the multi handle. The request headers
 * (t->headers), the sink path and the body's anchor are already in place. Every option another
 * request may have changed is set again, so nothing leaks from one request to the next. */
CURLcode transfer_begin(struct slot *s, const struct request_opts *o)
{
    struct transfer *t = &s->tr;
    CURL *e = s->easy;
    CURLcode rc = CURLE_OK;

    t->done = 0;
    t->result = CURLE_OK;
    t->fail = FAIL_NONE;
    t->io_errno = 0;
    t->mcode = CURLM_OK;
    t->bytes = 0;
    t->sink_state = SINK_UNDECIDED;
    t->sink_created = 0;
    t->sunk = 0;
    buffer_clear(&t->head, KEEP_BUFFER_BYTES);
    t->head.limit = MAX_HEADER_BYTES;
    buffer_clear(&t->body, KEEP_BUFFER_BYTES);
    t->body.limit = o->max_body;
    s->errbuf[0] = '\0';

#define SET(opt, val) do { if (rc == CURLE_OK) rc = curl_easy_setopt(e, opt, val); } while (0)
    SET(CURLOPT_URL, o->url);
    SET(CURLOPT_NOBODY, 0L);
    SET(CURLOPT_CUSTOMREQUEST, (char *)NULL);
    if (strcmp(o->method, "HEAD") == 0) {
        SET(CURLOPT_NOBODY, 1L);
    } else if (o->body != NULL || strcmp(o->method, "POST") == 0) {
        /* the size first: setting it after POSTFIELDS could drop the pointer */
        SET(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)(o->body != NULL ? o->body_len : 0));
        SET(CURLOPT_POSTFIELDS, o->body != NULL ? o->body : "");
        if (strcmp(o->method, "POST") != 0)
            SET(CURLOPT_CUSTOMREQUEST, o->method);
    } else {
        SET(CURLOPT_HTTPGET, 1L);
        if (strcmp(o->method, "GET") != 0)
            SET(CURLOPT_CUSTOMREQUEST, o->method);
    }
    SET(CURLOPT_HTTPHEADER, t->headers);
    /* A body streamed to a file comes in large reads (fewer TLS records handled per call, fewer writes),
     * as the curl tool does; a body kept in memory keeps libcurl's default. */
    SET(CURLOPT_BUFFERSIZE, t->sink_path != NULL ? SINK_BUFFER_BYTES : (long)CURL_MAX_WRITE_SIZE);
    /* Anything but GET and HEAD goes on a new connection: on a reused one that dies before any answer
     * byte (a stale keep-alive, or a server that took the request and crashed), libcurl silently sends the
     * request again on a new connection, and a write could be made twice. */
    SET(CURLOPT_FRESH_CONNECT, strcmp(o->method, "GET") != 0 && strcmp(o->method, "HEAD") != 0 ? 1L : 0L);
    SET(CURLOPT_TIMEOUT_MS, o->timeout_ms);
    SET(CURLOPT_CONNECTTIMEOUT_MS, o->connect_timeout_ms);
    SET(CURLOPT_LOW_SPEED_TIME, o->low_speed_time_s);
    if (o->low_speed_time_s > 0)
        SET(CURLOPT_LOW_SPEED_LIMIT, o->low_speed_limit > 0 ? o->low_speed_limit : 1L);
    else
        SET(CURLOPT_LOW_SPEED_LIMIT, 0L);
#undef SET
    if (rc != CURLE_OK)
        return rc;
    if (curl_multi_add_handle(s->multi, e) != CURLM_OK)
        return CURLE_FAILED_INIT;
    s->in_multi = 1;
    t->active = 1;
    return CURLE_OK;
}

/* Records that the multi interface failed; the transfer is over. */
static int multi_failed(struct transfer *t, CURLMcode mc)
{
    t->fail = FAIL_MULTI;
    t->mcode = mc;
    t->result = CURLE_FAILED_INIT;
    t->done = 1;
    return 1;
}

/* Drives the started transfer for at most wait_ms milliseconds (wait_ms < 0: until it ends).
 * Returns 1 once libcurl reports it done (t->result set), 0 when the time ran out first. */
int transfer_drive(struct slot *s, long wait_ms)
{
    struct transfer *t = &s->tr;
    double deadline = clock_now() + (wait_ms > 0 ? wait_ms : 0) / 1000.0;
    if (t->done)
        return 1;
    for (;;) {
        int running = 0, left = 0, poll_ms = 1000;
        CURLMsg *msg;
        CURLMcode mc = curl_multi_perform(s->multi, &running);
        if (mc != CURLM_OK)
            return multi_failed(t, mc);
        while ((msg = curl_multi_info_read(s->multi, &left)) != NULL) {
            if (msg->msg == CURLMSG_DONE && msg->easy_handle == s->easy) {
                t->result = msg->data.result;
                t->done = 1;
            }
        }
        if (t->done)
            return 1;
        if (running == 0) /* cannot happen with the handle added; never spin on it */
            return multi_failed(t, CURLM_INTERNAL_ERROR);
        if (wait_ms >= 0) {
            double remaining = (deadline - clock_now()) * 1000.0;
            if (remaining <= 0)
                return 0;
            if (remaining < poll_ms)
                poll_ms = (int)remaining + 1; /* round up: never wake just before the deadline */
        }
        mc = curl_multi_poll(s->multi, NULL, 0, poll_ms, NULL);
        if (mc != CURLM_OK)
            return multi_failed(t, mc);
    }
}

/* Takes the easy handle out of the multi handle (its connection stays in the multi's cache). */
static void detach(struct slot *s)
{
    if (s->in_multi) {
        curl_multi_remove_handle(s->multi, s->easy);
        s->in_multi = 0;
    }
    s->tr.active = 0;
}

/* Closes the sink file; on failure records an IO error unless an error is already recorded. */
static void close_sink(struct transfer *t)
{
    if (t->sink != NULL) {
        if (fclose(t->sink) != 0 && t->fail == FAIL_NONE && t->result == CURLE_OK) {
            t->fail = FAIL_IO;
            t->io_errno = errno;
        }
        t->sink = NULL;
    }
}

/* Whether the finished transfer succeeded (any HTTP status counts as success here). */
int transfer_ok(const struct transfer *t)
{
    return t->fail == FAIL_NONE && t->result == CURLE_OK;
}

/* Ends a finished transfer: detaches it, closes the sink; a 2xx response with an empty body still
 * creates the (empty) sink file; a failed transfer removes the sink file it created, a successful
 * one hands it over (t->sunk). The buffers stay for the caller to read. */
void transfer_complete(struct slot *s)
{
    struct transfer *t = &s->tr;
    long status = transfer_status(s);
    detach(s);
    close_sink(t);
    if (transfer_ok(t) && t->sink_path != NULL && !t->sink_created && status >= 200 && status <= 299) {
        if (open_sink(t))
            close_sink(t);
    }
    if (t->sink_created) {
        if (transfer_ok(t))
            t->sunk = 1;
        else
            remove(t->sink_path);
        t->sink_created = 0;
    }
}

/* Cancels a started transfer: detaches it (libcurl closes a half-used connection), closes the sink
 * and removes the file it created. */
void transfer_abort(struct slot *s)
{
    struct transfer *t = &s->tr;
    detach(s);
    if (t->sink != NULL) {
        fclose(t->sink);
        t->sink = NULL;
    }
    if (t->sink_created) {
        remove(t->sink_path);
        t->sink_created = 0;
    }
    t->done = 0;
}

/* An idle transfer with empty buffers (the struct is zeroed first). */
void transfer_init(struct transfer *t)
{
    memset(t, 0, sizeof *t);
    t->body_ref = LUA_NOREF;
    buffer_init(&t->head, MAX_HEADER_BYTES);
    buffer_init(&t->body, DEFAULT_MAX_BODY);
    buffer_init(&t->hlines, (size_t)-1);
    buffer_init(&t->hnext, (size_t)-1);
}

/* Frees everything a transfer holds, the kept header list included; it must be idle (released). */
void transfer_free(struct transfer *t)
{
    transfer_release(t);
    curl_slist_free_all(t->headers);
    t->headers = NULL;
    buffer_free(&t->head);
    buffer_free(&t->body);
    buffer_free(&t->hlines);
    buffer_free(&t->hnext);
}

/* Frees what one request owned (its sink path) and trims the buffers; the header list stays for the next
 * request, which reuses it when it sends the same lines. The sink must be closed (transfer_complete or
 * transfer_abort). */
void transfer_release(struct transfer *t)
{
    free(t->sink_path);
    t->sink_path = NULL;
    buffer_clear(&t->head, KEEP_BUFFER_BYTES);
    buffer_clear(&t->body, KEEP_BUFFER_BYTES);
}

/* The HTTP status of the last response (0 when none arrived). */
long transfer_status(struct slot *s)
{
    long status = 0;
    curl_easy_getinfo(s->easy, CURLINFO_RESPONSE_CODE, &status);
    return status;
}

/* The announced body length (Content-Length), or -1 when unknown. */
curl_off_t transfer_total(struct slot *s)
{
    curl_off_t total = -1;
    if (curl_easy_getinfo(s->easy, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &total) != CURLE_OK)
        return -1;
    return total;
}

/* Whether the last transfer ran on a connection kept from an earlier one. */
int transfer_reused(struct slot *s)
{
    long connects = 0;
    curl_easy_getinfo(s->easy, CURLINFO_NUM_CONNECTS, &connects);
    return connects == 0;
}

/* Whether a libcurl code is a TLS failure. */
static int is_tls_error(CURLcode rc)
{
    switch (rc) {
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_USE_SSL_FAILED:
    case CURLE_SSL_ENGINE_INITFAILED:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_SHUTDOWN_FAILED:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
#if LIBCURL_VERSION_NUM >= 0x074d00
    case CURLE_SSL_CLIENTCERT:
#endif
        return 1;
    default:
        return 0;
    }
}

/* The error name of a failed transfer (transfer_ok is false). */
const char *transfer_error_name(const struct transfer *t)
{
    switch (t->fail) {
    case FAIL_TOO_LARGE:
    case FAIL_HEADERS_TOO_LARGE:
        return "RESPONSE_TOO_LARGE";
    case FAIL_IO:
        return "IO_ERROR";
    case FAIL_NOMEM:
    case FAIL_MULTI:
        return "NETWORK_ERROR";
    case FAIL_NONE:
        break;
    }
    if (t->result == CURLE_OPERATION_TIMEDOUT)
        return "TIMEOUT";
    if (is_tls_error(t->result))
        return "TLS_ERROR";
    return "NETWORK_ERROR";
}

/* Whether the failed request may have reached the server. 0 only when it surely did not: the name
 * or the address could not be resolved or connected to, or the transfer stopped before any request
 * byte went out (a connect timeout, a TLS handshake failure, a malformed URL). */
int transfer_sent(struct slot *s)
{
    struct transfer *t = &s->tr;
    curl_off_t pretransfer = 0;
    long request_size = 0;
    if (t->fail != FAIL_NONE)
        return 1; /* our own stops happen while reading a response */
    switch (t->result) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_CONNECT:
        return 0;
    default:
        break;
    }
    curl_easy_getinfo(s->easy, CURLINFO_PRETRANSFER_TIME_T, &pretransfer);
    curl_easy_getinfo(s->easy, CURLINFO_REQUEST_SIZE, &request_size);
    return !(pretransfer == 0 && request_size == 0);
}
