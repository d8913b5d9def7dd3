/* The version of lua-batch: the single source the C core, the Lua layer and the rockspec read. */
#ifndef BATCH_VERSION_H
#define BATCH_VERSION_H

#define BATCH_VERSION "0.1.0"

#endif
