/*
 * A streaming CSV splitter (RFC 4180 with a chosen separator; Batch's exports use ';'). Pure C, no
 * Lua: bytes go in by chunks of any size, fields come out through a callback. A UTF-8 byte order
 * mark at the start is dropped; records end with LF or CRLF; a quoted field may hold separators,
 * "" (one quote) and line breaks, kept as they are; blank lines are skipped. A quote inside an
 * unquoted field is kept as data; after a closing quote only a separator or a line end may follow.
 */
#ifndef BATCH_CSV_H
#define BATCH_CSV_H

#include <stddef.h>

#include "buffer.h"

#define CSV_OK 0
#define CSV_ERROR (-1) /* malformed input: csv->error says why; the splitter stays in error */
#define CSV_NOMEM (-2)

/* Receives one field; last is 1 when it ends its record. Returning non-zero stops the splitter
 * (csv_feed/csv_finish then return that value). */
typedef int (*csv_field_fn)(void *ud, const char *field, size_t len, int last);

struct csv {
    char sep;
    int state;
    size_t bom;          /* bytes of a leading byte order mark matched so far (3: done) */
    size_t fields;       /* fields already given for the current record */
    unsigned long line;  /* 1-based line of the input being read, for messages */
    struct buffer field; /* the field being read */
    char error[96];
};

/* A splitter for fields separated by sep. */
void csv_init(struct csv *c, char sep);

/* Splits the next n bytes of input. Returns CSV_OK, CSV_ERROR, CSV_NOMEM or the callback's value. */
int csv_feed(struct csv *c, const char *p, size_t n, csv_field_fn fn, void *ud);

/* Ends the input: gives the last record when it has no final line break. Same returns as csv_feed;
 * an open quoted field is an error. */
int csv_finish(struct csv *c, csv_field_fn fn, void *ud);

/* Releases the splitter's storage. */
void csv_free(struct csv *c);

#endif
