-- The default clock and sleep: nginx's inside nginx (ngx.sleep yields instead of blocking the worker),
-- the C core's monotonic clock and nanosleep elsewhere.
local transport = require "batch.transport"

local _M = {}

-- The phases where ngx.sleep may yield. Elsewhere (init_by_lua*, init_worker_by_lua*, log_by_lua*...)
-- nginx refuses it; only the "curl" transport gets to sleep there, and it blocks anyway.
local YIELDABLE = { rewrite = true, server_rewrite = true, access = true, content = true, timer = true,
                    ssl_cert = true, ssl_session_fetch = true, ssl_client_hello = true }

function _M.defaults(core)
  if transport.in_nginx() then
    local ngx = rawget(_G, "ngx")
    local function now() ngx.update_time() return ngx.now() end
    local function sleep(s)
      if YIELDABLE[ngx.get_phase()] then return ngx.sleep(s) end
      return core.sleep(s)
    end
    return now, sleep
  end
  return core.now, core.sleep
end

return _M
