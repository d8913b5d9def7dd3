-- Audience API 2.x (batch-api.md §10.1), CEP authentication, any /2.N/:
--   POST /2.N/audiences/create    {"name", "type", "display_name"?}       -> 202 {"indexing_token"}
--   POST /2.N/audiences/update    {"name", "ids": [{action, id, attributes?}]} (<= 10 000) -> 202 {"indexing_token"}
--   POST /2.N/audiences/replace   {"name", "ids": [{id, attributes?}]} (<= 10 000)        -> 202 {"indexing_token"}
--   POST /2.N/audiences/remove    {"name"}                                -> 202 {"indexing_token"}
--   GET  /2.N/audiences/list?from=&limit=                                -> 200 {audiences, count, has_more, next_from}
--   GET  /2.N/audiences/view?name=&indexing_token=                       -> 200 the audience
-- Names: letters, digits, _ and -, at most 255, case-sensitive. Type: "custom_ids" on create (the
-- doc's example; "CUSTOM_ID" is taken too), CUSTOM_ID in list and view. A taken name: 400
-- MALFORMED_PARAMETER; an unknown audience: 404 ROUTE_NOT_FOUND (both UNCONFIRMED). The ids are
-- counted at once (nb_ids); indexing tokens move IN_PROGRESS -> APPLIED (indexing.lua), REPLACED
-- once a later replace came.
local ngx = ngx
local json = require "batch_mock.json"
local errors = require "batch_mock.errors"
local validate = require "batch_mock.validate"
local attributes = require "batch_mock.attributes"
local state_store = require "batch_mock.state_store"
local indexing = require "batch_mock.indexing"
local cursor_list = require "batch_mock.cursor_list"
local named = require "batch_mock.named"
local dates = require "batch_mock.dates"

local type, ipairs, pairs = type, ipairs, pairs

local missing, malformed = validate.missing, validate.malformed

local MAX_IDS = 10000
local TYPES = { custom_ids = "CUSTOM_ID", CUSTOM_ID = "CUSTOM_ID" }

local function audiences(project) return state_store.get("audiences", project) end

local absent = validate.absent

local function check_name(v) return named.check_name(v, "audience") end

local function not_found(name)
  return errors.v2("ROUTE_NOT_FOUND", "Audience not found: '" .. name .. "'")
end

local function now() ngx.update_time() return dates.rfc3339(ngx.now()) end

-- The audience as list and view show it.
local function shape(a, token)
  return { name = a.name, display_name = a.display_name, type = a.type, nb_ids = a.nb_ids,
           indexing_state = indexing.state(a, token), created = a.created, updated = a.updated }
end

local function create(ctx)
  local doc, e, m = validate.object_body(ctx.body)
  if not doc then return errors.v2(e, m) end
  e, m = check_name(doc.name)
  if e then return errors.v2(e, m) end
  if absent(doc.type) then return errors.v2(missing("type")) end
  if not TYPES[doc.type] then return errors.v2(malformed("type", "must be custom_ids")) end
  if not absent(doc.display_name) and (type(doc.display_name) ~= "string" or #doc.display_name > 255) then
    return errors.v2(malformed("display_name", "must be a string of at most 255 characters"))
  end
  local t = now()
  local rec, status, body = audiences(ctx.project):update(doc.name, function(old)
    if old then return nil, errors.v2(malformed("name", "an audience named '" .. doc.name .. "' exists")) end
    local a = { name = doc.name, display_name = type(doc.display_name) == "string" and doc.display_name or doc.name,
                type = TYPES[doc.type], ids = {}, nb_ids = 0, created = t, updated = t }
    indexing.issue(a)
    return a
  end)
  if not rec then return status, body end
  return 202, json.encode{ indexing_token = rec.tokens[#rec.tokens].token }
end

local function check_ids(list, with_action)
  local n, e, m = validate.list(list, "ids", MAX_IDS, "ids")
  if not n then return e, m end
  for i, item in ipairs(list) do
    local at = "ids[" .. (i - 1) .. "]"
    if not validate.is_object(item) then return malformed(at, "must be an object {id, ...}") end
    if absent(item.id) then return missing(at .. ".id") end
    if type(item.id) ~= "string" or item.id == "" then return malformed(at .. ".id", "must be a non-empty string") end
    if with_action then
      if absent(item.action) then return missing(at .. ".action") end
      if item.action ~= "add" and item.action ~= "remove" then
        return malformed(at .. ".action", "must be add or remove")
      end
    end
    if not absent(item.attributes) then
      if item.action == "remove" then return malformed(at .. ".attributes", "only with action add") end
      local bad, why = attributes.check(item.attributes, attributes.AUDIENCE, at .. ".attributes")
      if bad then return malformed(bad, why) end
    end
  end
end

-- update (with actions) and replace (the whole content).
local function write(ctx, replace)
  local doc, e, m = validate.object_body(ctx.body)
  if not doc then return errors.v2(e, m) end
  e, m = check_name(doc.name)
  if e then return errors.v2(e, m) end
  if absent(doc.ids) then return errors.v2(missing("ids")) end
  e, m = check_ids(doc.ids, not replace)
  if e then return errors.v2(e, m) end
  local t = now()
  local rec, status, body = audiences(ctx.project):update(doc.name, function(a)
    if not a then return nil, not_found(doc.name) end
    if replace then a.ids = {} end
    -- "if multiple actions are given for the same ID, only the last one will be taken into account"
    for _, item in ipairs(doc.ids) do
      if item.action == "remove" then a.ids[item.id] = nil else a.ids[item.id] = item.attributes or true end
    end
    local n = 0
    for _ in pairs(a.ids) do n = n + 1 end
    a.nb_ids, a.updated = n, t
    indexing.issue(a, replace)
    return a
  end)
  if not rec then return status, body end
  return 202, json.encode{ indexing_token = rec.tokens[#rec.tokens].token }
end

local function remove(ctx)
  local doc, e, m = validate.object_body(ctx.body)
  if not doc then return errors.v2(e, m) end
  e, m = check_name(doc.name)
  if e then return errors.v2(e, m) end
  local c = audiences(ctx.project)
  local a = c:get(doc.name)
  if not a or not c:delete(doc.name) then return not_found(doc.name) end
  -- the OpenAPI example shows an indexing token (the prose: no body)
  return 202, json.encode{ indexing_token = ngx.md5("removed/" .. doc.name .. "/" .. now()) }
end

local view = named.view("audience", audiences, shape, not_found)

local function list(ctx)
  return cursor_list(audiences(ctx.project), "audiences", shape)
end

local P = "/2.N/audiences/"

return {
  { method = "POST", path = P .. "create", auth = "cep", handler = create },
  { method = "POST", path = P .. "update", auth = "cep", handler = function(ctx) return write(ctx, false) end },
  { method = "POST", path = P .. "replace", auth = "cep", handler = function(ctx) return write(ctx, true) end },
  { method = "POST", path = P .. "remove", auth = "cep", handler = remove },
  { method = "GET", path = P .. "list", auth = "cep", handler = list },
  { method = "GET", path = P .. "view", auth = "cep", handler = view },
}
