/* The Lua-facing pieces of batch.core, assembled by luaopen_batch_core in core.c. */
#ifndef BATCH_CORE_H
#define BATCH_CORE_H

#include <stddef.h>

#include "compat.h"

/* core.c: writes "lua-batch/<v> libcurl/<v> Lua/<v>" (or LuaJIT/<v>) into buf. */
void core_user_agent(char *buf, size_t size);

/* client.c: registers the client metatable; core.new. */
void client_register(lua_State *L);
int client_new(lua_State *L);

/* auth.c: core.auth_headers. */
int auth_headers(lua_State *L);

/* bindings.c: core.map_error, core.redact, core.now, core.sleep and core.is_token. */
int bind_map_error(lua_State *L);
int bind_redact(lua_State *L);
int bind_now(lua_State *L);
int bind_sleep(lua_State *L);
int bind_is_token(lua_State *L);

/* json.c: core.json_decode, and decoding a C buffer straight onto the stack (json_push). */
#define JSON_MAX_DEPTH 128
int json_decode(lua_State *L);
int json_push(lua_State *L, const char *s, size_t len, int max_depth, const char **why, size_t *where);

/* resolve.c: core.resolve (getaddrinfo; blocks, so the ngx transport calls it in a thread). */
int resolve_host(lua_State *L);

/* csv_lua.c: registers the CSV parser metatable; core.csv_new. */
void csv_register(lua_State *L);
int csv_new(lua_State *L);

#endif
