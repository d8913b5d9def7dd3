/*
 * Lua version shims. One source builds for Lua 5.1 to 5.4 and LuaJIT 2.1.
 * Every shim has a prefixed name (compat_*): LuaJIT 2.1 already exports several 5.2 functions
 * (luaL_setfuncs, luaL_testudata, ...), so defining a bare lua_* / luaL_* symbol would clash there.
 */
#ifndef BATCH_COMPAT_H
#define BATCH_COMPAT_H

#include <lua.h>
#include <lauxlib.h>
#include <lualib.h>

/* lualib.h of every LuaJIT names its "jit" library; plain Lua does not. */
#ifdef LUA_JITLIBNAME
#include <luajit.h>
#define COMPAT_LUA_RELEASE LUAJIT_VERSION /* "LuaJIT 2.1.0-beta3" */
#else
#define COMPAT_LUA_RELEASE LUA_RELEASE /* "Lua 5.4.4" */
#endif

/* The length of the table at i without metamethods (lua_objlen before 5.2). */
#if LUA_VERSION_NUM >= 502
#define compat_rawlen(L, i) lua_rawlen(L, i)
#else
#define compat_rawlen(L, i) lua_objlen(L, i)
#endif

/* luaL_setfuncs of Lua 5.2+: registers l into the table below the nup upvalues on the stack. */
void compat_luaL_setfuncs(lua_State *L, const luaL_Reg *l, int nup);

#endif
