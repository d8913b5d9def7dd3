/* A streaming CSV splitter; see csv.h. */
#include "csv.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

enum {
    FIELD_START, /* at the start of a field */
    UNQUOTED,    /* inside an unquoted field */
    QUOTED,      /* inside a quoted field */
    QUOTE,       /* a quote inside a quoted field: the closing one, or the first of "" */
    CLOSED,      /* after a closing quote and a CR: only a separator or LF may follow */
    FAILED       /* malformed input was seen */
};

static const char BOM[3] = {'\xEF', '\xBB', '\xBF'};

/* A splitter for fields separated by sep. */
void csv_init(struct csv *c, char sep)
{
    c->sep = sep;
    c->state = FIELD_START;
    c->bom = 0;
    c->fields = 0;
    c->line = 1;
    buffer_init(&c->field, SIZE_MAX);
    c->error[0] = '\0';
}

/* Releases the splitter's storage. */
void csv_free(struct csv *c)
{
    buffer_free(&c->field);
}

/* Records malformed input. */
static int fail(struct csv *c, const char *what)
{
    c->state = FAILED;
    snprintf(c->error, sizeof c->error, "line %lu: %s", c->line, what);
    return CSV_ERROR;
}

/* Gives the field read so far; last ends the record, except that an empty line gives nothing. */
static int emit(struct csv *c, int last, csv_field_fn fn, void *ud)
{
    int rc = CSV_OK;
    if (!(last && c->fields == 0 && c->field.len == 0 && c->state != CLOSED && c->state != QUOTE))
        rc = fn(ud, c->field.len > 0 ? c->field.data : "", c->field.len, last);
    c->field.len = 0;
    c->fields = last ? 0 : c->fields + 1;
    c->state = FIELD_START;
    return rc;
}

/* Adds one byte to the field. */
static int add(struct csv *c, char ch)
{
    return buffer_append(&c->field, &ch, 1) == BUFFER_OK ? CSV_OK : CSV_NOMEM;
}

/* Reads one byte of input. */
static int step(struct csv *c, char ch, csv_field_fn fn, void *ud)
{
    switch (c->state) {
    case FIELD_START:
        if (ch == '"') {
            c->state = QUOTED;
            return CSV_OK;
        }
        c->state = UNQUOTED;
        /* fall through - the byte starts an unquoted field */
    case UNQUOTED:
        if (ch == c->sep)
            return emit(c, 0, fn, ud);
        if (ch == '\n') {
            if (c->field.len > 0 && c->field.data[c->field.len - 1] == '\r')
                c->field.len--; /* CRLF */
            return emit(c, 1, fn, ud);
        }
        return add(c, ch);
    case QUOTED:
        if (ch == '"') {
            c->state = QUOTE;
            return CSV_OK;
        }
        return add(c, ch);
    case QUOTE:
        if (ch == '"') { /* "" inside quotes: one quote */
            c->state = QUOTED;
            return add(c, '"');
        }
        /* fall through - the quote closed the field */
    case CLOSED:
        if (ch == c->sep)
            return emit(c, 0, fn, ud);
        if (ch == '\n')
            return emit(c, 1, fn, ud);
        if (ch == '\r' && c->state == QUOTE) {
            c->state = CLOSED;
            return CSV_OK;
        }
        return fail(c, "unexpected character after a closing quote");
    default:
        return CSV_ERROR;
    }
}

/* Gives a field that lies whole in the input (no copy); the rules of emit for an unquoted field. */
static int give(struct csv *c, const char *p, size_t len, int last, csv_field_fn fn, void *ud)
{
    int rc = CSV_OK;
    if (!(last && c->fields == 0 && len == 0))
        rc = fn(ud, len > 0 ? p : "", len, last);
    c->fields = last ? 0 : c->fields + 1;
    c->state = FIELD_START;
    return rc;
}

/* Where the unquoted run starting at p[i] ends: the index of the next separator or LF, or n. *nl is the
 * index of the first LF at or after an earlier i (n when there is none; SIZE_MAX before the first call),
 * kept between calls: the line end is found once per line and each field end within it, both by memchr
 * (much faster than a loop over the bytes). */
static size_t run_end(const struct csv *c, const char *p, size_t i, size_t n, size_t *nl)
{
    const char *q;
    if (*nl == SIZE_MAX || *nl < i) {
        q = memchr(p + i, '\n', n - i);
        *nl = q != NULL ? (size_t)(q - p) : n;
    }
    q = memchr(p + i, c->sep, *nl - i);
    return q != NULL ? (size_t)(q - p) : *nl;
}

/* Splits the next n bytes of input. Unquoted fields (nearly all of an export) are found by scanning for
 * the next separator or line end and given straight from the input; only a field cut by the end of the
 * chunk is copied, and quoted fields go byte by byte through step(). */
int csv_feed(struct csv *c, const char *p, size_t n, csv_field_fn fn, void *ud)
{
    size_t i = 0, nl = SIZE_MAX; /* see run_end */
    if (c->state == FAILED)
        return CSV_ERROR;
    /* a byte order mark may arrive split over several chunks */
    while (c->bom < 3 && i < n && p[i] == BOM[c->bom]) {
        c->bom++;
        i++;
    }
    if (c->bom < 3 && i < n) {
        /* not a byte order mark after all: what looked like one is data */
        size_t k, matched = c->bom;
        c->bom = 3;
        for (k = 0; k < matched; k++) {
            int rc = step(c, BOM[k], fn, ud);
            if (rc != CSV_OK)
                return rc;
        }
    }
    while (i < n) {
        int rc;
        if ((c->state == FIELD_START && p[i] != '"') || c->state == UNQUOTED) {
            size_t j = run_end(c, p, i, n, &nl);
            const char *f = p + i;
            size_t len = j - i;
            int last;
            if (c->state == UNQUOTED || j == n) {
                /* a field that began in an earlier chunk, or goes on in the next one: through the buffer */
                if (len > 0 && buffer_append(&c->field, f, len) != BUFFER_OK)
                    return CSV_NOMEM;
                c->state = UNQUOTED;
                if (j == n)
                    return CSV_OK;
                f = c->field.data;
                len = c->field.len;
            }
            last = p[j] == '\n';
            if (last && len > 0 && f[len - 1] == '\r')
                len--; /* CRLF */
            c->field.len = 0;
            rc = give(c, f, len, last, fn, ud);
            if (rc != CSV_OK)
                return rc;
            if (last)
                c->line++;
            i = j + 1;
            continue;
        }
        rc = step(c, p[i], fn, ud);
        if (rc != CSV_OK)
            return rc;
        if (p[i] == '\n')
            c->line++;
        i++;
    }
    return CSV_OK;
}

/* Ends the input. */
int csv_finish(struct csv *c, csv_field_fn fn, void *ud)
{
    int rc = CSV_OK;
    size_t k, matched = c->bom < 3 ? c->bom : 0;
    if (c->state == FAILED)
        return CSV_ERROR;
    c->bom = 3;
    for (k = 0; k < matched; k++) /* a short input that began like a byte order mark */
        if ((rc = step(c, BOM[k], fn, ud)) != CSV_OK)
            return rc;
    if (c->state == QUOTED)
        return fail(c, "unterminated quoted field");
    if (c->state == UNQUOTED && c->field.len > 0 && c->field.data[c->field.len - 1] == '\r')
        c->field.len--;
    if (c->state != FIELD_START || c->fields > 0)
        rc = emit(c, 1, fn, ud);
    return rc;
}
