/* core.redact, core.is_token and core.http_head: the Lua side of the text helpers (redact.c and headers.c
 * are the pure C parts). */
#ifndef BATCH_TEXT_H
#define BATCH_TEXT_H

#include "compat.h"

/* Sets core.redact, core.is_token and core.http_head in the table on the top of the stack. */
void text_open(lua_State *L);

#endif
