/* A monotonic clock and a sleep; see clock.h. */

/* clock_gettime and nanosleep are POSIX, hidden by -std=c99 unless asked for (the Makefile asks too) */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif

#include "clock.h"

#include <errno.h>
#include <time.h>

#define MAX_SLEEP_SECONDS 1e9 /* about 31 years: keeps tv_sec far from overflowing */

/* Seconds on a monotonic clock. */
double clock_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Sleeps for that many seconds, resuming after signals. */
void clock_sleep(double seconds)
{
    struct timespec req;
    if (!(seconds > 0))
        return;
    if (seconds > MAX_SLEEP_SECONDS)
        seconds = MAX_SLEEP_SECONDS;
    req.tv_sec = (time_t)seconds;
    req.tv_nsec = (long)((seconds - (double)req.tv_sec) * 1e9);
    if (req.tv_nsec > 999999999L)
        req.tv_nsec = 999999999L;
    while (nanosleep(&req, &req) == -1 && errno == EINTR)
        ;
}
