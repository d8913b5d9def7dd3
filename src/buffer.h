/* A growable byte buffer with a size cap. Pure C, no Lua. */
#ifndef BATCH_BUFFER_H
#define BATCH_BUFFER_H

#include <stddef.h>

#define BUFFER_OK 0
#define BUFFER_NOMEM (-1) /* malloc/realloc failed; the buffer is unchanged */
#define BUFFER_LIMIT (-2) /* the append would pass the limit; the buffer is unchanged */

struct buffer {
    char *data;   /* NULL until the first append */
    size_t len;   /* bytes in use */
    size_t cap;   /* bytes allocated */
    size_t limit; /* most bytes the buffer may hold; SIZE_MAX for no limit */
};

/* An empty buffer that may hold at most limit bytes. */
void buffer_init(struct buffer *b, size_t limit);

/* Appends n bytes of p; returns BUFFER_OK, BUFFER_NOMEM or BUFFER_LIMIT. */
int buffer_append(struct buffer *b, const void *p, size_t n);

/* Empties the buffer; storage larger than keep bytes is released, smaller storage is kept for reuse. */
void buffer_clear(struct buffer *b, size_t keep);

/* Releases the storage; the buffer is empty and still usable. */
void buffer_free(struct buffer *b);

#endif
