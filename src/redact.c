/* Replacing secrets in a string with "***"; see redact.h. */
#include "redact.h"

#include <string.h>

/* The length of the longest secret that starts at s[i] (0 if none). */
static size_t match_at(const char *s, size_t n, size_t i, const struct redact_secret *secrets, size_t nsecrets)
{
    size_t k, best = 0;
    for (k = 0; k < nsecrets; k++) {
        size_t len = secrets[k].len;
        if (len > best && len <= n - i && s[i] == secrets[k].p[0] && memcmp(s + i, secrets[k].p, len) == 0)
            best = len;
    }
    return best;
}

/* Replaces every secret with the mask; see redact.h. A table of the secrets' first bytes lets most
 * positions be copied without trying every secret (URLs are redacted on every request). */
size_t redact(const char *s, size_t n, const struct redact_secret *secrets, size_t nsecrets, char *out)
{
    size_t i = 0, o = 0, k;
    unsigned char first[256];
    memset(first, 0, sizeof first);
    for (k = 0; k < nsecrets; k++)
        if (secrets[k].len > 0)
            first[(unsigned char)secrets[k].p[0]] = 1;
    while (i < n) {
        size_t m = first[(unsigned char)s[i]] ? match_at(s, n, i, secrets, nsecrets) : 0;
        if (m > 0) {
            if (out != NULL)
                memcpy(out + o, REDACT_MASK, REDACT_MASK_LEN);
            o += REDACT_MASK_LEN;
            i += m;
        } else {
            if (out != NULL)
                out[o] = s[i];
            o++;
            i++;
        }
    }
    return o;
}
