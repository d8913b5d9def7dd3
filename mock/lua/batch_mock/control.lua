-- The control routes under /_mock/ (no auth, never in the request log), JSON in and out:
--   GET /_mock/health                  {"ok":true}
--   POST /_mock/reset                  reseed, clear faults and log, default config
--   POST|GET|DELETE /_mock/faults      add one fault | list the live ones | clear them
--   GET|DELETE /_mock/log              the request log | clear it
--   POST|GET /_mock/config             change | read {latency, log}
--   POST|GET /_mock/exports/config     change | read the settings of exports created from now on
--   POST /_mock/exports/expire_links   every storage link given so far expires
-- Errors: 400/404/405 with {"error": "..."}.
local ngx = ngx
local json = require "batch_mock.json"
local http = require "batch_mock.http"
local faults = require "batch_mock.faults"
local reqlog = require "batch_mock.reqlog"
local config = require "batch_mock.config"
local reset = require "batch_mock.reset"
local exports_config = require "batch_mock.exports_config"
local signing = require "batch_mock.signing"

local _M = {}

local OK = '{"ok":true}'

local function fail(status, message) return status, json.encode{ error = message } end

-- The request body as a JSON object ({} when empty), or nil and an error answer.
local function object_body()
  local body = http.body()
  if body == "" then return {} end
  local v, err = json.decode(body)
  if type(v) ~= "table" or json.is_array(v) or v[1] ~= nil then
    return nil, fail(400, "the body must be a JSON object" .. (err and (": " .. err) or ""))
  end
  return v
end

local ROUTES = {
  health = {
    GET = function() return 200, OK end,
  },
  reset = {
    POST = function()
      reset.all()
      return 200, OK
    end,
  },
  faults = {
    POST = function()
      local spec, status, body = object_body()
      if not spec then return status, body end
      local id, err = faults.add(spec)
      if not id then return fail(400, err) end
      return 201, json.encode{ ok = true, id = id }
    end,
    GET = function() return 200, json.encode(json.array(faults.list())) end,
    DELETE = function()
      faults.clear()
      return 200, OK
    end,
  },
  log = {
    GET = function() return 200, reqlog.list() end,
    DELETE = function()
      reqlog.clear()
      return 200, OK
    end,
  },
  config = {
    GET = function() return 200, json.encode(config.get()) end,
    POST = function()
      local t, status, body = object_body()
      if not t then return status, body end
      local cfg, err = config.set(t)
      if not cfg then return fail(400, err) end
      return 200, json.encode(cfg)
    end,
  },
  ["exports/config"] = {
    GET = function() return 200, exports_config.encode(exports_config.get()) end,
    POST = function()
      local t, status, body = object_body()
      if not t then return status, body end
      local cfg, err = exports_config.set(t)
      if not cfg then return fail(400, err) end
      return 200, exports_config.encode(cfg)
    end,
  },
  ["exports/expire_links"] = {
    POST = function()
      signing.expire_all()
      return 200, OK
    end,
  },
}

function _M.handle()
  local name = ngx.var.uri:match("^/_mock/(.-)/?$")
  local route = name and ROUTES[name]
  local status, body
  if not route then
    status, body = fail(404, "unknown control route " .. ngx.var.uri)
  else
    local fn = route[ngx.req.get_method()]
    if fn then
      status, body = fn()
    else
      status, body = fail(405, "method not allowed on " .. ngx.var.uri)
    end
  end
  return http.send(status, body)
end

return _M
