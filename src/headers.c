/* Splitting a raw HTTP response header block into fields; see headers.h. */
#include "headers.h"

#include <string.h>

/* Whether c may appear in a header name (an RFC 9110 token character). */
static int is_tchar(unsigned char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return 1;
    return c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/* Whether a header line starts a new response. */
int headers_is_status_line(const char *line, size_t len)
{
    return len >= 5 && memcmp(line, "HTTP/", 5) == 0;
}

/* A field being collected: its value may still grow by continuation lines. */
struct field {
    char *name;
    size_t name_len;
    char *value;     /* start of the value */
    char *value_end; /* one past its last non-blank byte */
};

/* Calls fn for the pending field, if any. */
static void emit(struct field *f, headers_field_fn fn, void *ud)
{
    if (f->name != NULL)
        fn(ud, f->name, f->name_len, f->value, (size_t)(f->value_end - f->value));
    f->name = NULL;
}

/* Walks the header block; see headers.h. */
void headers_each(char *block, size_t len, headers_field_fn fn, void *ud)
{
    char *p = block, *end = block + len;
    struct field f;
    f.name = NULL;
    f.name_len = 0;
    f.value = f.value_end = NULL;
    while (p < end) {
        char *eol = memchr(p, '\n', (size_t)(end - p));
        char *next = eol != NULL ? eol + 1 : end;
        char *line_end = eol != NULL ? eol : end;
        char *colon, *v, *q;
        if (line_end > p && line_end[-1] == '\r')
            line_end--;
        if (line_end == p || headers_is_status_line(p, (size_t)(line_end - p))) {
            emit(&f, fn, ud); /* a blank line ends a block; a status line starts one */
        } else if (*p == ' ' || *p == '\t') {
            /* obs-fold: the line continues the previous value; the fold becomes one space. The text
             * moves left over the fold (the block is read ahead of this point, never behind). */
            if (f.name != NULL) {
                char *t = p, *e = line_end;
                while (t < e && (*t == ' ' || *t == '\t'))
                    t++;
                while (e > t && (e[-1] == ' ' || e[-1] == '\t'))
                    e--;
                if (t < e) {
                    if (f.value_end > f.value) /* an empty value so far takes no separator */
                        *f.value_end++ = ' ';
                    memmove(f.value_end, t, (size_t)(e - t));
                    f.value_end += e - t;
                }
            }
        } else {
            emit(&f, fn, ud);
            colon = memchr(p, ':', (size_t)(line_end - p));
            if (colon != NULL && colon > p) {
                for (q = p; q < colon && is_tchar((unsigned char)*q); q++)
                    ;
                if (q == colon) {
                    for (q = p; q < colon; q++)
                        if (*q >= 'A' && *q <= 'Z')
                            *q = (char)(*q - 'A' + 'a');
                    v = colon + 1;
                    while (v < line_end && (*v == ' ' || *v == '\t'))
                        v++;
                    q = line_end;
                    while (q > v && (q[-1] == ' ' || q[-1] == '\t'))
                        q--;
                    f.name = p;
                    f.name_len = (size_t)(colon - p);
                    f.value = v;
                    f.value_end = q;
                }
            }
        }
        p = next;
    }
    emit(&f, fn, ud);
}

/* Walks the header block the nginx socket engine's way; see headers.h. */
size_t headers_each_line(const char *block, size_t len, size_t max, headers_field_fn fn, void *ud)
{
    size_t s = 0, count = 0;
    while (s + 1 < len) {
        size_t n0, n1, v0, v1, e;
        if (block[s] != '\r' || block[s + 1] != '\n') {
            s++;
            continue;
        }
        n0 = n1 = s + 2;
        while (n1 < len && block[n1] != ':' && block[n1] != '\r' && block[n1] != '\n')
            n1++;
        if (n1 == n0 || n1 >= len || block[n1] != ':') {
            s++;
            continue;
        }
        v0 = n1 + 1;
        while (v0 < len && (block[v0] == ' ' || block[v0] == '\t'))
            v0++;
        v1 = v0;
        while (v1 < len && block[v1] != '\r' && block[v1] != '\n')
            v1++;
        e = v1;
        while (e > v0 && (block[e - 1] == ' ' || block[e - 1] == '\t'))
            e--;
        if (++count > max)
            return count;
        fn(ud, block + n0, n1 - n0, block + v0, e - v0);
        s = v1;
    }
    return count;
}
