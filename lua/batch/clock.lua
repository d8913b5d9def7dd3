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
    -- A wait inside nginx ends when the worker is told to exit (nginx -s quit, reload): a long
    -- Retry-After must not hold a worker that is going away.
    local exiting = ngx.worker and ngx.worker.exiting
    local function sleep(s)
      if not YIELDABLE[ngx.get_phase()] then return core.sleep(s) end
      while s > 0 do
        if exiting and exiting() then error("interrupted! (the nginx worker is exiting)", 0) end
        local slice = s < 1 and s or 1
        ngx.sleep(slice)
        s = s - slice
      end
    end
    return now, sleep
  end
  return core.now, core.sleep
end

return _M
