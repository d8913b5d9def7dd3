/*
 * libFuzzer target for the response header splitter (src/headers.c).
 * The input is a raw header block, copied into an exact-size allocation (headers_each rewrites it in
 * place). Checks: every name and value lies inside the block; names are non-empty, lower-case RFC 9110
 * tokens; values hold no line feed and start and end with no blank; the status-line test agrees with
 * its definition. The nginx socket engine's reading (headers_each_line, core.http_head) of the same
 * block: every field inside it, a name of no ':', CR or LF after a CRLF, a value of no CR or LF that
 * starts and ends with no blank, at most max fields given.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "headers.h"

struct ctx {
    const char *block;
    size_t len;
    size_t fields;
};

static int is_tchar(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

static void on_field(void *ud, const char *name, size_t name_len, const char *value, size_t value_len)
{
    struct ctx *c = ud;
    size_t i;
    if (name < c->block || name + name_len > c->block + c->len || name_len == 0)
        abort();
    if (value < c->block || value + value_len > c->block + c->len)
        abort();
    for (i = 0; i < name_len; i++)
        if (!is_tchar((unsigned char)name[i]))
            abort(); /* upper case letters were lowered; nothing else gets through */
    if (value_len > 0 && memchr(value, '\n', value_len) != NULL)
        abort();
    if (value_len > 0
        && (value[0] == ' ' || value[0] == '\t' || value[value_len - 1] == ' ' || value[value_len - 1] == '\t'))
        abort();
    c->fields++;
}

static void on_line_field(void *ud, const char *name, size_t name_len, const char *value, size_t value_len)
{
    struct ctx *c = ud;
    if (name < c->block + 2 || name + name_len > c->block + c->len || name_len == 0)
        abort();
    if (name[-2] != '\r' || name[-1] != '\n' || name[name_len] != ':')
        abort();
    if (memchr(name, ':', name_len) != NULL || memchr(name, '\r', name_len) != NULL
        || memchr(name, '\n', name_len) != NULL)
        abort();
    if (value < c->block || value + value_len > c->block + c->len)
        abort();
    if (value_len > 0 && (memchr(value, '\r', value_len) != NULL || memchr(value, '\n', value_len) != NULL))
        abort();
    if (value_len > 0
        && (value[0] == ' ' || value[0] == '\t' || value[value_len - 1] == ' ' || value[value_len - 1] == '\t'))
        abort();
    c->fields++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ctx c;
    char *block = malloc(size > 0 ? size : 1);
    if (block == NULL)
        abort();
    memcpy(block, data, size);
    if (headers_is_status_line(block, size) != (size >= 5 && memcmp(block, "HTTP/", 5) == 0))
        abort();
    c.block = block;
    c.len = size;
    c.fields = 0;
    headers_each(block, size, on_field, &c);
    if (c.fields > size / 2 + 1)
        abort();               /* a field takes at least "x:" */
    memcpy(block, data, size); /* as it came: headers_each rewrote it */
    c.fields = 0;
    if (headers_each_line(block, size, 8, on_line_field, &c) > 8 ? c.fields != 8 : c.fields > 8)
        abort(); /* past max, max fields were given */
    free(block);
    return 0;
}
