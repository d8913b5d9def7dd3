/* core.resolve: a host name's addresses through getaddrinfo (see resolve.c). */
#ifndef BATCH_RESOLVE_H
#define BATCH_RESOLVE_H

#include "compat.h"

/* Sets core.resolve in the table on the top of the stack. */
void resolve_open(lua_State *L);

#endif
