/* The client handle of batch.core: core.new and the handle's methods (see handle.c). */
#ifndef BATCH_HANDLE_H
#define BATCH_HANDLE_H

#include "compat.h"

/* Registers the handle's metatable and sets core.new in the table on the top of the stack. */
void handle_open(lua_State *L);

#endif
