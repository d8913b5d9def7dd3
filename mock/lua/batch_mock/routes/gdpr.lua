-- GDPR API 1.0 (batch-api.md §12), MEP authentication, any key type:
--   POST /1.0/{api_key}/gdpr/request          {"request_type": "review"|"remove", "id": {"type", "value"},
--                                              "callback_url"?}  -> 201 {"token": "<uuid>"} (UNCONFIRMED)
--   GET  /1.0/{api_key}/gdpr/request/{id}     -> 200 the request
--   GET  /1.0/{api_key}/gdpr/requests         -> 200 [requests], newest first
-- A request is "pending" for `gdpr_delay` seconds (config.lua), then "done" (the emulator's schedule).
-- A "remove" of a custom_id deletes at once what the app holds for it (custom data, events).
local ngx = ngx
local json = require "batch_mock.json"
local errors = require "batch_mock.errors"
local validate = require "batch_mock.validate"
local state_store = require "batch_mock.state_store"
local config = require "batch_mock.config"
local dates = require "batch_mock.dates"
local ids = require "batch_mock.ids"

local type, ipairs, find, format, floor = type, ipairs, string.find, string.format, math.floor

local missing, malformed = validate.missing, validate.malformed

local REQUEST_TYPES = { review = true, remove = true }

local function requests(app) return state_store.get("gdpr_requests", app) end

-- "2021-01-03T16:52:16.051": UTC with milliseconds, as in the doc's example.
local function date_ms(t)
  return dates.v1(t) .. format(".%03d", floor((t % 1) * 1000))
end

local function check(doc)
  if doc.request_type == nil or doc.request_type == json.null then return missing("request_type") end
  if not REQUEST_TYPES[doc.request_type] then return malformed("request_type", "must be review or remove") end
  local id = doc.id
  if id == nil or id == json.null then return missing("id") end
  if not validate.is_object(id) then return malformed("id", "must be an object {\"type\", \"value\"}") end
  if id.type == nil or id.type == json.null then return missing("id.type") end
  -- custom_id and advertising_id are seen in the docs; any such name is taken (UNCONFIRMED)
  if type(id.type) ~= "string" or not find(id.type, "^[a-z_]+$") then
    return malformed("id.type", "must be an identifier type such as custom_id or advertising_id")
  end
  if id.value == nil or id.value == json.null then return missing("id.value") end
  if type(id.value) ~= "string" or id.value == "" then return malformed("id.value", "must be a non-empty string") end
  local cb = doc.callback_url
  if cb ~= nil and cb ~= json.null and not (type(cb) == "string" and find(cb, "^[Hh][Tt][Tt][Pp][Ss]?://")) then
    return malformed("callback_url", "must be an http(s) URL")
  end
end

-- The request as Batch shows it now (pending, then done).
local function view(rec)
  ngx.update_time()
  return { request_id = rec.request_id, request_date = rec.request_date, request_type = rec.request_type,
           trigger_type = "api", id = rec.id, callback_url = rec.callback_url,
           status = ngx.now() < rec.done_at and "pending" or "done" }
end

local function create(ctx)
  local doc, name, message = validate.object_body(ctx.body)
  if not doc then return errors.v1(name, message) end
  name, message = check(doc)
  if name then return errors.v1(name, message) end
  ngx.update_time()
  local now = ngx.now()
  local id = ids.uuid()
  requests(ctx.app):put(id, {
    request_id = id, request_date = date_ms(now), request_type = doc.request_type,
    id = { type = doc.id.type, value = doc.id.value },
    callback_url = type(doc.callback_url) == "string" and doc.callback_url or nil,
    done_at = now + config.delay("gdpr_delay"),
  })
  if doc.request_type == "remove" and doc.id.type == "custom_id" then
    state_store.get("custom_data", ctx.app):delete(doc.id.value)
    state_store.get("events", ctx.app):delete(doc.id.value)
  end
  return 201, json.encode{ token = id }
end

local function get(ctx, _, id)
  local rec = requests(ctx.app):get(id)
  if not rec then return errors.v1("ROUTE_NOT_FOUND", "GDPR request not found: '" .. id .. "'") end
  return 200, json.encode(view(rec))
end

local function list(ctx)
  local out = json.array()
  for i, rec in ipairs(requests(ctx.app):all(1000)) do out[i] = view(rec) end
  return 200, json.encode(out)
end

return {
  { method = "POST", path = "/1.0/{api_key}/gdpr/request", auth = "mep", handler = create },
  { method = "GET", path = "/1.0/{api_key}/gdpr/request/{id}", auth = "mep", handler = get },
  { method = "GET", path = "/1.0/{api_key}/gdpr/requests", auth = "mep", handler = list },
}
