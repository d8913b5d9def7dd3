/* Splitting a raw HTTP response header block into fields. Pure C, no Lua. */
#ifndef BATCH_HEADERS_H
#define BATCH_HEADERS_H

#include <stddef.h>

/* Called once per header field, in order; name is lower-case, value has no surrounding blanks. */
typedef void (*headers_field_fn)(void *ud, const char *name, size_t name_len, const char *value, size_t value_len);

/* Whether a header line starts a new response ("HTTP/1.1 200 OK", "HTTP/2 100"): the header block
 * is reset there, so only the final response's headers are kept. */
int headers_is_status_line(const char *line, size_t len);

/* Walks the header block block[0..len) (lines ending in CRLF or LF) and calls fn for each field.
 * Rewrites the block in place: names are lower-cased and each fold of a folded (obs-fold) value
 * becomes one space. Status lines, blank lines and lines that are not "name: value" with a valid name are
 * skipped. */
void headers_each(char *block, size_t len, headers_field_fn fn, void *ud);

/* The fields of a header block as the nginx socket engine reads it (lua/batch/transport/ngx_socket.lua):
 * each CRLF followed by a name (one or more bytes other than ':', CR and LF), ':', blanks, and a value up
 * to the next CR or LF, which loses its trailing blanks; names are given as they are. Calls fn for each,
 * in order, and returns their number, stopping at the (max + 1)th field without calling fn for it. */
size_t headers_each_line(const char *block, size_t len, size_t max, headers_field_fn fn, void *ud);

#endif
