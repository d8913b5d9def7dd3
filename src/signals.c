/*
 * Signals that end the C core's waits; see signals.h. core.trap(names) and core.signal().
 *
 * How a signal reaches Lua. The handler (on_signal) records the signal, writes a byte to a pipe that every
 * wait polls, and chains to the handler that was in place (lua.c's, which sets a hook that raises at the
 * next Lua instruction). The wait wakes, its caller cancels the transfers (removing their sink files) and
 * calls signals_interrupt, which raises "interrupted!" itself.
 *
 * The hook lua.c set during the wait would raise a second time while the first error is handled (in the
 * message handler lua.c calls, giving a second "interrupted!" and traceback): signals_interrupt puts back
 * the hook the waiting thread had before the wait. Main thread and coroutines:
 * - waiting in the main thread (lua.c's globalL): lua.c's hook is on that thread; it is undone, and the
 *   script sees one error, ours.
 * - waiting in a coroutine on Lua 5.1 to 5.4: lua.c's hook is on the main thread, not on the coroutine;
 *   it is left there on purpose. Our error ends the coroutine (resume returns it, wrap raises it again),
 *   and the main thread stops at its next instruction as lua.c means it to, whatever the coroutine's
 *   caller does with the error.
 * - LuaJIT: a hook belongs to the whole state, so undoing it on the coroutine undoes it everywhere: the
 *   script sees our error only, and stops unless the coroutine's caller catches it.
 * A trapped signal outside a wait sets a hook of its own (trap_hook) on the main thread of the state that
 * called core.trap (on 5.1 the thread that loaded the module, if it was the main one), as lua.c does.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif

#include "signals.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#define HOOK_MASK (LUA_MASKCALL | LUA_MASKRET | LUA_MASKLINE | LUA_MASKCOUNT) /* lua.c's */

/* The signals known by name (core.trap, core.signal). */
static const struct {
    int sig;
    const char *name;
} known[] = {
    {SIGINT, "INT"},
    {SIGTERM, "TERM"},
    {SIGHUP, "HUP"},
};
#define N_KNOWN ((int)(sizeof known / sizeof known[0]))

/* Per known signal: whether core.trap installed our handler for good, how many waits installed it for the
 * time they run (SIGINT only), and the action it replaced (chained to, put back). Under `lock`. */
static struct {
    int trapped;
    int waits;
    int installed;
    struct sigaction prev;
} state[N_KNOWN];

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t pipe_once = PTHREAD_ONCE_INIT;
static int pipe_fds[2] = {-1, -1};
static volatile sig_atomic_t pending_sig; /* received, not acted on */
static volatile sig_atomic_t last_sig;    /* received last (core.signal) */

/* The hook a trapped signal sets, and the hook it displaced there (put back when it fires). */
static lua_State *volatile trap_L;
static lua_Hook trap_prev_hook;
static int trap_prev_mask, trap_prev_count;

/* A registry key: on Lua 5.1 the main thread, stored when the module loads in it. */
static const char main_key = 'm';

/* ---- the pipe ---------------------------------------------------------------------------------- */

/* Makes the pipe (both ends non-blocking and close-on-exec); leaves -1 when it cannot. */
static void make_pipe(void)
{
    int i;
    if (pipe(pipe_fds) != 0) {
        pipe_fds[0] = pipe_fds[1] = -1;
        return;
    }
    for (i = 0; i < 2; i++) {
        fcntl(pipe_fds[i], F_SETFL, fcntl(pipe_fds[i], F_GETFL) | O_NONBLOCK);
        fcntl(pipe_fds[i], F_SETFD, FD_CLOEXEC);
    }
}

/* A forked child (nginx's workers are forks of its master) gets a pipe of its own: a shared one would
 * let one process drain the byte another one's wait needs. */
static void child_after_fork(void)
{
    if (pipe_fds[0] >= 0) {
        close(pipe_fds[0]);
        close(pipe_fds[1]);
    }
    make_pipe();
}

/* Makes the pipe once per process, and again in every forked child. */
static void init_pipe(void)
{
    make_pipe();
    pthread_atfork(NULL, NULL, child_after_fork);
}

/* The read end of the signal pipe (made on the first call), or -1. */
int signals_fd(void)
{
    pthread_once(&pipe_once, init_pipe);
    return pipe_fds[0];
}

/* The signal received and not acted on yet, or 0. */
int signals_pending(void)
{
    return pending_sig;
}

/* Reads the signal pipe empty (non-blocking). */
void signals_drain(void)
{
    char buf[64];
    if (pipe_fds[0] >= 0)
        while (read(pipe_fds[0], buf, sizeof buf) > 0)
            ;
}

/* Acts on the pending signal: it is no longer pending, its bytes are gone from the pipe. */
static void take(void)
{
    pending_sig = 0;
    signals_drain();
}

/* ---- the handler ------------------------------------------------------------------------------- */

/* The index of sig in known[], or -1. */
static int index_of(int sig)
{
    int i;
    for (i = 0; i < N_KNOWN; i++)
        if (known[i].sig == sig)
            return i;
    return -1;
}

/* The hook a trapped signal sets outside a wait: puts back the hook it displaced and raises, as lua.c's
 * lstop does for SIGINT. */
static void trap_hook(lua_State *L, lua_Debug *ar)
{
    (void)ar;
    lua_sethook(L, trap_prev_hook, trap_prev_mask, trap_prev_count);
    take();
    luaL_error(L, "interrupted!");
}

/* Records the signal, wakes the waits, sets the trap hook for a trapped signal, then runs the handler
 * that was in place (a function; SIG_DFL would end the process before anything is cleaned up).
 * Async-signal-safe: a store, a write, lua_sethook (documented safe in a handler), a call. */
static void on_signal(int sig, siginfo_t *info, void *ctx)
{
    int saved_errno = errno, i = index_of(sig);
    lua_State *L = trap_L;
    last_sig = sig;
    pending_sig = sig;
    if (pipe_fds[1] >= 0) {
        ssize_t rc = write(pipe_fds[1], "!", 1);
        (void)rc; /* a full pipe already wakes every wait */
    }
    if (i >= 0 && state[i].trapped && L != NULL) {
        lua_Hook cur = lua_gethook(L);
        if (cur != trap_hook) {
            trap_prev_hook = cur;
            trap_prev_mask = lua_gethookmask(L);
            trap_prev_count = lua_gethookcount(L);
        }
        lua_sethook(L, trap_hook, HOOK_MASK, 1);
    }
    if (i >= 0) {
        struct sigaction *prev = &state[i].prev;
        if (prev->sa_flags & SA_SIGINFO)
            prev->sa_sigaction(sig, info, ctx);
        else if (prev->sa_handler != SIG_DFL && prev->sa_handler != SIG_IGN)
            prev->sa_handler(sig);
    }
    errno = saved_errno;
}

/* Whether an action is on_signal. */
static int is_ours(const struct sigaction *sa)
{
    return (sa->sa_flags & SA_SIGINFO) && sa->sa_sigaction == on_signal;
}

/* Installs on_signal for known[i], keeping the action in place (one system call: the handler is set around
 * every wait). A signal that is ignored stays ignored (a command started with nohup, or in the background
 * by a shell): its action goes back at once. Under `lock`. */
static void install(int i)
{
    struct sigaction sa;
    if (state[i].installed)
        return;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_signal;
    sa.sa_flags = SA_SIGINFO; /* no SA_RESTART: a blocking call returns EINTR */
    sigemptyset(&sa.sa_mask);
    if (sigaction(known[i].sig, &sa, &state[i].prev) != 0)
        return;
    if (!(state[i].prev.sa_flags & SA_SIGINFO) && state[i].prev.sa_handler == SIG_IGN) {
        sigaction(known[i].sig, &state[i].prev, NULL);
        return;
    }
    state[i].installed = 1;
}

/* Puts back the action on_signal replaced (one system call), unless someone set another one meanwhile:
 * lua.c's handler sets SIG_DFL, so that a second Ctrl-C ends the process, and that stays. Under `lock`. */
static void uninstall(int i)
{
    struct sigaction cur;
    if (!state[i].installed)
        return;
    state[i].installed = 0;
    if (sigaction(known[i].sig, &state[i].prev, &cur) == 0 && !is_ours(&cur))
        sigaction(known[i].sig, &cur, NULL);
}

/* ---- waits ------------------------------------------------------------------------------------- */

static pthread_key_t blocked_key;
static pthread_once_t blocked_once = PTHREAD_ONCE_INIT;
static int blocked_key_ok;

/* Makes the thread key that remembers whether SIGINT is blocked in a thread. */
static void make_blocked_key(void)
{
    blocked_key_ok = pthread_key_create(&blocked_key, NULL) == 0;
}

/* Whether SIGINT is blocked in the calling thread: then another thread takes the signals (nginx's thread
 * pool blocks them all), and this one must not touch the process's handlers. Asked of the system once per
 * thread (a thread's mask is set when it starts), then remembered. */
static int int_blocked(void)
{
    sigset_t set;
    void *known_answer;
    int blocked;
    pthread_once(&blocked_once, make_blocked_key);
    known_answer = blocked_key_ok ? pthread_getspecific(blocked_key) : NULL;
    if (known_answer != NULL)
        return known_answer == (void *)&blocked_key; /* &blocked_key: blocked; &blocked_once: not */
    blocked = pthread_sigmask(SIG_BLOCK, NULL, &set) != 0 || sigismember(&set, SIGINT) == 1;
    if (blocked_key_ok)
        pthread_setspecific(blocked_key, blocked ? (void *)&blocked_key : (void *)&blocked_once);
    return blocked;
}

/* Saves L's hook and installs the SIGINT handler for the wait; see signals.h. */
void signals_wait_begin(lua_State *L, struct signals_wait *w)
{
    w->hook = lua_gethook(L);
    w->mask = lua_gethookmask(L);
    w->count = lua_gethookcount(L);
    w->guarded = 0;
    if (signals_fd() < 0 || int_blocked())
        return;
    pthread_mutex_lock(&lock);
    if (state[0].waits++ == 0 && !state[0].trapped)
        install(0);
    pthread_mutex_unlock(&lock);
    w->guarded = 1;
}

/* Puts back the SIGINT action when the last wait ends; see signals.h. */
void signals_wait_end(struct signals_wait *w)
{
    if (!w->guarded)
        return;
    pthread_mutex_lock(&lock);
    if (--state[0].waits == 0 && !state[0].trapped)
        uninstall(0);
    pthread_mutex_unlock(&lock);
    w->guarded = 0;
}

/* Takes the signal, puts back the hook L had before the wait, raises "interrupted!". */
int signals_interrupt(lua_State *L, const struct signals_wait *w)
{
    lua_Hook hook = w->hook;
    int mask = w->mask, count = w->count;
    take();
    if (hook == trap_hook) { /* a trapped signal came just before the wait: this error is the one it meant */
        hook = trap_prev_hook;
        mask = trap_prev_mask;
        count = trap_prev_count;
    }
    if (lua_gethook(L) != hook || lua_gethookmask(L) != mask || lua_gethookcount(L) != count)
        lua_sethook(L, hook, mask, count);
    lua_pushliteral(L, "interrupted!"); /* lua.c's message; no position: it is no error of the caller's */
    return lua_error(L);
}

/* ---- Lua functions ----------------------------------------------------------------------------- */

/* The thread the trap hook goes on: the main thread of L's state where it can be found. */
static lua_State *main_thread(lua_State *L)
{
    lua_State *m;
#if LUA_VERSION_NUM >= 502
    lua_rawgeti(L, LUA_REGISTRYINDEX, LUA_RIDX_MAINTHREAD);
#else
    lua_pushlightuserdata(L, (void *)&main_key);
    lua_rawget(L, LUA_REGISTRYINDEX);
#endif
    m = lua_tothread(L, -1);
    lua_pop(L, 1);
    return m != NULL ? m : L;
}

/* core.trap(names) -> true: from now on each signal named ("INT", "TERM", "HUP") ends the C core's waits
 * as SIGINT does, and outside a wait raises "interrupted!" at the next Lua instruction. An ignored signal
 * stays ignored. Raises on an unknown name. */
static int l_trap(lua_State *L)
{
    int i, k, n, want[N_KNOWN];
    luaL_checktype(L, 1, LUA_TTABLE);
    memset(want, 0, sizeof want);
    n = (int)compat_rawlen(L, 1);
    for (k = 1; k <= n; k++) {
        const char *name;
        lua_rawgeti(L, 1, k);
        name = lua_tostring(L, -1);
        for (i = 0; name != NULL && i < N_KNOWN && strcmp(name, known[i].name) != 0; i++)
            ;
        if (name == NULL || lua_type(L, -1) != LUA_TSTRING || i == N_KNOWN)
            return luaL_argerror(L, 1, "signal names are \"INT\", \"TERM\" and \"HUP\"");
        want[i] = 1;
        lua_pop(L, 1);
    }
    if (signals_fd() < 0)
        return luaL_error(L, "batch.core.trap: cannot make the signal pipe");
    trap_L = main_thread(L);
    pthread_mutex_lock(&lock);
    for (i = 0; i < N_KNOWN; i++) {
        if (want[i] && !state[i].trapped) {
            install(i);
            state[i].trapped = state[i].installed;
        }
    }
    pthread_mutex_unlock(&lock);
    lua_pushboolean(L, 1);
    return 1;
}

/* core.signal() -> "INT" | "TERM" | "HUP" | nil: the last of them this process received through our
 * handler (a trapped one, or SIGINT during a wait). */
static int l_signal(lua_State *L)
{
    int i = index_of(last_sig);
    if (i < 0)
        lua_pushnil(L);
    else
        lua_pushstring(L, known[i].name);
    return 1;
}

static const luaL_Reg functions[] = {
    {"trap", l_trap},
    {"signal", l_signal},
    {NULL, NULL},
};

/* Registers core.trap and core.signal; on 5.1 remembers the main thread when the module loads in it. */
void signals_open(lua_State *L)
{
#if LUA_VERSION_NUM < 502
    lua_pushlightuserdata(L, (void *)&main_key);
    if (lua_pushthread(L)) {
        lua_rawset(L, LUA_REGISTRYINDEX);
    } else {
        lua_pop(L, 2);
    }
#else
    (void)main_key;
#endif
    compat_luaL_setfuncs(L, functions, 0);
}
