-- Custom Audience API 1.0 and 1.1 (batch-api.md §10.2), MEP authentication, any key type. One URL
-- for every verb; 1.1 takes install IDs, 1.0 custom user IDs or advertising IDs:
--   POST   /{1.0|1.1}/{api_key}/custom-audience/{name}   create   1.0 {"type", "description"?}; 1.1 {"description"?}
--   PATCH  /{1.0|1.1}/{api_key}/custom-audience/{name}   update   {"ids": [{"action": "add"|"remove", "id", ...}]}
--   PUT    /{1.0|1.1}/{api_key}/custom-audience/{name}   replace  {"ids": [{"id", "attributes"?}]}
--   DELETE /{1.0|1.1}/{api_key}/custom-audience/{name}
--   GET    /{1.0|1.1}/{api_key}/custom-audience?from=&limit=   200 {"custom_audiences": [...]}, offset paging
-- Every success status and body is UNCONFIRMED: create 201 {}, update and replace 202 {"token"},
-- delete 200 {}. Audiences belong to the app (both versions see them); 1.1 makes type "install_ids".
-- An unknown audience: 404/20; a name taken: 400/31. At most 10 000 ids per call.
local ngx = ngx
local json = require "batch_mock.json"
local errors = require "batch_mock.errors"
local validate = require "batch_mock.validate"
local attributes = require "batch_mock.attributes"
local state_store = require "batch_mock.state_store"
local query = require "batch_mock.query"
local dates = require "batch_mock.dates"
local ids = require "batch_mock.ids"

local type, ipairs, pairs, find = type, ipairs, pairs, string.find

local missing, malformed = validate.missing, validate.malformed

local MAX_IDS = 10000
local NAME = "^[%w_%-]+$" -- "letters, digits, _, -, up to 255 characters" (CA-create)
local TYPES_1_0 = { custom_ids = true, advertising_ids = true }

local function audiences(app) return state_store.get("custom_audiences", app) end

local function check_name(name)
  if #name > 255 or not find(name, NAME) then
    return malformed("name", "audience names are letters, digits, _ and -, at most 255 characters")
  end
end

local function not_found(name)
  return errors.v1("ROUTE_NOT_FOUND", "Custom audience not found: '" .. name .. "'")
end

local function now() ngx.update_time() return dates.v1(ngx.now()) end

local function create(ctx, version, name)
  local doc = {}
  if ctx.body ~= "" then
    local e, m
    doc, e, m = validate.object_body(ctx.body)
    if not doc then return errors.v1(e, m) end
  end
  local kind = doc.type
  if version == "1.0" then
    if kind == nil or kind == json.null then return errors.v1(missing("type")) end
    if not TYPES_1_0[kind] then return errors.v1(malformed("type", "must be custom_ids or advertising_ids")) end
  elseif kind ~= nil and kind ~= json.null and kind ~= "install_ids" then
    return errors.v1(malformed("type", "1.1 custom audiences hold install IDs (use /1.0/ for custom_ids "
      .. "and advertising_ids)"))
  end
  if doc.description ~= nil and doc.description ~= json.null and type(doc.description) ~= "string" then
    return errors.v1(malformed("description", "must be a string"))
  end
  local t = now()
  local _, e, m = audiences(ctx.app):update(name, function(old)
    if old then return nil, errors.v1(malformed("name", "a custom audience named '" .. name .. "' exists")) end
    return { name = name, type = version == "1.0" and kind or "install_ids", version = version,
             description = type(doc.description) == "string" and doc.description or nil,
             ids = {}, nb_ids = 0, created = t, updated = t }
  end)
  if e then return e, m end
  return 201, "{}"
end

-- The ids array of an update (with actions) or a replace; 1.1 takes attributes and tags with add.
local function check_ids(list, version, with_action)
  local n, e, m = validate.list(list, "ids", MAX_IDS, "ids")
  if not n then return e, m end
  for i, item in ipairs(list) do
    local at = "ids[" .. (i - 1) .. "]"
    if not validate.is_object(item) then return malformed(at, "must be an object {\"id\", ...}") end
    if item.id == nil or item.id == json.null then return missing(at .. ".id") end
    if type(item.id) ~= "string" or item.id == "" then return malformed(at .. ".id", "must be a non-empty string") end
    local adding = true
    if with_action then
      if item.action == nil or item.action == json.null then return missing(at .. ".action") end
      if item.action ~= "add" and item.action ~= "remove" then
        return malformed(at .. ".action", "must be add or remove")
      end
      adding = item.action == "add"
    end
    for _, f in ipairs{ "attributes", "tags" } do
      if item[f] ~= nil and item[f] ~= json.null then
        if version == "1.0" then return malformed(at .. "." .. f, "1.0 custom audiences take ids only") end
        if not adding then return malformed(at .. "." .. f, "only with action add") end
      end
    end
    if item.attributes ~= nil and item.attributes ~= json.null then
      local bad, why = attributes.check(item.attributes, attributes.EVENT, at .. ".attributes")
      if bad then return malformed(bad, why) end
    end
    if item.tags ~= nil and item.tags ~= json.null and not validate.strings(item.tags, 10, 64) then
      return malformed(at .. ".tags", "must be an array of at most 10 strings of at most 64 characters")
    end
  end
end

local function write(ctx, version, name, replace)
  local doc, e, m = validate.object_body(ctx.body)
  if not doc then return errors.v1(e, m) end
  if doc.ids == nil or doc.ids == json.null then return errors.v1(missing("ids")) end
  e, m = check_ids(doc.ids, version, not replace)
  if e then return errors.v1(e, m) end
  local t = now()
  local _, status, body = audiences(ctx.app):update(name, function(a)
    if not a then return nil, not_found(name) end
    if replace then a.ids = {} end
    -- "if multiple actions are given for the same ID, only the last one will be taken into account"
    for _, item in ipairs(doc.ids) do
      if item.action == "remove" then
        a.ids[item.id] = nil
      else
        local extra = (item.attributes or item.tags) and { attributes = item.attributes, tags = item.tags } or true
        a.ids[item.id] = extra
      end
    end
    local n = 0
    for _ in pairs(a.ids) do n = n + 1 end
    a.nb_ids, a.updated = n, t
    return a
  end)
  if status then return status, body end
  return 202, json.encode{ token = ids.uuid() }
end

local function delete(ctx, name)
  if not audiences(ctx.app):delete(name) then return not_found(name) end
  return 200, "{}"
end

local function list(ctx)
  local from, e, m = query.int("from", 0, 0, 1e9)
  if not from then return errors.v1(e, m) end
  local limit
  limit, e, m = query.limit()
  if not limit then return errors.v1(e, m) end
  local out = json.array()
  for i, a in ipairs(audiences(ctx.app):offset(from, limit)) do
    out[i] = { name = a.name, type = a.type, description = a.description or "", nb_ids = a.nb_ids,
               created = a.created, updated = a.updated }
  end
  return 200, json.encode{ custom_audiences = out }
end

local routes = {}
for _, version in ipairs{ "1.0", "1.1" } do
  local base = "/" .. version .. "/{api_key}/custom-audience"
  local function named(fn)
    return function(ctx, _, name)
      local e, m = check_name(name)
      if e then return errors.v1(e, m) end
      return fn(ctx, name)
    end
  end
  local more = {
    { method = "GET", path = base, auth = "mep", handler = list },
    { method = "POST", path = base .. "/{name}", auth = "mep",
      handler = named(function(ctx, name) return create(ctx, version, name) end) },
    { method = "PATCH", path = base .. "/{name}", auth = "mep",
      handler = named(function(ctx, name) return write(ctx, version, name, false) end) },
    { method = "PUT", path = base .. "/{name}", auth = "mep",
      handler = named(function(ctx, name) return write(ctx, version, name, true) end) },
    { method = "DELETE", path = base .. "/{name}", auth = "mep", handler = named(delete) },
  }
  for _, r in ipairs(more) do routes[#routes + 1] = r end
end

return routes
