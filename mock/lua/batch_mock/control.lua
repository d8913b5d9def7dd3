-- The control routes under /_mock/ (no auth, never in the request log, never faulted), JSON in and
-- out; GET /_mock/ lists them (ROUTES below is the one list). Errors: 400/404/405 with {"error": "..."}.
local ngx = ngx
local json = require "batch_mock.json"
local http = require "batch_mock.http"
local faults = require "batch_mock.faults"
local reqlog = require "batch_mock.reqlog"
local config = require "batch_mock.config"
local reset = require "batch_mock.reset"
local exports_config = require "batch_mock.exports_config"
local signing = require "batch_mock.signing"
local router = require "batch_mock.router"
local state = require "batch_mock.state"
local limits = require "batch_mock.limits"

local _M = {}

local OK = '{"ok":true}'

local function fail(status, message) return status, json.encode{ error = message } end

-- The request body as a JSON object ({} when empty), or nil and an error answer.
local function object_body()
  local body = http.body()
  if body == "" then return {} end
  local v, err = json.decode(body)
  if not json.is_object(v) then
    return nil, fail(400, "the body must be a JSON object" .. (err and (": " .. err) or ""))
  end
  return v
end

-- The control routes, in the order GET /_mock/ lists them: { method, name (after /_mock/), what it
-- does, handler }.
local ROUTES = {
  { "GET", "", "this list", function() return 200, _M.index() end },
  { "GET", "health", "{\"ok\":true} once the emulator answers", function() return 200, OK end },
  { "POST", "reset", "back to the start: seed data, no faults, empty log, default settings", function()
      reset.all()
      return 200, OK
    end },
  { "GET", "routes", "every Batch API route served: [{method, path, auth}]", function()
      return 200, json.encode(json.array(router.list()))
    end },
  { "GET", "state", "what clients wrote, per app and project (custom data, events, profiles, audiences, ...)",
    function() return 200, state.view() end },
  { "POST", "faults", "add a fault {path, method, count, status, body, headers, retry_after, delay, action}",
    function()
      local spec, status, body = object_body()
      if not spec then return status, body end
      local id, err = faults.add(spec)
      if not id then return fail(400, err) end
      return 201, json.encode{ ok = true, id = id }
    end },
  { "GET", "faults", "the faults not used up, with remaining", function()
      return 200, json.encode(json.array(faults.list()))
    end },
  { "DELETE", "faults", "clear the faults", function()
      faults.clear()
      return 200, OK
    end },
  { "GET", "log", "the request log, oldest first", function() return 200, reqlog.list() end },
  { "DELETE", "log", "clear the request log", function()
      reqlog.clear()
      return 200, OK
    end },
  { "GET", "config", "{latency, log, indexing_delay, gdpr_delay}", function()
      return 200, json.encode(config.get())
    end },
  { "POST", "config", "merge {latency, log, indexing_delay, gdpr_delay}", function()
      local t, status, body = object_body()
      if not t then return status, body end
      local cfg, err = config.set(t)
      if not cfg then return fail(400, err) end
      return 200, json.encode(cfg)
    end },
  { "GET", "limits", "rate limits: {enabled, retry_after, rates, accepted, rejected} (counters per route)",
    function() return 200, limits.view(router.limited()) end },
  { "POST", "limits", "merge {enabled, retry_after, rates: {bucket: {rate, burst}}}", function()
      local t, status, body = object_body()
      if not t then return status, body end
      local ok, err = limits.set(t)
      if not ok then return fail(400, err) end
      return 200, limits.view(router.limited())
    end },
  { "GET", "exports/config", "the settings of exports created from now on", function()
      return 200, exports_config.encode(exports_config.get())
    end },
  { "POST", "exports/config", "merge export settings (schedule, outcome, rows, size, parts, link_ttl, ...)",
    function()
      local t, status, body = object_body()
      if not t then return status, body end
      local cfg, err = exports_config.set(t)
      if not cfg then return fail(400, err) end
      return 200, exports_config.encode(cfg)
    end },
  { "POST", "exports/expire_links", "every storage link handed out so far expires", function()
      signing.expire_all()
      return 200, OK
    end },
}

local BY_PATH = {}
for _, r in ipairs(ROUTES) do
  BY_PATH[r[2]] = BY_PATH[r[2]] or {}
  BY_PATH[r[2]][r[1]] = r[4]
end

-- GET /_mock/: a JSON array, one control route a line.
function _M.index()
  local lines = {}
  for i, r in ipairs(ROUTES) do
    lines[i] = json.encode{ method = r[1], path = "/_mock/" .. r[2], does = r[3] }
  end
  return "[\n" .. table.concat(lines, ",\n") .. "\n]\n"
end

function _M.handle()
  local name = ngx.var.uri:match("^/_mock/(.-)/?$")
  local route = name and BY_PATH[name]
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
