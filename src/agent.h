/* The default User-Agent: "lua-batch/<v> libcurl/<v> Lua/<v>" (or LuaJIT/<v>), core.user_agent. */
#ifndef BATCH_AGENT_H
#define BATCH_AGENT_H

/* The default User-Agent (a static string, made once per process). */
const char *agent_default(void);

#endif
