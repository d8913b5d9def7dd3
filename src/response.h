/*
 * Turning a finished transfer into Lua values: the result table (status, headers, body or json, bytes,
 * reused) or the failure table (kind, message, sent, curl_code). Built once the transfer is over: no Lua
 * value is made while libcurl runs.
 */
#ifndef BATCH_RESPONSE_H
#define BATCH_RESPONSE_H

#include "compat.h"
#include "transfer.h"

/* Pushes the result of a transfer that succeeded (transfer_ok) and returns 1, or pushes the failure
 * table of one that failed and returns 0. */
int response_push(lua_State *L, struct transfer *t);

#endif
