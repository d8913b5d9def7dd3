-- Custom Data API 1.0 (batch-api.md §8), MEP authentication, any key type:
--   POST   /1.0/{api_key}/data/users/{custom_id}   {"overwrite": bool, "values": {...}}
--   POST   /1.0/{api_key}/data/users               [{"id": CUSTOM_ID, "update": {"overwrite", "values"}}] (<= 10 000)
--   DELETE /1.0/{api_key}/data/users/{custom_id}
--   DELETE /1.0/{api_key}/data/users               ["id", ...] (<= 10 000)
-- Every success is 200 {"token": "<uuid>"} (CONFIRMED for delete; the set answer is UNCONFIRMED and
-- mirrors it). The data is applied at once and shown by GET /_mock/state: `values` merged into what
-- the custom ID had (a null value removes that attribute), or replacing it with overwrite = true.
local json = require "batch_mock.json"
local errors = require "batch_mock.errors"
local validate = require "batch_mock.validate"
local attributes = require "batch_mock.attributes"
local state_store = require "batch_mock.state_store"
local dates = require "batch_mock.dates"
local ids = require "batch_mock.ids"

local ngx = ngx
local type, ipairs, pairs = type, ipairs, pairs

local missing, malformed = validate.missing, validate.malformed

local MAX_IDS = 10000

local function users(app) return state_store.get("custom_data", app) end

local function token_answer() return 200, json.encode{ token = ids.uuid() } end

-- An update object {overwrite?, values} at path prefix; returns nothing when fine, else name, message.
local function check_update(u, prefix)
  if not validate.is_object(u) then return malformed(prefix == "" and "body" or prefix, "must be an object") end
  local at = prefix == "" and "" or (prefix .. ".")
  if u.values == nil or u.values == json.null then return missing(at .. "values") end
  local bad, why = attributes.check(u.values, attributes.CUSTOM_DATA, at .. "values")
  if bad then return malformed(bad, why) end
  if u.overwrite ~= nil and type(u.overwrite) ~= "boolean" then
    return malformed(at .. "overwrite", "must be a boolean")
  end
end

local function check_id(id, field)
  if id == nil or id == json.null then return missing(field) end
  if type(id) ~= "string" or id == "" or #id > 512 then return malformed(field, "must be a non-empty custom ID") end
end

local function apply(app, custom_id, u)
  return users(app):update(custom_id, function(rec)
    local values = (rec and not u.overwrite) and rec.values or {}
    for k, v in pairs(u.values) do
      if v == json.null then values[k] = nil else values[k] = v end
    end
    return { custom_id = custom_id, values = values, updated = dates.rfc3339(ngx.now()) }
  end)
end

local function set_one(ctx, _, custom_id)
  local doc, name, message = validate.object_body(ctx.body)
  if not doc then return errors.v1(name, message) end
  name, message = check_update(doc, "")
  if name then return errors.v1(name, message) end
  apply(ctx.app, custom_id, doc)
  return token_answer()
end

local function set_many(ctx)
  local list, name, message = validate.array_body(ctx.body)
  if not list then return errors.v1(name, message) end
  local n
  n, name, message = validate.list(list, "body", MAX_IDS, "user updates")
  if not n then return errors.v1(name, message) end
  for i, item in ipairs(list) do
    local at = "[" .. (i - 1) .. "]"
    if not validate.is_object(item) then return errors.v1(malformed(at, "must be {\"id\", \"update\"}")) end
    name, message = check_id(item.id, at .. ".id")
    if name then return errors.v1(name, message) end
    if item.update == nil or item.update == json.null then return errors.v1(missing(at .. ".update")) end
    name, message = check_update(item.update, at .. ".update")
    if name then return errors.v1(name, message) end
  end
  ngx.update_time()
  for _, item in ipairs(list) do apply(ctx.app, item.id, item.update) end
  return token_answer()
end

local function delete_one(ctx, _, custom_id)
  users(ctx.app):delete(custom_id)
  return token_answer()
end

local function delete_many(ctx)
  local list, name, message = validate.array_body(ctx.body)
  if not list then return errors.v1(name, message) end
  local n
  n, name, message = validate.list(list, "body", MAX_IDS, "custom IDs")
  if not n then return errors.v1(name, message) end
  for i, id in ipairs(list) do
    name, message = check_id(id, "[" .. (i - 1) .. "]")
    if name then return errors.v1(name, message) end
  end
  local c = users(ctx.app)
  for _, id in ipairs(list) do c:delete(id) end
  return token_answer()
end

local P = "/1.0/{api_key}/data/users"

return {
  { method = "POST", path = P, auth = "mep", handler = set_many },
  { method = "DELETE", path = P, auth = "mep", handler = delete_many },
  { method = "POST", path = P .. "/{custom_id}", auth = "mep", handler = set_one },
  { method = "DELETE", path = P .. "/{custom_id}", auth = "mep", handler = delete_one },
}
