/* Mapping an HTTP status and a Batch error body to Batch's error name and code; see errmap.h. */
#include "errmap.h"
#include "jsontext.h"

#include <string.h>

/* Batch's documented errors (shared/batch-api.md 5.1). SERVER_ERROR is documented as 0 on some
 * pages and 1 on others: both numbers map to it, and 0 is the code reported for a 500 status. */
static const struct {
    long code;
    long status;
    const char *name;
} batch_errors[] = {
    {10, 401, "AUTHENTICATION_INVALID"},
    {12, 403, "API_MISUSE"},
    {20, 404, "ROUTE_NOT_FOUND"},
    {30, 0, "MISSING_PARAMETER"}, /* status 0: not derived from a status (a bare 400 is HTTP_ERROR) */
    {31, 0, "MALFORMED_PARAMETER"},
    {32, 0, "MALFORMED_JSON_BODY"},
    {0, 500, "SERVER_ERROR"},
    {1, 0, "SERVER_ERROR"},
    {2, 503, "MAINTENANCE_ERROR"},
    {60, 429, "TOO_MANY_REQUESTS"},
};
#define N_BATCH_ERRORS (sizeof batch_errors / sizeof batch_errors[0])

/* ---- the scanner ---------------------------------------------------------------------------- */

struct scan {
    const char *p;
    const char *end;
};

/* Skips JSON whitespace. */
static void skip_ws(struct scan *s)
{
    while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r'))
        s->p++;
}

/* Reads a JSON string starting at the opening quote; stores the raw bytes between the quotes in out
 * (when not NULL). Returns 1 on success, 0 on a malformed or unterminated string. */
static int scan_string(struct scan *s, struct errmap_span *out)
{
    const char *start;
    if (s->p >= s->end || *s->p != '"')
        return 0;
    start = ++s->p;
    while (s->p < s->end) {
        unsigned char ch = (unsigned char)*s->p;
        if (ch == '"') {
            if (out != NULL) {
                out->p = start;
                out->len = (size_t)(s->p - start);
            }
            s->p++;
            return 1;
        }
        if (ch < 0x20)
            return 0;
        if (ch == '\\') {
            if (++s->p >= s->end)
                return 0;
            switch (*s->p) {
            case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
                s->p++;
                break;
            case 'u': {
                int i;
                if (s->end - s->p < 5)
                    return 0;
                for (i = 1; i <= 4; i++)
                    if (jsontext_hexval((unsigned char)s->p[i]) < 0)
                        return 0;
                s->p += 5;
                break;
            }
            default:
                return 0;
            }
        } else {
            s->p++;
        }
    }
    return 0;
}

/* Reads a JSON number. When it is written as an integer of at most 9 digits, sets *is_int and
 * *value; otherwise clears *is_int. Returns 1 on a well-formed number, 0 otherwise. */
static int scan_number(struct scan *s, int *is_int, long *value)
{
    int neg = 0, digits = 0, integral = 1;
    long v = 0;
    if (s->p < s->end && *s->p == '-') {
        neg = 1;
        s->p++;
    }
    if (s->p >= s->end || *s->p < '0' || *s->p > '9')
        return 0;
    if (*s->p == '0' && s->p + 1 < s->end && s->p[1] >= '0' && s->p[1] <= '9')
        return 0; /* no leading zeros */
    while (s->p < s->end && *s->p >= '0' && *s->p <= '9') {
        if (digits < 9)
            v = v * 10 + (*s->p - '0');
        digits++;
        s->p++;
    }
    if (s->p < s->end && *s->p == '.') {
        integral = 0;
        s->p++;
        if (s->p >= s->end || *s->p < '0' || *s->p > '9')
            return 0;
        while (s->p < s->end && *s->p >= '0' && *s->p <= '9')
            s->p++;
    }
    if (s->p < s->end && (*s->p == 'e' || *s->p == 'E')) {
        integral = 0;
        s->p++;
        if (s->p < s->end && (*s->p == '+' || *s->p == '-'))
            s->p++;
        if (s->p >= s->end || *s->p < '0' || *s->p > '9')
            return 0;
        while (s->p < s->end && *s->p >= '0' && *s->p <= '9')
            s->p++;
    }
    *is_int = integral && digits <= 9;
    *value = neg ? -v : v;
    return 1;
}

/* Reads the literal lit (true, false, null). */
static int scan_literal(struct scan *s, const char *lit)
{
    size_t n = strlen(lit);
    if ((size_t)(s->end - s->p) < n || memcmp(s->p, lit, n) != 0)
        return 0;
    s->p += n;
    return 1;
}

/* Skips an object or array loosely: brackets are counted (their kinds are not matched) and strings
 * are read properly so that brackets inside them do not count. No recursion, so no depth limit. */
static int skip_container(struct scan *s)
{
    size_t depth = 0;
    while (s->p < s->end) {
        char ch = *s->p;
        if (ch == '"') {
            if (!scan_string(s, NULL))
                return 0;
            continue;
        }
        if (ch == '{' || ch == '[') {
            depth++;
        } else if (ch == '}' || ch == ']') {
            if (--depth == 0) {
                s->p++;
                return 1;
            }
        }
        s->p++;
    }
    return 0;
}

/* Reads any JSON value at s->p into v: strings and integers are kept, anything else is skipped and
 * leaves v as ERRMAP_NONE. Returns 0 on malformed input. */
static int scan_value(struct scan *s, struct errmap_value *v)
{
    int is_int;
    long num;
    v->kind = ERRMAP_NONE;
    if (s->p >= s->end)
        return 0;
    switch (*s->p) {
    case '"':
        if (!scan_string(s, &v->str))
            return 0;
        v->kind = ERRMAP_STRING;
        return 1;
    case '{': case '[':
        return skip_container(s);
    case 't':
        return scan_literal(s, "true");
    case 'f':
        return scan_literal(s, "false");
    case 'n':
        return scan_literal(s, "null");
    default:
        if (!scan_number(s, &is_int, &num))
            return 0;
        if (is_int) {
            v->kind = ERRMAP_NUMBER;
            v->num = num;
        }
        return 1;
    }
}

/* Whether the raw key span equals the plain ASCII name. */
static int key_is(const struct errmap_span *key, const char *name)
{
    size_t n = strlen(name);
    return key->len == n && memcmp(key->p, name, n) == 0;
}

/* Scans body as one JSON object; see errmap.h. */
int errmap_scan(const char *body, size_t len, struct errmap_fields *f)
{
    struct scan s;
    memset(f, 0, sizeof *f);
    if (body == NULL)
        return 0;
    s.p = body;
    s.end = body + len;
    if (len >= 3 && memcmp(body, "\xEF\xBB\xBF", 3) == 0) /* a UTF-8 byte order mark */
        s.p += 3;
    skip_ws(&s);
    if (s.p >= s.end || *s.p != '{')
        goto fail;
    s.p++;
    skip_ws(&s);
    if (s.p < s.end && *s.p == '}') {
        s.p++;
    } else {
        for (;;) {
            struct errmap_span key;
            struct errmap_value v, *slot = NULL;
            skip_ws(&s);
            if (!scan_string(&s, &key))
                goto fail;
            skip_ws(&s);
            if (s.p >= s.end || *s.p != ':')
                goto fail;
            s.p++;
            skip_ws(&s);
            if (!scan_value(&s, &v))
                goto fail;
            if (key_is(&key, "code"))
                slot = &f->code;
            else if (key_is(&key, "error_code"))
                slot = &f->error_code;
            else if (key_is(&key, "message"))
                slot = &f->message;
            else if (key_is(&key, "error_message"))
                slot = &f->error_message;
            if (slot != NULL) {
                if ((slot == &f->message || slot == &f->error_message) && v.kind != ERRMAP_STRING)
                    v.kind = ERRMAP_NONE;
                *slot = v; /* the last occurrence wins, as in common JSON decoders */
            }
            skip_ws(&s);
            if (s.p < s.end && *s.p == ',') {
                s.p++;
                continue;
            }
            if (s.p < s.end && *s.p == '}') {
                s.p++;
                break;
            }
            goto fail;
        }
    }
    skip_ws(&s);
    if (s.p != s.end)
        goto fail; /* trailing garbage */
    return 1;
fail:
    memset(f, 0, sizeof *f);
    return 0;
}

/* ---- unescaping ------------------------------------------------------------------------------ */

/* Decodes JSON escapes; see errmap.h. Every escape is at least as long as what it decodes to
 * (\uXXXX: 6 bytes for at most 3, a surrogate pair: 12 for 4), so dst never needs more than len. */
size_t errmap_unescape(const char *src, size_t len, char *dst)
{
    size_t i = 0, o = 0;
    while (i < len) {
        char ch = src[i];
        if (ch != '\\' || i + 1 >= len) {
            dst[o++] = ch;
            i++;
            continue;
        }
        switch (src[i + 1]) {
        case '"': dst[o++] = '"'; i += 2; continue;
        case '\\': dst[o++] = '\\'; i += 2; continue;
        case '/': dst[o++] = '/'; i += 2; continue;
        case 'b': dst[o++] = '\b'; i += 2; continue;
        case 'f': dst[o++] = '\f'; i += 2; continue;
        case 'n': dst[o++] = '\n'; i += 2; continue;
        case 'r': dst[o++] = '\r'; i += 2; continue;
        case 't': dst[o++] = '\t'; i += 2; continue;
        case 'u': {
            long cp = len - i >= 6 ? jsontext_hex4(src + i + 2) : -1;
            if (cp < 0)
                break; /* malformed: copied as it stands below */
            i += 6;
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                long lo = (len - i >= 6 && src[i] == '\\' && src[i + 1] == 'u') ? jsontext_hex4(src + i + 2) : -1;
                if (lo >= 0xDC00 && lo <= 0xDFFF) {
                    i += 6;
                    o += jsontext_put_utf8(dst + o, 0x10000UL + (((unsigned long)cp - 0xD800) << 10)
                                               + ((unsigned long)lo - 0xDC00));
                } else {
                    o += jsontext_put_utf8(dst + o, 0xFFFD);
                }
            } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
                o += jsontext_put_utf8(dst + o, 0xFFFD);
            } else {
                o += jsontext_put_utf8(dst + o, (unsigned long)cp);
            }
            continue;
        }
        default:
            break;
        }
        dst[o++] = ch; /* a bad escape: keep the backslash, the next byte follows as plain text */
        i++;
    }
    return o;
}

/* ---- resolving ------------------------------------------------------------------------------- */

/* The name of a documented Batch code, or NULL. */
static const char *name_of_code(long code)
{
    size_t i;
    for (i = 0; i < N_BATCH_ERRORS; i++)
        if (batch_errors[i].code == code)
            return batch_errors[i].name;
    return NULL;
}

/* The index of a documented Batch name in batch_errors (its first entry), or -1. */
static int index_of_name(const char *name, size_t len)
{
    size_t i;
    for (i = 0; i < N_BATCH_ERRORS; i++)
        if (strlen(batch_errors[i].name) == len && memcmp(batch_errors[i].name, name, len) == 0)
            return (int)i;
    return -1;
}

/* Reads a code-like value. A number, or a string of 1 to 9 digits, gives *num (*has_num = 1); a
 * known number or a string equal to a documented name gives the name (and its documented code).
 * Returns the name, or NULL. */
static const char *read_code(const struct errmap_value *v, int *has_num, long *num)
{
    char buf[64];
    size_t n, i;
    int idx;
    if (v->kind == ERRMAP_NUMBER) {
        *has_num = 1;
        *num = v->num;
        return name_of_code(v->num);
    }
    if (v->kind != ERRMAP_STRING || v->str.len > sizeof buf)
        return NULL;
    n = errmap_unescape(v->str.p, v->str.len, buf);
    if (n >= 1 && n <= 9) {
        long d = 0;
        for (i = 0; i < n && buf[i] >= '0' && buf[i] <= '9'; i++)
            d = d * 10 + (buf[i] - '0');
        if (i == n) {
            *has_num = 1;
            *num = d;
            return name_of_code(d);
        }
    }
    idx = index_of_name(buf, n);
    if (idx < 0)
        return NULL;
    *has_num = 1;
    *num = batch_errors[idx].code;
    return batch_errors[idx].name;
}

/* Decides the error; see errmap.h. */
int errmap_resolve(long status, const struct errmap_fields *f, struct errmap_result *r)
{
    const char *name = NULL;
    int has_num = 0;
    long num = 0;
    size_t i;

    if (status >= 200 && status <= 299)
        return 0;
    r->message = NULL;
    if (f != NULL) {
        int h1 = 0, h2 = 0;
        long n1 = 0, n2 = 0;
        const char *by_code = read_code(&f->code, &h1, &n1);
        const char *by_error_code = read_code(&f->error_code, &h2, &n2);
        if (by_code != NULL) {
            name = by_code;
            has_num = 1;
            num = n1;
        } else if (by_error_code != NULL) {
            name = by_error_code;
            has_num = 1;
            num = n2;
        } else if (h1 || h2) { /* an unknown number: the name comes from the status, the number stays */
            has_num = 1;
            num = h1 ? n1 : n2;
        }
        if (f->message.kind == ERRMAP_STRING)
            r->message = &f->message.str;
        else if (f->error_message.kind == ERRMAP_STRING)
            r->message = &f->error_message.str;
    }
    if (name == NULL) {
        for (i = 0; i < N_BATCH_ERRORS; i++) {
            if (batch_errors[i].status != 0 && batch_errors[i].status == status) {
                name = batch_errors[i].name;
                if (!has_num) {
                    has_num = 1;
                    num = batch_errors[i].code;
                }
                break;
            }
        }
    }
    if (name == NULL)
        name = "HTTP_ERROR";
    r->name = name;
    r->has_code = has_num;
    r->code = num;
    return 1;
}
