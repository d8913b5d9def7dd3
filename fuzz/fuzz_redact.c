/*
 * libFuzzer target for secret redaction (src/redact.c).
 * Input: byte 0 gives the number of secrets (0..4), then each secret's length (one byte each, 0..15),
 * then the secrets' bytes, then the text. Checks: measuring and writing agree; the result matches a
 * plain reference (left to right, the longest secret starting at each position is replaced by "***");
 * no secret without '*' survives in the result; the result is at most 3 times the text. The text and
 * the output are exact-size allocations.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "redact.h"

/* The obvious implementation, to compare with. */
static size_t reference(const char *s, size_t n, const struct redact_secret *sec, size_t ns, char *out)
{
    size_t i = 0, o = 0, k;
    while (i < n) {
        size_t best = 0;
        for (k = 0; k < ns; k++)
            if (sec[k].len > best && sec[k].len <= n - i && memcmp(s + i, sec[k].p, sec[k].len) == 0)
                best = sec[k].len;
        if (best > 0) {
            memcpy(out + o, "***", 3);
            o += 3;
            i += best;
        } else {
            out[o++] = s[i++];
        }
    }
    return o;
}

static int contains(const char *h, size_t hn, const char *n, size_t nn)
{
    size_t i;
    if (nn == 0 || nn > hn)
        return 0;
    for (i = 0; i + nn <= hn; i++)
        if (memcmp(h + i, n, nn) == 0)
            return 1;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct redact_secret sec[4];
    size_t ns, k, pos, n, len, len2, rlen;
    char *text, *out, *ref;
    if (size < 1)
        return 0;
    ns = data[0] % 5;
    pos = 1;
    if (size < pos + ns)
        return 0;
    for (k = 0; k < ns; k++)
        sec[k].len = data[pos++] % 16;
    for (k = 0; k < ns; k++) {
        if (size - pos < sec[k].len)
            return 0;
        sec[k].p = (const char *)data + pos;
        pos += sec[k].len;
    }
    n = size - pos;
    text = malloc(n > 0 ? n : 1);
    if (text == NULL)
        abort();
    memcpy(text, data + pos, n);

    len = redact(text, n, sec, ns, NULL);
    if (len > 3 * n)
        abort();
    out = malloc(len > 0 ? len : 1);
    ref = malloc(3 * n > 0 ? 3 * n : 1);
    if (out == NULL || ref == NULL)
        abort();
    len2 = redact(text, n, sec, ns, out);
    rlen = reference(text, n, sec, ns, ref);
    if (len2 != len || rlen != len || (len > 0 && memcmp(out, ref, len) != 0))
        abort();
    for (k = 0; k < ns; k++)
        if (sec[k].len > 0 && memchr(sec[k].p, '*', sec[k].len) == NULL && contains(out, len, sec[k].p, sec[k].len))
            abort();
    free(text);
    free(out);
    free(ref);
    return 0;
}
