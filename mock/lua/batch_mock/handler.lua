-- Entry point of every API request (location /): log it, apply an injected fault or the
-- configured latency, route it, answer.
local ngx = ngx
local http = require "batch_mock.http"
local router = require "batch_mock.router"
local reqlog = require "batch_mock.reqlog"
local faults = require "batch_mock.faults"
local inject = require "batch_mock.inject"
local config = require "batch_mock.config"
local errors = require "batch_mock.errors"

local _M = {}

-- The route's answer; an error raised on the way (a full shared dict, a bug) becomes Batch's
-- SERVER_ERROR in the family's shape, and goes to error.log.
local function dispatch(ctx)
  local ok, status, body, headers = pcall(router.dispatch, ctx)
  if ok then return status, body, headers end
  ngx.log(ngx.ERR, "batch-mock: ", ctx.method, " ", router.redact(ctx.path), ": ", tostring(status))
  local message = "Server error (batch-mock): " .. tostring(status)
  if ctx.path:find("^/2%.") then return errors.v2("SERVER_ERROR", message) end
  return errors.v1("SERVER_ERROR", message)
end

function _M.handle()
  local var = ngx.var
  local method = ngx.req.get_method()
  local uri = var.uri
  local body = ""
  if var.http_content_length or var.http_transfer_encoding then body = http.body() end

  if config.log_enabled() then reqlog.append(method, uri, body) end

  local latency = config.latency()
  if latency > 0 then ngx.sleep(latency) end

  -- the raw path (percent escapes kept) is what routes match; uri is nginx's decoded form
  local path = var.request_uri
  local q = path:find("?", 1, true)
  if q then path = path:sub(1, q - 1) end
  local ctx = { method = method, uri = uri, path = path, body = body }
  local fault = faults.take(method, uri)
  if fault then
    return inject.apply(fault, uri, function() return dispatch(ctx) end)
  end
  return http.send(dispatch(ctx))
end

return _M
