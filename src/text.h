/* core.redact and core.is_token: the Lua side of the text helpers (redact.c is the pure C part). */
#ifndef BATCH_TEXT_H
#define BATCH_TEXT_H

#include "compat.h"

/* Sets core.redact and core.is_token in the table on the top of the stack. */
void text_open(lua_State *L);

#endif
