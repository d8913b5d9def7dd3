/* A growable byte buffer with a size cap; see buffer.h. */
#include "buffer.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define BUFFER_MIN_CAP 1024

/* An empty buffer that may hold at most limit bytes. */
void buffer_init(struct buffer *b, size_t limit)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->limit = limit;
}

/* Appends n bytes of p, growing the storage by doubling but never past the limit. */
int buffer_append(struct buffer *b, const void *p, size_t n)
{
    size_t need;
    if (n == 0)
        return BUFFER_OK;
    if (n > b->limit || b->len > b->limit - n)
        return BUFFER_LIMIT;
    need = b->len + n;
    if (need > b->cap) {
        size_t cap = b->cap < BUFFER_MIN_CAP ? BUFFER_MIN_CAP : b->cap;
        char *data;
        while (cap < need)
            cap = cap > SIZE_MAX / 2 ? need : cap * 2;
        if (cap > b->limit)
            cap = b->limit; /* need <= limit, so this still fits */
        data = realloc(b->data, cap);
        if (data == NULL)
            return BUFFER_NOMEM;
        b->data = data;
        b->cap = cap;
    }
    memcpy(b->data + b->len, p, n);
    b->len = need;
    return BUFFER_OK;
}

/* Empties the buffer, releasing storage larger than keep bytes. */
void buffer_clear(struct buffer *b, size_t keep)
{
    b->len = 0;
    if (b->cap > keep) {
        free(b->data);
        b->data = NULL;
        b->cap = 0;
    }
}

/* Releases the storage. */
void buffer_free(struct buffer *b)
{
    buffer_clear(b, 0);
}
