/* Lua version shims; see compat.h. */
#include "compat.h"

/* Registers every function of l into the table at -(nup + 1), each with copies of the nup upvalues
 * found on the top of the stack; pops the upvalues. */
void compat_luaL_setfuncs(lua_State *L, const luaL_Reg *l, int nup)
{
    luaL_checkstack(L, nup + 1, "too many upvalues");
    for (; l->name != NULL; l++) {
        int i;
        for (i = 0; i < nup; i++) /* copy the upvalues to the top */
            lua_pushvalue(L, -nup);
        lua_pushcclosure(L, l->func, nup);
        lua_setfield(L, -(nup + 2), l->name);
    }
    lua_pop(L, nup);
}
