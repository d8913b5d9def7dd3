/* One libcurl transfer; see transfer.h. Nothing here calls Lua: a transfer never runs Lua code. */
/* open (O_NOFOLLOW, O_CLOEXEC), write and unlink are POSIX, hidden by -std=c99 unless asked for */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif

#include "transfer.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "headers.h"

/* Keeps up to this much buffer storage between requests; larger storage is released. */
#define KEEP_BUFFER_BYTES ((size_t)64 * 1024)
/* libcurl's receive buffer for a transfer streamed to a file (the curl tool uses 100 KiB). */
#define SINK_BUFFER_BYTES (256L * 1024)

/* Whether a header line is the blank line that ends a header block. */
static int is_blank_line(const char *line, size_t n)
{
    return (n == 2 && line[0] == '\r' && line[1] == '\n') || (n == 1 && line[0] == '\n');
}

/* Header callback: keeps the raw header lines of the current response; a status line (a 100 Continue
 * or any interim response, then the final one) starts the block again. The block is capped in bytes and
 * in lines; its blank line marks it complete (a connection that ends before it is a failure). */
static size_t on_header(char *ptr, size_t size, size_t nmemb, void *ud)
{
    struct transfer *t = ud;
    size_t n = size * nmemb;
    int rc;
    if (headers_is_status_line(ptr, n)) {
        t->head.len = 0;
        t->head_lines = 0;
        t->head_complete = 0;
    } else if (is_blank_line(ptr, n)) {
        t->head_complete = 1;
        return n;
    } else if (++t->head_lines > TRANSFER_MAX_HEADER_LINES) {
        t->fail = FAIL_HEADERS_TOO_LARGE;
        return 0;
    }
    rc = buffer_append(&t->head, ptr, n);
    if (rc != BUFFER_OK) {
        t->fail = rc == BUFFER_LIMIT ? FAIL_HEADERS_TOO_LARGE : FAIL_NOMEM;
        return 0;
    }
    return n;
}

/* Creates the sink file, exclusively: never through a symlink, never over an existing file (whatever
 * is at the path stays as it is), mode 0600 until the Lua layer commits it. Returns 0 (the error
 * recorded) when it cannot. */
static int open_sink(struct transfer *t)
{
    t->sink_fd = open(t->sink_path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (t->sink_fd < 0) {
        t->fail = FAIL_IO;
        t->io_errno = errno;
        return 0;
    }
    t->sink_created = 1;
    return 1;
}

/* Writes n bytes to the sink file; returns 0 (the error recorded) on failure. */
static int write_sink(struct transfer *t, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(t->sink_fd, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            t->fail = FAIL_IO;
            t->io_errno = errno;
            return 0;
        }
        p += w;
        n -= (size_t)w;
    }
    return 1;
}

/* Write callback: the first body byte decides where the body goes (the sink file for a 2xx status
 * when a sink is set, memory otherwise); memory is capped at max_body. Returning less than n stops
 * the transfer with CURLE_WRITE_ERROR, and t->fail says why. */
static size_t on_write(char *ptr, size_t size, size_t nmemb, void *ud)
{
    struct transfer *t = ud;
    size_t n = size * nmemb;
    if (t->sink_state == SINK_UNDECIDED) {
        long status = transfer_status(t);
        if (t->sink_path != NULL && status >= 200 && status <= 299) {
            if (!open_sink(t))
                return 0;
            t->sink_state = SINK_FILE;
        } else {
            t->sink_state = SINK_MEMORY;
        }
    }
    if (t->sink_state == SINK_FILE) {
        if (!write_sink(t, ptr, n))
            return 0;
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

/* Whether none of the variables libcurl reads for a proxy to an http or https URL names one (libcurl
 * takes an empty one for unset, and never reads HTTP_PROXY in capitals). */
static int no_proxy_in_environment(void)
{
    static const char *const names[] = {"http_proxy", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"};
    size_t i;
    for (i = 0; i < sizeof names / sizeof names[0]; i++) {
        const char *v = getenv(names[i]);
        if (v != NULL && v[0] != '\0')
            return 0;
    }
    return 1;
}

/* Tells libcurl that no request of the handle goes through a proxy, so that it stops reading the proxy
 * variables on every request (six getenv calls and its no-proxy check: about 2.7k instructions of a
 * keep-alive call). Only a saving: a libcurl built without proxies refuses the option, and nothing
 * changes then. */
static void say_no_proxy(CURL *e)
{
    (void)curl_easy_setopt(e, CURLOPT_NOPROXY, "*");
}

/* Sets the options that hold for every request of the handle. Returns the first failing code. */
static CURLcode setup_handle(struct transfer *t, const struct transfer_config *cfg)
{
    CURL *e = t->easy;
    CURLcode rc = CURLE_OK;
#define SET(opt, val)                                                                                                  \
    do {                                                                                                               \
        if (rc == CURLE_OK)                                                                                            \
            rc = curl_easy_setopt(e, opt, val);                                                                        \
    } while (0)
    SET(CURLOPT_ERRORBUFFER, t->errbuf);
    SET(CURLOPT_PRIVATE, (void *)t); /* the engine finds the transfer of a finished easy handle */
    if (cfg->share != NULL)
        SET(CURLOPT_SHARE, cfg->share);
    SET(CURLOPT_WRITEFUNCTION, on_write);
    SET(CURLOPT_WRITEDATA, (void *)t);
    SET(CURLOPT_HEADERFUNCTION, on_header);
    SET(CURLOPT_HEADERDATA, (void *)t);
    SET(CURLOPT_NOSIGNAL, 1L); /* SIGPIPE is handled at module load, see core.c */
    SET(CURLOPT_FOLLOWLOCATION, 0L);
    SET(CURLOPT_TCP_KEEPALIVE, 1L);
#if LIBCURL_VERSION_NUM >= 0x073E00
    /* libcurl's least (its default is 64 KB a handle): request heads and JSON bodies are small, and a
     * pool of 256 handles keeps 12 MB less (section (b) of make bench) */
    SET(CURLOPT_UPLOAD_BUFFERSIZE, 16384L);
#endif
#if LIBCURL_VERSION_NUM >= 0x075500
    SET(CURLOPT_PROTOCOLS_STR, "http,https");
#else
    SET(CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
    SET(CURLOPT_USERAGENT, cfg->user_agent);
    SET(CURLOPT_SSL_VERIFYPEER, cfg->verify_tls ? 1L : 0L);
    SET(CURLOPT_SSL_VERIFYHOST, cfg->verify_tls ? 2L : 0L);
    if (cfg->ca_file != NULL)
        SET(CURLOPT_CAINFO, cfg->ca_file);
    if (cfg->proxy != NULL)
        SET(CURLOPT_PROXY, cfg->proxy); /* unset: libcurl reads the usual proxy environment variables */
    if (cfg->proxy != NULL && cfg->proxy[0] == '\0')
        say_no_proxy(e);
#undef SET
    return rc;
}

/* An idle transfer with a new easy handle set up with cfg; 0 when libcurl fails. */
int transfer_init(struct transfer *t, const struct transfer_config *cfg)
{
    memset(t, 0, sizeof *t);
    t->sink_fd = -1;
    buffer_init(&t->head, TRANSFER_MAX_HEADER_BYTES);
    buffer_init(&t->body, (size_t)-1);
    buffer_init(&t->hlines, (size_t)-1);
    buffer_init(&t->hnext, (size_t)-1);
    t->proxy_unread = cfg->proxy == NULL;
    t->easy = curl_easy_init();
    if (t->easy == NULL)
        return 0;
    if (setup_handle(t, cfg) != CURLE_OK) {
        curl_easy_cleanup(t->easy);
        t->easy = NULL;
        return 0;
    }
    return 1;
}

/* Frees everything, the kept header list and the easy handle included. */
void transfer_free(struct transfer *t)
{
    transfer_abort(t);
    transfer_release(t);
    curl_slist_free_all(t->headers);
    t->headers = NULL;
    buffer_free(&t->head);
    buffer_free(&t->body);
    buffer_free(&t->hlines);
    buffer_free(&t->hnext);
    if (t->easy != NULL)
        curl_easy_cleanup(t->easy);
    t->easy = NULL;
}

/* Makes t->headers the list of the NUL-separated lines in t->hnext, unless it already is (a client sends
 * the same headers on most requests: the list is kept and reused). On failure the list built so far stays
 * in t->headers, marked not valid, and is freed with the transfer. */
int transfer_use_headers(struct transfer *t)
{
    struct buffer *lines = &t->hnext, swap;
    const char *p;
    if (t->hlines.len > 0 && t->hlines.len == lines->len && memcmp(t->hlines.data, lines->data, lines->len) == 0)
        return 1;
    curl_slist_free_all(t->headers);
    t->headers = NULL;
    t->hlines.len = 0;
    for (p = lines->data; p < lines->data + lines->len; p += strlen(p) + 1) {
        struct curl_slist *l = curl_slist_append(t->headers, p);
        if (l == NULL)
            return 0;
        t->headers = l;
    }
    swap = t->hlines;
    t->hlines = *lines;
    *lines = swap;
    return 1;
}

/* Sets the per-request options. Every option another request may have changed is set again unless it
 * already holds this request's value (t->set), so nothing leaks from one request to the next. */
CURLcode transfer_prepare(struct transfer *t, const struct transfer_options *o)
{
    CURL *e = t->easy;
    CURLcode rc = CURLE_OK;
    int plain_get;

    t->done = 0;
    t->result = CURLE_OK;
    t->fail = FAIL_NONE;
    t->io_errno = 0;
    t->mcode = CURLM_OK;
    t->bytes = 0;
    t->head_lines = 0;
    t->head_complete = 0;
    t->sink_state = SINK_UNDECIDED;
    t->sink_created = 0;
    t->sunk = 0;
    buffer_clear(&t->head, KEEP_BUFFER_BYTES);
    buffer_clear(&t->body, KEEP_BUFFER_BYTES);
    t->body.limit = o->max_body;
    t->errbuf[0] = '\0';

#define SET(opt, val)                                                                                                  \
    do {                                                                                                               \
        if (rc == CURLE_OK)                                                                                            \
            rc = curl_easy_setopt(e, opt, val);                                                                        \
    } while (0)
/* sets opt only when it differs from what the last request set (t->set.field) */
#define SET_CHANGED(field, opt, val)                                                                                   \
    do {                                                                                                               \
        if (!t->set.valid || t->set.field != (val)) {                                                                  \
            SET(opt, val);                                                                                             \
            t->set.field = (val);                                                                                      \
        }                                                                                                              \
    } while (0)
    /* The proxy variables are read once, at the handle's first request (in the process that sends it:
     * a client made in nginx's master sends from a worker, whose environment nginx's `env` sets), and
     * when they name no proxy libcurl is told so for good. */
    if (t->proxy_unread) {
        t->proxy_unread = 0;
        if (no_proxy_in_environment())
            say_no_proxy(e);
    }
    SET(CURLOPT_URL, o->url);
    plain_get = o->body == NULL && strcmp(o->method, "GET") == 0;
    if (plain_get && t->set.valid && t->set.plain_get) {
        /* the method options are already those of a GET */
    } else if (strcmp(o->method, "HEAD") == 0) {
        SET(CURLOPT_CUSTOMREQUEST, (char *)NULL);
        SET(CURLOPT_NOBODY, 1L);
    } else if (o->body != NULL || strcmp(o->method, "POST") == 0) {
        SET(CURLOPT_NOBODY, 0L);
        SET(CURLOPT_CUSTOMREQUEST, (char *)NULL);
        /* the size first: setting it after POSTFIELDS could drop the pointer */
        SET(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)(o->body != NULL ? o->body_len : 0));
        SET(CURLOPT_POSTFIELDS, o->body != NULL ? o->body : "");
        if (strcmp(o->method, "POST") != 0)
            SET(CURLOPT_CUSTOMREQUEST, o->method);
    } else {
        SET(CURLOPT_NOBODY, 0L);
        SET(CURLOPT_CUSTOMREQUEST, (char *)NULL);
        SET(CURLOPT_HTTPGET, 1L);
        if (!plain_get)
            SET(CURLOPT_CUSTOMREQUEST, o->method);
    }
    t->set.plain_get = plain_get;
    SET_CHANGED(headers, CURLOPT_HTTPHEADER, t->headers);
    /* A body streamed to a file comes in large reads (fewer TLS records handled per call, fewer writes),
     * as the curl tool does; a body kept in memory keeps libcurl's default. */
    SET_CHANGED(buffer_size, CURLOPT_BUFFERSIZE, t->sink_path != NULL ? SINK_BUFFER_BYTES : (long)CURL_MAX_WRITE_SIZE);
    /* Anything but GET and HEAD goes on a new connection: on a reused one that dies before any answer
     * byte (a stale keep-alive, or a server that took the request and crashed), libcurl silently sends the
     * request again on a new connection, and a write could be made twice. */
    SET_CHANGED(fresh, CURLOPT_FRESH_CONNECT,
                strcmp(o->method, "GET") != 0 && strcmp(o->method, "HEAD") != 0 ? 1L : 0L);
    SET_CHANGED(timeout_ms, CURLOPT_TIMEOUT_MS, o->timeout_ms);
    SET_CHANGED(connect_timeout_ms, CURLOPT_CONNECTTIMEOUT_MS, o->connect_timeout_ms);
    SET_CHANGED(low_speed_time_s, CURLOPT_LOW_SPEED_TIME, o->low_speed_time_s);
    SET_CHANGED(low_speed_limit, CURLOPT_LOW_SPEED_LIMIT,
                o->low_speed_time_s > 0 ? (o->low_speed_limit > 0 ? o->low_speed_limit : 1L) : 0L);
    t->set.valid = rc == CURLE_OK; /* after a refusal, the next request sets everything again */
#undef SET_CHANGED
#undef SET
    return rc;
}

/* Closes the sink file; on failure records an IO error unless an error is already recorded. */
static void close_sink(struct transfer *t)
{
    if (t->sink_fd >= 0) {
        if (close(t->sink_fd) != 0 && t->fail == FAIL_NONE && t->result == CURLE_OK) {
            t->fail = FAIL_IO;
            t->io_errno = errno;
        }
        t->sink_fd = -1;
    }
}

/* Whether the finished transfer succeeded. */
int transfer_ok(const struct transfer *t)
{
    return t->fail == FAIL_NONE && t->result == CURLE_OK;
}

/* Ends a finished transfer; see transfer.h. A response whose header block never ended (the connection
 * closed after "HTTP/1.1 200" and some fields) is a failure, which libcurl takes for a complete answer. */
void transfer_complete(struct transfer *t)
{
    long status = transfer_status(t);
    close_sink(t);
    if (transfer_ok(t) && !t->head_complete)
        t->fail = FAIL_TRUNCATED_HEAD;
    if (transfer_ok(t) && t->sink_path != NULL && !t->sink_created && status >= 200 && status <= 299) {
        if (open_sink(t))
            close_sink(t);
    }
    if (t->sink_created) {
        if (transfer_ok(t))
            t->sunk = 1;
        else
            unlink(t->sink_path);
        t->sink_created = 0;
    }
}

/* Cancels a transfer; see transfer.h. Only a file this transfer created is removed: one being written, or
 * one complete whose outcome was never handed over (transfer_release hands it over). */
void transfer_abort(struct transfer *t)
{
    if (t->sink_fd >= 0) {
        close(t->sink_fd);
        t->sink_fd = -1;
    }
    if (t->sink_created || t->sunk)
        unlink(t->sink_path);
    t->sink_created = 0;
    t->sunk = 0;
    t->done = 0;
}

/* Frees what one request owned and trims the buffers; the header list stays for the next request. A sink
 * file complete by then is the caller's. */
void transfer_release(struct transfer *t)
{
    t->sunk = 0;
    free(t->sink_path);
    t->sink_path = NULL;
    buffer_clear(&t->head, KEEP_BUFFER_BYTES);
    buffer_clear(&t->body, KEEP_BUFFER_BYTES);
}

/* The HTTP status of the last response (0 when none arrived). */
long transfer_status(const struct transfer *t)
{
    long status = 0;
    curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &status);
    return status;
}

/* The announced body length, or -1 while unknown. */
curl_off_t transfer_total(const struct transfer *t)
{
    curl_off_t total = -1;
    if (curl_easy_getinfo(t->easy, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &total) != CURLE_OK)
        return -1;
    return total;
}

/* Whether the last transfer ran on a connection kept from an earlier one. */
int transfer_reused(const struct transfer *t)
{
    long connects = 0;
    curl_easy_getinfo(t->easy, CURLINFO_NUM_CONNECTS, &connects);
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

/* libcurl refuses a single header line over its own limit (100 KiB) with CURLE_OUT_OF_MEMORY before the
 * header callback sees it: while the header block is still open, that is a header block too large. */
static int headers_refused(const struct transfer *t)
{
    return t->fail == FAIL_NONE && t->result == CURLE_OUT_OF_MEMORY && !t->head_complete;
}

/* The failure kind of a failed transfer. */
enum transfer_kind transfer_kind(const struct transfer *t)
{
    switch (t->fail) {
    case FAIL_TOO_LARGE:
    case FAIL_HEADERS_TOO_LARGE:
        return KIND_TOO_LARGE;
    case FAIL_IO:
        return KIND_IO;
    case FAIL_TRUNCATED_HEAD:
    case FAIL_NOMEM:
    case FAIL_MULTI:
        return KIND_NETWORK;
    case FAIL_NONE:
        break;
    }
    if (headers_refused(t))
        return KIND_TOO_LARGE;
    if (t->result == CURLE_OPERATION_TIMEDOUT) /* the low-speed limit gives it too */
        return KIND_TIMEOUT;
    if (is_tls_error(t->result))
        return KIND_TLS;
    return KIND_NETWORK;
}

/* Writes the failure's message into buf: what we stopped for, else libcurl's error buffer (more precise
 * than curl_easy_strerror), else curl_easy_strerror. */
void transfer_message(const struct transfer *t, char *buf, size_t size)
{
    if (t->fail == FAIL_HEADERS_TOO_LARGE || headers_refused(t)) {
        snprintf(buf, size, "response headers exceed %lu bytes or %d lines", (unsigned long)TRANSFER_MAX_HEADER_BYTES,
                 TRANSFER_MAX_HEADER_LINES);
        return;
    }
    switch (t->fail) {
    case FAIL_TOO_LARGE:
        snprintf(buf, size, "response body exceeds max_body (%lu bytes)", (unsigned long)t->body.limit);
        break;
    case FAIL_TRUNCATED_HEAD:
        snprintf(buf, size, "the connection closed before the end of the response headers");
        break;
    case FAIL_IO:
        snprintf(buf, size, "%s: %s", t->sink_path != NULL ? t->sink_path : "sink", strerror(t->io_errno));
        break;
    case FAIL_NOMEM:
        snprintf(buf, size, "out of memory while reading the response");
        break;
    case FAIL_MULTI:
        snprintf(buf, size, "%s", curl_multi_strerror(t->mcode));
        break;
    default:
        snprintf(buf, size, "%s", t->errbuf[0] != '\0' ? t->errbuf : curl_easy_strerror(t->result));
        break;
    }
}

/* The libcurl code of a failure; for a failure libcurl saw as a success, the code that says it best. */
long transfer_curl_code(const struct transfer *t)
{
    if (t->result != CURLE_OK)
        return (long)t->result;
    if (t->fail == FAIL_IO)
        return (long)CURLE_WRITE_ERROR; /* a failed create or close after a complete transfer */
    if (t->fail == FAIL_TRUNCATED_HEAD)
        return (long)CURLE_WEIRD_SERVER_REPLY;
    return (long)CURLE_OK;
}

/* Whether the failed request may have reached the server. 0 only when it surely did not: the name or the
 * address could not be resolved or connected to, or the transfer stopped before any request byte went
 * out (a connect timeout, a TLS handshake failure, a malformed URL). */
int transfer_sent(const struct transfer *t)
{
    curl_off_t pretransfer = 0;
    long request_size = 0;
    if (t->fail != FAIL_NONE && t->fail != FAIL_MULTI)
        return 1; /* our own stops happen while reading a response */
    switch (t->result) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_CONNECT:
        return 0;
    default:
        break;
    }
    curl_easy_getinfo(t->easy, CURLINFO_PRETRANSFER_TIME_T, &pretransfer);
    curl_easy_getinfo(t->easy, CURLINFO_REQUEST_SIZE, &request_size);
    return !(pretransfer == 0 && request_size == 0);
}
