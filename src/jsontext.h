/*
 * Small pieces of JSON text handling shared by the error-body scanner (errmap.c) and the decoder
 * (json.c): hex digits of \u escapes and UTF-8 encoding of a code point. Pure C, no Lua.
 */
#ifndef BATCH_JSONTEXT_H
#define BATCH_JSONTEXT_H

#include <stddef.h>

/* The value of hex digit c, or -1. */
int jsontext_hexval(int c);

/* The 4 hex digits at p (at least 4 readable bytes) as a number, or -1 if one is not a hex digit. */
long jsontext_hex4(const char *p);

/* Writes code point cp (at most 0x10FFFF) as UTF-8 at dst (room for 4 bytes); returns the byte count. */
size_t jsontext_put_utf8(char *dst, unsigned long cp);

#endif
