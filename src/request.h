/*
 * Reading Lua option tables: a request table (h:request, h:start_many) into transfer options, and the
 * typed option readers core.new uses too. A wrong value is a programmer error: it raises, naming the
 * field, never quoting a header value.
 */
#ifndef BATCH_REQUEST_H
#define BATCH_REQUEST_H

#include <stddef.h>

#include "compat.h"
#include "transfer.h"

/* What a request that does not say takes from its handle (core.new's options; 0 and SIZE_MAX: none). */
struct request_defaults {
    long timeout_ms;
    long connect_timeout_ms;
    size_t max_body;
};

/* The stack slots request_read pushes above the top it found: they hold the strings the options point
 * to (method, url, body, sink) until the transfer has started. */
#define REQUEST_SLOTS 11
#define REQUEST_BODY_SLOT 4 /* top + 4: the body string (or nil) */

/* Reads and checks the request table at absolute index req into o, and into t its header list, sink
 * path and decode flag. Raises naming argument `arg` on a malformed table (t keeps nothing a later
 * transfer_release does not free). Pushes REQUEST_SLOTS values. */
void request_read(lua_State *L, int req, int arg, const struct request_defaults *d, struct transfer *t,
                  struct transfer_options *o);

/* Pushes tbl[name], or nil when the value at tbl is not a table (an omitted options table). */
void request_field(lua_State *L, int tbl, const char *name);

/* The string at idx (NULL for nil), its length in *len; raises when it is another type, or (len NULL)
 * holds a NUL byte. `name` names the field in the message, `arg` the argument. */
const char *request_opt_string(lua_State *L, int idx, int arg, const char *name, size_t *len);

/* The seconds at idx as milliseconds (dflt for nil); raises unless it is a number >= 0. */
long request_opt_ms(lua_State *L, int idx, int arg, const char *name, long dflt);

/* The byte count at idx (dflt for nil); raises unless it is a number >= 0. */
size_t request_opt_size(lua_State *L, int idx, int arg, const char *name, size_t dflt);

/* The boolean at idx (dflt for nil); raises on another type. */
int request_opt_boolean(lua_State *L, int idx, int arg, const char *name, int dflt);

#endif
