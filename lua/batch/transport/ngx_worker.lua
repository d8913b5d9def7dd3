-- Runs inside nginx's thread pool, called by ngx.run_worker_thread from the "ngx" transport; nothing here
-- touches the nginx worker's event loop. lua-nginx-module lends each call one Lua VM of a pool
-- (`lua_worker_thread_vm_pool_size`, 100 by default) and runs it on one pool thread, so a VM never serves
-- two calls at once. Each VM keeps its own batch.core handles (and their keep-alive connections), one per
-- distinct set of handle options.
local core = require "batch.core"

local pcall, tostring, concat, min = pcall, tostring, table.concat, math.min
-- the epoch clock ngx.now() also reads (a request's deadline_at is on it)
local wall = core.time

local handles = {}

local _M = {}

-- The cache key of a set of handle options.
local function key_of(o)
  return concat({ tostring(o.user_agent), tostring(o.timeout), tostring(o.connect_timeout),
                  tostring(o.verify_tls), tostring(o.ca_file), tostring(o.proxy), tostring(o.max_body) }, "\0")
end

-- request(handle_opts, req) --> res | nil, err | nil, nil, raised
-- res and err are plain tables (they are copied from this VM to the worker's). A Lua error (a programmer
-- error the C core raises) comes back as its message in the third value, for the caller to raise again.
function _M.request(handle_opts, req)
  local at = req.deadline_at
  if at then -- the time left now that a pool thread runs it (it may have waited in nginx's queue)
    local left = at - wall()
    if left <= 0 then
      return nil, { kind = "timeout", sent = false,
                    message = "the deadline passed while the request waited for a thread of nginx's pool" }
    end
    req.timeout = left
    req.connect_timeout = min(req.connect_timeout or left, left)
    req.deadline_at = nil
  end
  local k = key_of(handle_opts)
  local h = handles[k]
  if not h then
    local ok, made = pcall(core.new, handle_opts)
    if not ok then return nil, nil, tostring(made) end
    h = made
    handles[k] = h
  end
  local ok, res, err = pcall(h.request, h, req)
  if not ok then return nil, nil, tostring(res) end
  return res, err
end

-- resolve(host) --> { address, ... } | nil, message: getaddrinfo, which blocks (so it runs here).
function _M.resolve(host)
  return core.resolve(host)
end

-- ping() --> true: a round trip through the pool, for health checks and benchmarks.
function _M.ping()
  return true
end

return _M
