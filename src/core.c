/*
 * luaopen_batch_core: the module table of batch.core, made by the *_open function of each part (each sets
 * its own functions), and the process-wide setup done once: curl_global_init and SIGPIPE.
 *   handle.c   core.new and the handle's methods       json.c     core.json_decode
 *   csv_lua.c  core.csv_new                            text.c     core.redact, core.is_token
 *   clock.c    core.now, core.time, core.sleep         signals.c  core.trap, core.signal
 *   files.c    core.random_hex, core.commit            resolve.c  core.resolve
 *   here       core.version, core.curl_version, core.user_agent
 */
/* sigaction is POSIX, hidden by -std=c99 unless asked for (the Makefile asks too) */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif

#include <pthread.h>
#include <signal.h>
#include <string.h>

#include <curl/curl.h>

#include "agent.h"
#include "clock.h"
#include "compat.h"
#include "csv_lua.h"
#include "files.h"
#include "handle.h"
#include "json.h"
#include "resolve.h"
#include "signals.h"
#include "text.h"
#include "version.h"

static pthread_once_t global_once = PTHREAD_ONCE_INIT;
static CURLcode global_rc = CURLE_OK;

/* Runs once per process (several Lua states, e.g. nginx worker threads, may load the module).
 * CURLOPT_NOSIGNAL keeps libcurl from ignoring SIGPIPE itself, so a peer dropping a TLS connection
 * would kill a plain Lua process: SIGPIPE is ignored, unless the host installed its own handler. */
static void global_init(void)
{
    struct sigaction old;
    global_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
    if (sigaction(SIGPIPE, NULL, &old) == 0 && !(old.sa_flags & SA_SIGINFO) && old.sa_handler == SIG_DFL) {
        struct sigaction ign;
        memset(&ign, 0, sizeof ign);
        ign.sa_handler = SIG_IGN;
        sigemptyset(&ign.sa_mask);
        sigaction(SIGPIPE, &ign, NULL);
    }
}

/* require "batch.core" */
LUALIB_API int luaopen_batch_core(lua_State *L)
{
    pthread_once(&global_once, global_init);
    if (global_rc != CURLE_OK)
        return luaL_error(L, "batch.core: curl_global_init failed: %s", curl_easy_strerror(global_rc));
    lua_newtable(L);
    handle_open(L);
    json_open(L);
    csv_open(L);
    text_open(L);
    clock_open(L);
    signals_open(L);
    files_open(L);
    resolve_open(L);
    lua_pushliteral(L, BATCH_VERSION);
    lua_setfield(L, -2, "version");
    lua_pushstring(L, curl_version_info(CURLVERSION_NOW)->version);
    lua_setfield(L, -2, "curl_version");
    lua_pushstring(L, agent_default());
    lua_setfield(L, -2, "user_agent");
    return 1;
}
