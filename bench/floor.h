/*
 * What the two libcurl floors of bench/ share (floor.c, floor_many.c): the growable body buffer every
 * real client keeps an answer in, and the monotonic clock. Included by each, as each is one program.
 */
#ifndef BATCH_BENCH_FLOOR_H
#define BATCH_BENCH_FLOOR_H

#include <stdlib.h>
#include <string.h>
#include <time.h>

struct body {
    char *data;
    size_t len, cap;
};

/* CURLOPT_WRITEFUNCTION: appends to the struct body at ud, doubling its room as needed. */
static size_t on_write(char *ptr, size_t size, size_t nmemb, void *ud)
{
    struct body *b = ud;
    size_t n = size * nmemb;
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 4096;
        char *p;
        while (cap < b->len + n)
            cap *= 2;
        p = realloc(b->data, cap);
        if (p == NULL)
            return 0;
        b->data = p;
        b->cap = cap;
    }
    memcpy(b->data + b->len, ptr, n);
    b->len += n;
    return n;
}

/* Seconds on the monotonic clock. */
static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

#endif
