/*
 * The JSON decoder of every response: core.json_decode, and decoding a C buffer straight onto the Lua
 * stack (json_push, for h:request{ decode = "json" }).
 */
#ifndef BATCH_JSON_H
#define BATCH_JSON_H

#include <stddef.h>

#include "compat.h"

#define JSON_MAX_DEPTH 128

/* Decodes s[0..len) and pushes its value; returns 1. On malformed JSON, top-level null, or a document
 * the Lua stack cannot hold, pushes nothing and returns 0, with the message in *why and the 1-based
 * character where it went wrong in *where (0 for top-level null). Raises only when memory runs out. */
int json_push(lua_State *L, const char *s, size_t len, int max_depth, const char **why, size_t *where);

/* Sets core.json_decode in the table on the top of the stack. */
void json_open(lua_State *L);

#endif
