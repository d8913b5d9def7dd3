/* The default User-Agent; see agent.h. */
#include "agent.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include <curl/curl.h>

#include "compat.h"
#include "version.h"

static pthread_once_t once = PTHREAD_ONCE_INIT;
static char agent[256];

/* Writes "lua-batch/<v> libcurl/<v> Lua/<v>" (or LuaJIT/<v>) into agent. */
static void make_agent(void)
{
    char lua[64];
    char *space;
    snprintf(lua, sizeof lua, "%s", COMPAT_LUA_RELEASE); /* "Lua 5.4.4", "LuaJIT 2.1.0-beta3" */
    space = strchr(lua, ' ');
    if (space != NULL)
        *space = '/';
    snprintf(agent, sizeof agent, "lua-batch/%s libcurl/%s %s", BATCH_VERSION,
             curl_version_info(CURLVERSION_NOW)->version, lua);
}

/* The default User-Agent, made on the first call. */
const char *agent_default(void)
{
    pthread_once(&once, make_agent);
    return agent;
}
