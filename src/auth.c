/* core.auth_headers: the credential headers of each Batch API family. */
#include "core.h"

#include <string.h>

/* Returns the key at idx, raising when it is missing, not a string, or holds CR, LF or NUL (any of
 * which would let a header be injected). The messages name the key, never its value. */
static const char *check_key(lua_State *L, int idx, const char *name)
{
    size_t len, i;
    const char *s;
    if (lua_isnoneornil(L, idx))
        luaL_error(L, "batch.core.auth_headers: %s is required", name);
    if (lua_type(L, idx) != LUA_TSTRING)
        luaL_error(L, "batch.core.auth_headers: %s must be a string (got %s)", name, luaL_typename(L, idx));
    s = lua_tolstring(L, idx, &len);
    if (len == 0)
        luaL_error(L, "batch.core.auth_headers: %s is required", name);
    for (i = 0; i < len; i++)
        if (s[i] == '\r' || s[i] == '\n' || s[i] == '\0')
            luaL_error(L, "batch.core.auth_headers: %s contains a CR, LF or NUL character", name);
    return s;
}

/* core.auth_headers(family, rest_key [, project_key]) -> headers table.
 * family "1" (or "1.x"): { ["X-Authorization"] = rest_key }
 * family "2" (or "2.x"): { Authorization = "Bearer " .. rest_key, ["X-Batch-Project"] = project_key } */
int auth_headers(lua_State *L)
{
    const char *family = luaL_checkstring(L, 1);
    const char *rest_key, *project_key;
    char major = family[0];
    if ((major != '1' && major != '2') || (family[1] != '\0' && family[1] != '.'))
        return luaL_argerror(L, 1, "API family must be \"1\" or \"2\"");
    rest_key = check_key(L, 2, "rest_key");
    project_key = major == '2' ? check_key(L, 3, "project_key") : NULL;
    lua_createtable(L, 0, 2); /* after the checks: it would take the place of a missing argument 3 */
    if (project_key == NULL) {
        lua_pushstring(L, rest_key);
        lua_setfield(L, -2, "X-Authorization");
    } else {
        lua_pushliteral(L, "Bearer ");
        lua_pushstring(L, rest_key);
        lua_concat(L, 2);
        lua_setfield(L, -2, "Authorization");
        lua_pushstring(L, project_key);
        lua_setfield(L, -2, "X-Batch-Project");
    }
    return 1;
}
