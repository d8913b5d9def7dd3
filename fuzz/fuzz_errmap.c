/*
 * libFuzzer target for the error mapping (src/errmap.c): errmap_scan, errmap_resolve, errmap_unescape.
 * Input: bytes 0-1 pick the HTTP status (100..599), the rest is the response body. The body is copied
 * into an allocation of its exact size, so any read past it is caught.
 * Checks: every span points inside the body; a 2xx is never an error; a name is always one of Batch's
 * or HTTP_ERROR; a code is set whenever the name is Batch's; unescaping never grows a string (the
 * destination is exactly the source's size) and never writes past what it returns.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "errmap.h"

static const char *NAMES[] = {"AUTHENTICATION_INVALID", "API_MISUSE", "ROUTE_NOT_FOUND", "MISSING_PARAMETER",
                              "MALFORMED_PARAMETER", "MALFORMED_JSON_BODY", "SERVER_ERROR", "MAINTENANCE_ERROR",
                              "TOO_MANY_REQUESTS", "HTTP_ERROR"};

static void check_span(const char *body, size_t len, const struct errmap_span *s)
{
    if (s->p < body || s->p > body + len || s->len > (size_t)(body + len - s->p))
        abort();
}

static void check_value(const char *body, size_t len, const struct errmap_value *v)
{
    if (v->kind != ERRMAP_NONE && v->kind != ERRMAP_NUMBER && v->kind != ERRMAP_STRING)
        abort();
    if (v->kind == ERRMAP_STRING)
        check_span(body, len, &v->str);
    if (v->kind == ERRMAP_NUMBER && (v->num > 999999999L || v->num < -999999999L))
        abort(); /* at most 9 digits are kept */
}

/* Unescapes src[0..len) into an exact-size allocation; the result is never longer. */
static void unescape_checked(const char *src, size_t len)
{
    char *dst = malloc(len > 0 ? len : 1);
    size_t n;
    if (dst == NULL)
        abort();
    n = errmap_unescape(src, len, dst);
    if (n > len)
        abort();
    free(dst);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct errmap_fields f;
    struct errmap_result r;
    long status;
    size_t len, i;
    char *body;
    int ok, found = 0;
    if (size < 2)
        return 0;
    status = 100 + ((data[0] << 8) | data[1]) % 500;
    len = size - 2;
    body = malloc(len > 0 ? len : 1);
    if (body == NULL)
        abort();
    memcpy(body, data + 2, len);

    ok = errmap_scan(body, len, &f);
    if (!ok && (f.code.kind || f.error_code.kind || f.message.kind || f.error_message.kind))
        abort(); /* a failed scan leaves nothing behind */
    check_value(body, len, &f.code);
    check_value(body, len, &f.error_code);
    check_value(body, len, &f.message);
    check_value(body, len, &f.error_message);
    if (f.message.kind == ERRMAP_NUMBER || f.error_message.kind == ERRMAP_NUMBER)
        abort(); /* messages are strings only */

    if (errmap_resolve(status, &f, &r) == 0) {
        if (status < 200 || status > 299)
            abort();
    } else {
        if (status >= 200 && status <= 299)
            abort();
        for (i = 0; i < sizeof NAMES / sizeof NAMES[0]; i++)
            if (r.name != NULL && strcmp(r.name, NAMES[i]) == 0)
                found = 1;
        if (!found)
            abort();
        if (strcmp(r.name, "HTTP_ERROR") != 0 && !r.has_code)
            abort();
        if (r.message != NULL) {
            check_span(body, len, r.message);
            unescape_checked(r.message->p, r.message->len);
        }
    }
    /* resolving without a body decides from the status alone */
    if (errmap_resolve(status, NULL, &r) != 0 && r.message != NULL)
        abort();
    /* unescaping arbitrary bytes (not only well-formed strings) */
    unescape_checked(body, len);
    free(body);
    return 0;
}
