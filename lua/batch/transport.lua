-- Transports: functions `req -> res | nil, err` that move one HTTP exchange.
-- "curl" is the C core (blocking, keep-alive); "ngx" runs inside nginx without blocking its worker;
-- "auto" picks between them; a user function is used as given.
local type, error = type, error

local _M = {}

-- True inside an nginx worker with lua-nginx-module.
function _M.in_nginx()
  local ngx = rawget(_G, "ngx")
  return type(ngx) == "table" and type(ngx.get_phase) == "function"
end

-- A "curl" transport over one batch.core handle, built from the client options.
function _M.curl(core, opts)
  local handle = core.new{
    user_agent = opts.user_agent,
    timeout = opts.timeout, connect_timeout = opts.connect_timeout,
    verify_tls = opts.verify_tls, ca_file = opts.ca_file, proxy = opts.proxy,
    max_body = opts.max_body,
  }
  local function send(req)
    return handle:request(req)
  end
  return send, handle
end

-- Returns the transport function and, for "curl", the handle it owns (closed by client:close()).
function _M.resolve(core, opts)
  local t = opts.transport
  if type(t) == "function" then return t, nil end
  if t == "ngx" or (t == "auto" and _M.in_nginx()) then
    local ngx_transport = require "batch.transport_ngx"
    return ngx_transport.new(opts), nil
  end
  if t == "curl" or t == "auto" then return _M.curl(core, opts) end
  error("batch.new: unknown transport " .. tostring(t), 3)
end

return _M
