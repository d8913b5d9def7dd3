/* core.csv_new: the Lua binding of the streaming CSV splitter (csv.c). */
#ifndef BATCH_CSV_LUA_H
#define BATCH_CSV_LUA_H

#include "compat.h"

/* Registers the parser metatable and sets core.csv_new in the table on the top of the stack. */
void csv_open(lua_State *L);

#endif
