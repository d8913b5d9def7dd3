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

/* bindings.c: core.map_error, core.redact, core.now and core.sleep. */
int bind_map_error(lua_State *L);
int bind_redact(lua_State *L);
int bind_now(lua_State *L);
int bind_sleep(lua_State *L);

/* csv_lua.c: registers the CSV parser metatable; core.csv_new. */
void csv_register(lua_State *L);
int csv_new(lua_State *L);

#endif
