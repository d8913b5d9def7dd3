-- The default clock and sleep: nginx's inside nginx (ngx.sleep yields instead of blocking the worker),
-- the C core's monotonic clock and nanosleep elsewhere.
local transport = require "batch.transport"

local _M = {}

function _M.defaults(core)
  if transport.in_nginx() then
    local ngx = rawget(_G, "ngx")
    local function now() ngx.update_time() return ngx.now() end
    return now, ngx.sleep
  end
  return core.now, core.sleep
end

return _M
