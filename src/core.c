/*
 * luaopen_batch_core: the module table of batch.core (version, curl_version, user_agent, new,
 * auth_headers, map_error, redact, now, sleep, csv_new, json_decode, is_token), and the process-wide setup done once: curl_global_init and
 * SIGPIPE.
 */
/* sigaction is POSIX, hidden by -std=c99 unless asked for (the Makefile asks too) */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif

#include "core.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include <curl/curl.h>

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

/* Writes "lua-batch/<v> libcurl/<v> Lua/<v>" (or LuaJIT/<v>) into buf. */
void core_user_agent(char *buf, size_t size)
{
    char lua[64];
    char *space;
    snprintf(lua, sizeof lua, "%s", COMPAT_LUA_RELEASE); /* "Lua 5.4.4", "LuaJIT 2.1.0-beta3" */
    space = strchr(lua, ' ');
    if (space != NULL)
        *space = '/';
    snprintf(buf, size, "lua-batch/%s libcurl/%s %s", BATCH_VERSION,
             curl_version_info(CURLVERSION_NOW)->version, lua);
}

static const luaL_Reg core_functions[] = {
    {"new", client_new},
    {"auth_headers", auth_headers},
    {"map_error", bind_map_error},
    {"redact", bind_redact},
    {"now", bind_now},
    {"sleep", bind_sleep},
    {"csv_new", csv_new},
    {"json_decode", json_decode},
    {"is_token", bind_is_token},
    {"resolve", resolve_host},
    {NULL, NULL},
};

/* require "batch.core" */
LUALIB_API int luaopen_batch_core(lua_State *L)
{
    char ua[256];
    pthread_once(&global_once, global_init);
    if (global_rc != CURLE_OK)
        return luaL_error(L, "batch.core: curl_global_init failed: %s", curl_easy_strerror(global_rc));
    client_register(L);
    csv_register(L);
    lua_newtable(L);
    compat_luaL_setfuncs(L, core_functions, 0);
    lua_pushliteral(L, BATCH_VERSION);
    lua_setfield(L, -2, "version");
    lua_pushstring(L, curl_version_info(CURLVERSION_NOW)->version);
    lua_setfield(L, -2, "curl_version");
    core_user_agent(ua, sizeof ua);
    lua_pushstring(L, ua);
    lua_setfield(L, -2, "user_agent");
    return 1;
}
