/* Clocks and durations, and core.now, core.time and core.sleep (clock_open). */
#ifndef BATCH_CLOCK_H
#define BATCH_CLOCK_H

#include "compat.h"

/* Seconds on a monotonic clock (unaffected by changes of the wall clock). */
double clock_now(void);

/* A duration in seconds as whole milliseconds, the one rule for every timeout and wait: 0 for 0, less or
 * NaN; a positive duration never rounds down to 0 (libcurl would read "no timeout"); at most about 24 days
 * on a 32-bit long, 31 years otherwise. */
long clock_ms(double seconds);

/* Sets core.now, core.time and core.sleep in the table on the top of the stack. */
void clock_open(lua_State *L);

#endif
