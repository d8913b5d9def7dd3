-- Export API 1.0 (batch-api.md §3): create a request, view it, list them, and the 302 to the file.
--   POST /1.0/{key}/export/campaign/{token}/events | ids      (push campaign; any key of the app)
--   POST /1.0/{key}/export/inapp-campaign/{token}/events      (UNCONFIRMED path; also without export/)
--   GET  /1.0/{key}/export/request/{id}                       (LIVE key)
--   GET  /1.0/{key}/export/requests                           (any key of the app)
--   GET  /1.0/{key}/export/request/{id}/results/{name}.csv    (LIVE key) -> 302 to a signed storage link
local ngx = ngx
local json = require "batch_mock.json"
local errors = require "batch_mock.errors"
local validate = require "batch_mock.validate"
local campaigns = require "batch_mock.store"
local exports_config = require "batch_mock.exports_config"
local exports_store = require "batch_mock.exports_store"
local exports_state = require "batch_mock.exports_state"
local exports_validate = require "batch_mock.exports_validate"
local exports_content = require "batch_mock.exports_content"
local signing = require "batch_mock.signing"
local base_url = require "batch_mock.base_url"
local dates = require "batch_mock.dates"

local os_date, ipairs = os.date, ipairs

local DEFAULT_ERROR = "The export could not be generated (batch-mock)"

local date = dates.v1

local function not_found(id)
  return errors.v1("ROUTE_NOT_FOUND", "Export request not found: no request with id '" .. id .. "'")
end

-- The §3.2 info of a request, as seen now through API key `key`.
local function info(rec, key, now)
  local status, _, completed = exports_state.of(rec, now)
  local t = {
    id = rec.id,
    uri = rec.uri,
    request_date = date(rec.created),
    status = status,
    request = rec.request,
  }
  if completed then t.completion_date = date(completed) end
  if status == "SUCCESS" then
    t.file_url = base_url() .. "/1.0/" .. key .. "/export/request/" .. rec.id .. "/results/" .. rec.name
  elseif status == "ERROR" then
    t.error_msg = rec.cfg.error_msg or DEFAULT_ERROR
  end
  return t
end

local _M = {}

-- Stores a new export request of app, made through API key `key`, created now with settings cfg
-- (id: a fixed id, else a fresh one). Returns the record, or nil and an error.
function _M.make(app, key, kind, token, what, request, cfg, id)
  ngx.update_time()
  id = id or exports_store.new_v1_id()
  local rec = {
    api = "1.0", id = id, app = app, created = ngx.now(), cfg = cfg,
    kind = kind, what = what, token = token,
    uri = "/1.0/" .. key .. "/" .. kind .. "/" .. token .. "/" .. what,
    request = request, ids = request.ids, events = request.events, edge = cfg.csv_edge_cases,
    name = kind .. "_" .. token .. "_" .. what .. "_" .. os_date("!%Y%m%d%H%M%S", ngx.time()) .. ".csv",
  }
  rec.parts = exports_content.plan(rec, cfg)
  local ok, err = exports_store.put_v1(rec)
  if not ok then return nil, err end
  return rec
end

-- kind: "campaign" | "inapp-campaign"; what: "events" | "ids".
local function create(ctx, key, kind, token, what)
  local store_kind = kind == "campaign" and "push" or "in_app"
  if not campaigns.get(ctx.app, store_kind, token) then
    return errors.v1("ROUTE_NOT_FOUND", (kind == "campaign" and "Campaign" or "In-app campaign")
      .. " not found: no campaign with token '" .. token .. "'")
  end
  local doc, name, message = validate.object_body(ctx.body)
  if not doc then return errors.v1(name, message) end
  local request
  request, name, message = exports_validate.v1(doc, kind)
  if not request then return errors.v1(name, message) end

  local cfg = exports_config.get()
  local rec, err = _M.make(ctx.app, key, kind, token, what, request, cfg)
  if not rec then return errors.v1("SERVER_ERROR", "emulator storage full: " .. err) end
  local answer = info(rec, key)
  if cfg.id_field == "token" then answer.id, answer.token = nil, answer.id end
  return 201, json.encode(answer)
end

local function get(ctx, key, id)
  local rec = exports_store.get_v1(ctx.app, id)
  if not rec then return not_found(id) end
  ngx.update_time()
  return 200, json.encode(info(rec, key))
end

local function list(ctx, key)
  ngx.update_time()
  local now = ngx.now()
  local out = json.array()
  for i, rec in ipairs(exports_store.list_v1(ctx.app)) do out[i] = info(rec, key, now) end
  return 200, json.encode(out)
end

local function results(ctx, id, name)
  local rec = exports_store.get_v1(ctx.app, id)
  if not rec then return not_found(id) end
  if name ~= rec.name then
    return errors.v1("ROUTE_NOT_FOUND", "Export file not found: '" .. name .. "'")
  end
  ngx.update_time()
  local status = exports_state.of(rec)
  if status ~= "SUCCESS" then
    return errors.v1("ROUTE_NOT_FOUND", "Export file not available: the request is " .. status)
  end
  local location = signing.link(base_url(), "export-requests/" .. rec.app .. "/" .. rec.id .. "/" .. rec.name,
                                rec.cfg.link_ttl)
  return 302, "", { Location = location, ["Cache-Control"] = "no-store" }
end

local P = "/1.0/{api_key}/"

-- The route array (routes/init.lua), with make() beside it for the fixtures.
local routes = {
  { method = "POST", path = P .. "export/campaign/{token}/events", auth = "mep",
    handler = function(ctx, key, token) return create(ctx, key, "campaign", token, "events") end },
  { method = "POST", path = P .. "export/campaign/{token}/ids", auth = "mep",
    handler = function(ctx, key, token) return create(ctx, key, "campaign", token, "ids") end },
  { method = "POST", path = P .. "export/inapp-campaign/{token}/events", auth = "mep",
    handler = function(ctx, key, token) return create(ctx, key, "inapp-campaign", token, "events") end },
  { method = "POST", path = P .. "inapp-campaign/{token}/events", auth = "mep",
    handler = function(ctx, key, token) return create(ctx, key, "inapp-campaign", token, "events") end },
  { method = "GET", path = P .. "export/requests", auth = "mep",
    handler = function(ctx, key) return list(ctx, key) end },
  { method = "GET", path = P .. "export/request/{id}", auth = "mep", live_only = true,
    handler = function(ctx, key, id) return get(ctx, key, id) end },
  { method = "GET", path = P .. "export/request/{id}/results/{name}", auth = "mep", live_only = true,
    handler = function(ctx, _, id, name) return results(ctx, id, name) end },
}

for i, r in ipairs(routes) do _M[i] = r end
return _M
