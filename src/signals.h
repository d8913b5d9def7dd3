/*
 * Signals that end the C core's waits: SIGINT around every wait (h:request, h:step_many with a wait,
 * h:finish_many, h:request_many, core.sleep), and SIGTERM/SIGHUP (or SIGINT) for good once core.trap
 * asks for them. A handler only records the signal and writes a byte to a pipe that every wait polls, so
 * a wait ends within microseconds; the caller then cancels what runs and raises Lua's "interrupted!".
 */
#ifndef BATCH_SIGNALS_H
#define BATCH_SIGNALS_H

#include "compat.h"

/* The read end of the signal pipe (poll it for POLLIN), or -1 when it could not be made. */
int signals_fd(void);

/* The number of a signal received and not acted on yet, or 0. Async-signal-safe to read. */
int signals_pending(void);

/* Empties the signal pipe (a wait that woke for a signal already acted on). */
void signals_drain(void);

/* What a wait saves before it starts, to undo afterwards. */
struct signals_wait {
    lua_Hook hook; /* the hook of the waiting thread before the wait */
    int mask;
    int count;
    int guarded; /* the SIGINT handler was installed for this wait */
};

/* Starts a wait of thread L: saves its hook, installs the SIGINT handler (chained to the one in place)
 * unless SIGINT is ignored or blocked in this thread (as in nginx's thread pool). Never raises. */
void signals_wait_begin(lua_State *L, struct signals_wait *w);

/* Ends the wait: the SIGINT handler in place before it is back (unless another one was set meanwhile). */
void signals_wait_end(struct signals_wait *w);

/* After a wait ended by a signal, and after the caller cancelled what ran: takes the signal, puts back
 * the hook of L that an interrupt set during the wait, and raises "interrupted!". Does not return. */
int signals_interrupt(lua_State *L, const struct signals_wait *w);

/* Sets core.trap and core.signal in the table on the top of the stack. */
void signals_open(lua_State *L);

#endif
