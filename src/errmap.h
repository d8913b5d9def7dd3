/*
 * Mapping an HTTP status and a Batch error body to Batch's error name and code. Pure C, no Lua, so the
 * scanner can be fuzzed on its own: every function takes (pointer, length) and never reads past it.
 *
 * Batch's error bodies come in two shapes (shared/batch-api.md 5.2):
 *   1.x  {"code": 10, "message": "..."}
 *   2.x  {"error_code": "AUTHENTICATION_INVALID", "error_message": "..."}
 */
#ifndef BATCH_ERRMAP_H
#define BATCH_ERRMAP_H

#include <stddef.h>

/* A JSON string value as it stands in the body: the bytes between the quotes, escapes not decoded. */
struct errmap_span {
    const char *p;
    size_t len;
};

/* A "code"-like member: absent, an integer number, or a string. */
#define ERRMAP_NONE 0
#define ERRMAP_NUMBER 1
#define ERRMAP_STRING 2
struct errmap_value {
    int kind;
    long num;               /* when ERRMAP_NUMBER */
    struct errmap_span str; /* when ERRMAP_STRING */
};

/* The members of a top-level JSON object that matter; a repeated member keeps its last value. */
struct errmap_fields {
    struct errmap_value code;          /* "code" */
    struct errmap_value error_code;    /* "error_code" */
    struct errmap_value message;       /* "message" (only strings are kept) */
    struct errmap_value error_message; /* "error_message" (only strings are kept) */
};

/* What errmap_resolve decides. */
struct errmap_result {
    const char *name;                 /* "AUTHENTICATION_INVALID", ..., or "HTTP_ERROR" */
    int has_code;                     /* 0 when there is no code (HTTP_ERROR without a body number) */
    long code;
    const struct errmap_span *message; /* into the fields given; NULL when the body has none */
};

/* Scans body as one JSON object and fills f. Returns 1 when body is a well-formed top-level object
 * (nested values are skipped loosely), 0 otherwise, with f left all ERRMAP_NONE. */
int errmap_scan(const char *body, size_t len, struct errmap_fields *f);

/* Decodes the JSON escapes of a string's raw bytes src[0..len) into dst, which must hold len bytes
 * (decoding never grows a string). Returns the decoded length. Bad escapes are copied as they stand;
 * a lone surrogate becomes U+FFFD. */
size_t errmap_unescape(const char *src, size_t len, char *dst);

/* Decides the error for an HTTP status and the scanned body fields (f may be NULL). Returns 0 for a
 * 2xx status (no error), 1 otherwise with r filled.
 * - name: from "code", then "error_code", when it is a documented number (0 1 2 10 12 20 30 31 32 60),
 *   a string of such a number, or a string equal to a documented name; else from the status
 *   (401 403 404 429 500 503); else HTTP_ERROR.
 * - code: the body's number when it has one (even an unknown one), else the documented code of the
 *   name (SERVER_ERROR: 0), none for HTTP_ERROR.
 * - message: "message", else "error_message" (strings only). */
int errmap_resolve(long status, const struct errmap_fields *f, struct errmap_result *r);

#endif
