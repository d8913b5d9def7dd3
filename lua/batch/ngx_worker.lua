-- Runs inside one of nginx's pool threads, called by ngx.run_worker_thread from the "ngx" transport.
-- Each pool thread has its own Lua VM, so each keeps its own batch.core handles (and their keep-alive
-- connections), one per distinct set of handle options. The nginx worker's event loop never blocks.
local core = require "batch.core"

local handles = {}

local _M = {}

-- The cache key of a set of handle options.
local function key_of(o)
  return table.concat({ tostring(o.user_agent), tostring(o.timeout), tostring(o.connect_timeout),
                        tostring(o.verify_tls), tostring(o.ca_file), tostring(o.proxy), tostring(o.max_body) }, "\0")
end

-- request(handle_opts, req) --> res | nil, err   (both plain tables: they cross between Lua VMs)
function _M.request(handle_opts, req)
  local k = key_of(handle_opts)
  local h = handles[k]
  if not h then
    h = core.new(handle_opts)
    handles[k] = h
  end
  return h:request(req)
end

return _M
