/*
 * (d) The floor of any row iterator that hands out each row as a new Lua table keyed by the header:
 * Lua 5.4's own cost of building those tables, with no parsing and no I/O. The CSV's first LIMIT bytes
 * are read and split into fields before the clock starts (the benchmark file has no quoted fields);
 * the timed loop then only does what every such iterator must: a table per row, a string per field,
 * one rawset per field, the rows kept in batches as exports:rows keeps them.
 *   build/bench/rows_floor PATH LIMIT  ->  {"bytes": ..., "rows": ..., "seconds": ...}
 */
#define _POSIX_C_SOURCE 200809L
#include <lauxlib.h>
#include <lua.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_FIELDS 64
#define BATCH 4096

struct field {
    size_t start, len;
};

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Splits one line at ';' into fields; returns their number. */
static int split(const char *text, size_t start, size_t end, struct field *out)
{
    int n = 0;
    size_t i = start;
    while (n < MAX_FIELDS) {
        const char *semi = memchr(text + i, ';', end - i);
        size_t stop = semi != NULL ? (size_t)(semi - text) : end;
        out[n].start = i;
        out[n].len = stop - i;
        n++;
        if (semi == NULL)
            break;
        i = stop + 1;
    }
    return n;
}

int main(int argc, char **argv)
{
    FILE *f;
    char *text;
    size_t limit, len, pos, nfields_total = 0, nrows = 0, row, cap;
    struct field *fields;
    int *counts, nheader, k, in_batch = 0;
    lua_State *L;
    double t0, t1;
    if (argc != 3) {
        fprintf(stderr, "usage: rows_floor PATH LIMIT\n");
        return 2;
    }
    limit = (size_t)strtoull(argv[2], NULL, 10);
    f = fopen(argv[1], "rb");
    if (f == NULL || (text = malloc(limit + 1)) == NULL) {
        perror(argv[1]);
        return 1;
    }
    len = fread(text, 1, limit, f);
    fclose(f);
    while (len > 0 && text[len - 1] != '\n') /* whole lines only */
        len--;
    cap = len / 8 + MAX_FIELDS;
    fields = malloc(cap * sizeof *fields);
    counts = malloc((len / 2 + 1) * sizeof *counts);
    if (fields == NULL || counts == NULL)
        return 1;
    for (pos = 0; pos < len;) { /* untimed: split every line */
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t end = (size_t)(nl - text);
        if (nfields_total + MAX_FIELDS > cap)
            return 1;
        counts[nrows] = split(text, pos, end, fields + nfields_total);
        nfields_total += (size_t)counts[nrows];
        nrows++;
        pos = end + 1;
    }
    if (nrows < 2) {
        fprintf(stderr, "rows_floor: %s has no data rows\n", argv[1]);
        return 1;
    }
    L = luaL_newstate();
    nheader = counts[0];
    lua_createtable(L, nheader, 0); /* 1: the header's names */
    for (k = 0; k < nheader; k++) {
        lua_pushlstring(L, text + fields[k].start, fields[k].len);
        lua_rawseti(L, 1, k + 1);
    }
    lua_createtable(L, BATCH, 0); /* 2: the current batch of rows */
    t0 = now();
    pos = (size_t)nheader;
    for (row = 1; row < nrows; row++) {
        int n = counts[row];
        lua_createtable(L, 0, n);
        for (k = 0; k < n; k++) {
            lua_rawgeti(L, 1, k + 1);
            lua_pushlstring(L, text + fields[pos + (size_t)k].start, fields[pos + (size_t)k].len);
            lua_rawset(L, -3);
        }
        pos += (size_t)n;
        lua_rawseti(L, 2, ++in_batch);
        if (in_batch == BATCH) { /* the batch is handed out and dropped, as the iterator does */
            lua_pop(L, 1);
            lua_createtable(L, BATCH, 0);
            in_batch = 0;
        }
    }
    t1 = now();
    printf("{\"bytes\": %zu, \"rows\": %zu, \"seconds\": %.6f}\n", len, nrows - 1, t1 - t0);
    lua_close(L);
    free(fields);
    free(counts);
    free(text);
    return 0;
}
