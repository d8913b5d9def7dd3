/* Clocks and durations; see clock.h. */

/* clock_gettime and poll are POSIX, hidden by -std=c99 unless asked for (the Makefile asks too) */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif

#include "clock.h"

#include <limits.h>
#include <poll.h>
#include <time.h>

#include "signals.h"

#define MAX_SECONDS 1e9 /* about 31 years */

/* Seconds on a monotonic clock. */
double clock_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A duration as milliseconds; see clock.h. */
long clock_ms(double seconds)
{
    double ms, most = (double)(LONG_MAX / 1000 < (long)MAX_SECONDS ? LONG_MAX / 1000 : (long)MAX_SECONDS);
    long whole;
    if (!(seconds > 0))
        return 0;
    if (seconds > most)
        seconds = most;
    ms = seconds * 1000.0 + 0.5;
    whole = (long)ms;
    return whole > 0 ? whole : 1;
}

/* core.now() -> seconds on a monotonic clock (for durations and deadlines, not dates). */
static int l_now(lua_State *L)
{
    lua_pushnumber(L, (lua_Number)clock_now());
    return 1;
}

/* core.time() -> seconds since the epoch, with fractions (CLOCK_REALTIME): an absolute deadline that
 * another thread or process can compute a timeout from (ngx.now() is on this clock too). */
static int l_time(lua_State *L)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    lua_pushnumber(L, (lua_Number)ts.tv_sec + (lua_Number)ts.tv_nsec / 1e9);
    return 1;
}

/* core.sleep(seconds): blocks for that long (0, less or NaN: not at all), waiting on the signal pipe: a
 * SIGINT (or a trapped signal) ends it at once with "interrupted!". Inside nginx the Lua layer uses
 * ngx.sleep instead. */
static int l_sleep(lua_State *L)
{
    double seconds = (double)luaL_checknumber(L, 1), until;
    struct signals_wait w;
    int interrupted = 0;
    if (!(seconds > 0))
        return 0;
    if (seconds > MAX_SECONDS)
        seconds = MAX_SECONDS;
    until = clock_now() + seconds;
    signals_wait_begin(L, &w);
    for (;;) {
        double left = until - clock_now();
        struct pollfd p;
        if (signals_pending()) {
            interrupted = 1;
            break;
        }
        if (left <= 0)
            break;
        p.fd = signals_fd();
        p.events = POLLIN;
        p.revents = 0;
        /* whole milliseconds, rounded up: never wake just before the end; a day at most per poll */
        if (poll(&p, 1, left < 86400.0 ? (int)(left * 1000.0) + 1 : 86400000) > 0 && !signals_pending())
            signals_drain();
    }
    signals_wait_end(&w);
    if (interrupted)
        return signals_interrupt(L, &w);
    return 0;
}

static const luaL_Reg functions[] = {
    {"now", l_now},
    {"time", l_time},
    {"sleep", l_sleep},
    {NULL, NULL},
};

/* Sets core.now, core.time and core.sleep in the module table on the top of the stack. */
void clock_open(lua_State *L)
{
    compat_luaL_setfuncs(L, functions, 0);
}
