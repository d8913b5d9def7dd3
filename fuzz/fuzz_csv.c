/*
 * libFuzzer target for the streaming CSV splitter (src/csv.c).
 * Input: byte 0 picks the separator, byte 1 seeds the chunk sizes, the rest is the CSV text.
 * Checks, beyond the sanitizers: (1) splitting the text in chunks of any sizes gives exactly what one
 * feed gives (records, fields, errors and their messages); (2) the records, written back as CSV with every
 * field quoted, split into the same records again.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buffer.h"
#include "csv.h"

static const char SEPS[] = {';', ',', '\t', '|', ' ', 'a', '\xEF'};

/* The fields given, serialized: each field as "<len>:<bytes>", each record end as "\n". */
struct out {
    struct buffer b;
};

static int on_field(void *ud, const char *field, size_t len, int last)
{
    struct out *o = ud;
    char num[32];
    int n = snprintf(num, sizeof num, "%zu:", len);
    if (field == NULL)
        abort(); /* a field pointer is always valid, "" for an empty one */
    if (buffer_append(&o->b, num, (size_t)n) != BUFFER_OK || buffer_append(&o->b, field, len) != BUFFER_OK)
        return CSV_NOMEM;
    if (last && buffer_append(&o->b, "\n", 1) != BUFFER_OK)
        return CSV_NOMEM;
    return CSV_OK;
}

/* Splits p[0..n) fed in chunks whose sizes come from seed (0: one chunk). Returns the final rc; the
 * serialized fields in o, the error message in err. */
static int split(char sep, const uint8_t *p, size_t n, unsigned seed, struct out *o, char err[96])
{
    struct csv c;
    size_t i = 0;
    int rc = CSV_OK;
    csv_init(&c, sep);
    buffer_init(&o->b, SIZE_MAX);
    while (i < n && rc == CSV_OK) {
        size_t chunk = n - i;
        if (seed != 0) {
            seed = seed * 1103515245u + 12345u;
            chunk = 1 + (seed >> 16) % 7;
            if (chunk > n - i)
                chunk = n - i;
        }
        /* each chunk in its own exact-size allocation: a read past it is caught */
        char *copy = malloc(chunk);
        if (copy == NULL)
            abort();
        memcpy(copy, p + i, chunk);
        rc = csv_feed(&c, copy, chunk, on_field, o);
        free(copy);
        i += chunk;
    }
    if (rc == CSV_OK)
        rc = csv_finish(&c, on_field, o);
    memcpy(err, c.error, 96);
    csv_free(&c);
    return rc;
}

/* Writes the serialized records back as CSV, every field quoted. */
static void rewrite(const struct out *o, char sep, struct buffer *csv)
{
    const char *p, *end;
    int first = 1;
    buffer_init(csv, SIZE_MAX);
    if (o->b.len == 0)
        return;
    p = o->b.data;
    end = o->b.data + o->b.len;
    while (p < end) {
        if (*p == '\n') {
            buffer_append(csv, "\n", 1);
            first = 1;
            p++;
            continue;
        }
        size_t len = strtoul(p, (char **)&p, 10);
        p++; /* ':' */
        if (!first)
            buffer_append(csv, &sep, 1);
        buffer_append(csv, "\"", 1);
        for (size_t k = 0; k < len; k++) {
            if (p[k] == '"')
                buffer_append(csv, "\"", 1);
            buffer_append(csv, p + k, 1);
        }
        buffer_append(csv, "\"", 1);
        p += len;
        first = 0;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct out whole, chunked, again;
    char err1[96], err2[96], err3[96];
    struct buffer csv;
    char sep;
    unsigned seed;
    int rc1, rc2, rc3;
    if (size < 2)
        return 0;
    sep = SEPS[data[0] % sizeof SEPS];
    seed = data[1] | 1u;
    if (sep == '"' || sep == '\r' || sep == '\n')
        return 0;
    rc1 = split(sep, data + 2, size - 2, 0, &whole, err1);
    rc2 = split(sep, data + 2, size - 2, seed, &chunked, err2);
    if (rc1 != rc2)
        abort();
    if (whole.b.len != chunked.b.len || (whole.b.len > 0 && memcmp(whole.b.data, chunked.b.data, whole.b.len) != 0))
        abort();
    if (rc1 == CSV_ERROR && strcmp(err1, err2) != 0)
        abort();
    if (rc1 == CSV_OK && sep != ' ' && sep != 'a' && sep != '\xEF') {
        /* the round trip (with a separator that cannot start a byte order mark or be data-like) */
        rewrite(&whole, sep, &csv);
        rc3 = split(sep, (const uint8_t *)csv.data, csv.len, 0, &again, err3);
        if (rc3 != CSV_OK || again.b.len != whole.b.len
            || (whole.b.len > 0 && memcmp(again.b.data, whole.b.data, whole.b.len) != 0))
            abort();
        buffer_free(&again.b);
        buffer_free(&csv);
    }
    buffer_free(&whole.b);
    buffer_free(&chunked.b);
    return 0;
}
