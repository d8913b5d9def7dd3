/* Replacing secrets in a string with "***". Pure C, no Lua. */
#ifndef BATCH_REDACT_H
#define BATCH_REDACT_H

#include <stddef.h>

#define REDACT_MASK "***"
#define REDACT_MASK_LEN 3

struct redact_secret {
    const char *p;
    size_t len; /* a secret of length 0 is ignored */
};

/* Writes s[0..n) with every occurrence of each secret replaced by "***" into out, or only measures
 * when out is NULL. Scanning goes left to right; where several secrets match, the longest wins.
 * Returns the length of the result (at most 3 * n). */
size_t redact(const char *s, size_t n, const struct redact_secret *secrets, size_t nsecrets, char *out);

#endif
