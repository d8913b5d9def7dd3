/* core.random_hex and core.commit: unpredictable temporary names, and making a download final. */
#ifndef BATCH_FILES_H
#define BATCH_FILES_H

#include "compat.h"

/* Sets core.random_hex and core.commit in the table on the top of the stack. */
void files_open(lua_State *L);

#endif
