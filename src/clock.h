/* A monotonic clock and a sleep. Pure C, no Lua. */
#ifndef BATCH_CLOCK_H
#define BATCH_CLOCK_H

/* Seconds on a monotonic clock (unaffected by changes of the wall clock). */
double clock_now(void);

/* Sleeps for that many seconds, resuming after signals; returns at once for 0, less, or NaN. */
void clock_sleep(double seconds);

#endif
