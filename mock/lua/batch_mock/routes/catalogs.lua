-- Catalogs API 2.x (batch-api.md §13), CEP authentication, any /2.N/:
--   POST /2.N/catalogs/create      {"name", "fields": [{name, type}]}            -> 201 {}
--   POST /2.N/catalogs/update      {"name", "fields": [{action, name, type}]}    -> 202 {}
--   POST /2.N/catalogs/remove      {"name"}                                      -> 202 {}
--   GET  /2.N/catalogs/list?from=&limit=          -> 200 {catalogs, count, has_more, next_from}
--   GET  /2.N/catalogs/view?name=&indexing_token=                               -> 200 the catalog
--   POST /2.N/catalogs/items/edit  {"name", "items": [{id, action, attributes}]} -> 202 {"indexing_token"}
-- Rules (CONFIRMED): field names [a-z0-9_], 1..250; types array, bool, date, float, integer, string,
-- url; at most 25 fields, 5 catalogs a project, 200 items a call, 2 million items a catalog; item
-- attributes as attributes.CATALOG. Every route draws from the "catalogs" bucket (5 requests/s);
-- items/edit also one token of "catalogs/items" per item (1 000/s), see limits.lua.
-- Item actions: "add" (CONFIRMED), "update" and "remove" (names UNCONFIRMED; "delete" is taken as
-- "remove"). A taken name, too many catalogs, an unknown field to remove: 400 MALFORMED_PARAMETER;
-- an unknown catalog: 404 ROUTE_NOT_FOUND "Not found". Catalog names: letters, digits, _ and -, at
-- most 255 (UNCONFIRMED, as audience names).
local ngx = ngx
local json = require "batch_mock.json"
local errors = require "batch_mock.errors"
local validate = require "batch_mock.validate"
local attributes = require "batch_mock.attributes"
local state_store = require "batch_mock.state_store"
local indexing = require "batch_mock.indexing"
local cursor_list = require "batch_mock.cursor_list"
local limits = require "batch_mock.limits"
local named = require "batch_mock.named"
local dates = require "batch_mock.dates"

local type, ipairs, pairs, find = type, ipairs, pairs, string.find

local missing, malformed = validate.missing, validate.malformed

local MAX_FIELDS, MAX_CATALOGS, MAX_ITEMS, MAX_TOTAL = 25, 5, 200, 2000000
local FIELD_TYPES = { array = true, bool = true, date = true, float = true, integer = true, string = true, url = true }
local ITEM_ACTIONS = { add = "add", update = "update", remove = "remove", delete = "remove" }

local function catalogs(project) return state_store.get("catalogs", project) end

local absent = validate.absent

local function not_found(name) return errors.v2("ROUTE_NOT_FOUND", "Not found: no catalog '" .. name .. "'") end

local function now() ngx.update_time() return dates.rfc3339(ngx.now()) end

local function check_name(v) return named.check_name(v, "catalog") end

-- A field {name, type} at path at (with_action: update's {action, name, type}).
local function check_field(f, at, with_action)
  if not validate.is_object(f) then return malformed(at, "must be a field object {name, type}") end
  if with_action then
    if absent(f.action) then return missing(at .. ".action") end
    if f.action ~= "add" and f.action ~= "remove" then return malformed(at .. ".action", "must be add or remove") end
  end
  if absent(f.name) then return missing(at .. ".name") end
  if type(f.name) ~= "string" or #f.name > 250 or not find(f.name, "^[a-z0-9_]+$") then
    return malformed(at .. ".name", "field names are [a-z0-9_]+, 1 to 250 characters")
  end
  if with_action and f.action == "remove" then return end
  if absent(f.type) then return missing(at .. ".type") end
  if not FIELD_TYPES[f.type] then
    return malformed(at .. ".type", "must be one of array, bool, date, float, integer, string, url")
  end
end

-- The catalog as list and view show it.
local function shape(c, token)
  return { name = c.name, fields = c.fields, items = c.nb_items, size = c.size, created = c.created,
           updated = c.updated, indexing_state = indexing.state(c, token) }
end

-- Every route takes a token of the "catalogs" bucket first (items/edit does it with its items).
local function limited(fn)
  return function(ctx)
    local status, body, headers = limits.take(ctx.route.limit, { { "catalogs", 1 } })
    if status then return status, body, headers end
    return fn(ctx)
  end
end

local function create(ctx)
  local doc, e, m = validate.object_body(ctx.body)
  if not doc then return errors.v2(e, m) end
  e, m = check_name(doc.name)
  if e then return errors.v2(e, m) end
  local fields = json.array()
  if not absent(doc.fields) then
    local n = validate.length(doc.fields)
    if not n then return errors.v2(malformed("fields", "must be an array of {name, type}")) end
    if n > MAX_FIELDS then return errors.v2(malformed("fields", "at most 25 fields, got " .. n)) end
    local seen = {}
    for i, f in ipairs(doc.fields) do
      e, m = check_field(f, "fields[" .. (i - 1) .. "]")
      if e then return errors.v2(e, m) end
      if seen[f.name] then return errors.v2(malformed("fields[" .. (i - 1) .. "].name", "given twice")) end
      seen[f.name] = true
      fields[i] = { name = f.name, type = f.type }
    end
  end
  local c = catalogs(ctx.project)
  local t = now()
  local _, status, body = c:update(doc.name, function(old)
    if old then return nil, errors.v2(malformed("name", "a catalog named '" .. doc.name .. "' exists")) end
    if c:count() >= MAX_CATALOGS then
      return nil, errors.v2(malformed("name", "at most " .. MAX_CATALOGS .. " catalogs per project"))
    end
    return { name = doc.name, fields = fields, items = {}, nb_items = 0, size = 0, created = t, updated = t }
  end)
  if status then return status, body end
  return 201, "{}"
end

local function update(ctx)
  local doc, e, m = validate.object_body(ctx.body)
  if not doc then return errors.v2(e, m) end
  e, m = check_name(doc.name)
  if e then return errors.v2(e, m) end
  if absent(doc.fields) then return errors.v2(missing("fields")) end
  local n = validate.length(doc.fields)
  if not n then return errors.v2(malformed("fields", "must be an array of {action, name, type}")) end
  for i, f in ipairs(doc.fields) do
    e, m = check_field(f, "fields[" .. (i - 1) .. "]", true)
    if e then return errors.v2(e, m) end
  end
  local t = now()
  local _, status, body = catalogs(ctx.project):update(doc.name, function(c)
    if not c then return nil, not_found(doc.name) end
    for i, f in ipairs(doc.fields) do
      local at, where = "fields[" .. (i - 1) .. "].name", nil
      for k, have in ipairs(c.fields) do
        if have.name == f.name then where = k end
      end
      if f.action == "add" then
        if where then return nil, errors.v2(malformed(at, "the catalog has a field '" .. f.name .. "'")) end
        c.fields[#c.fields + 1] = { name = f.name, type = f.type }
      else
        if not where then return nil, errors.v2(malformed(at, "the catalog has no field '" .. f.name .. "'")) end
        table.remove(c.fields, where)
      end
    end
    if #c.fields > MAX_FIELDS then return nil, errors.v2(malformed("fields", "at most 25 fields per catalog")) end
    c.updated = t
    return c
  end)
  if status then return status, body end
  return 202, "{}"
end

local function remove(ctx)
  local doc, e, m = validate.object_body(ctx.body)
  if not doc then return errors.v2(e, m) end
  e, m = check_name(doc.name)
  if e then return errors.v2(e, m) end
  if not catalogs(ctx.project):delete(doc.name) then return not_found(doc.name) end
  return 202, "{}"
end

local view = named.view("catalog", catalogs, shape, not_found)

local function list(ctx)
  return cursor_list(catalogs(ctx.project), "catalogs", shape)
end

local function check_items(items)
  local n, e, m = validate.list(items, "items", MAX_ITEMS, "items")
  if not n then return nil, e, m end
  for i, it in ipairs(items) do
    local at = "items[" .. (i - 1) .. "]"
    if not validate.is_object(it) then return nil, malformed(at, "must be an item {id, action, attributes}") end
    if absent(it.id) then return nil, missing(at .. ".id") end
    if type(it.id) ~= "string" or it.id == "" or #it.id > 512 then
      return nil, malformed(at .. ".id", "must be a non-empty string")
    end
    if absent(it.action) then return nil, missing(at .. ".action") end
    if not ITEM_ACTIONS[it.action] then return nil, malformed(at .. ".action", "must be add, update or remove") end
    if ITEM_ACTIONS[it.action] ~= "remove" then
      if absent(it.attributes) then return nil, missing(at .. ".attributes") end
      local bad, why = attributes.check(it.attributes, attributes.CATALOG, at .. ".attributes")
      if bad then return nil, malformed(bad, why) end
    end
  end
  return n
end

local function edit_items(ctx)
  local doc, e, m = validate.object_body(ctx.body)
  if not doc then return errors.v2(e, m) end
  e, m = check_name(doc.name)
  if e then return errors.v2(e, m) end
  if absent(doc.items) then return errors.v2(missing("items")) end
  local n
  n, e, m = check_items(doc.items)
  if not n then return errors.v2(e, m) end
  local status, body, headers = limits.take(ctx.route.limit, { { "catalogs", 1 }, { "catalogs/items", n } })
  if status then return status, body, headers end
  local t = now()
  local rec
  rec, status, body = catalogs(ctx.project):update(doc.name, function(c)
    if not c then return nil, not_found(doc.name) end
    for _, it in ipairs(doc.items) do
      local action = ITEM_ACTIONS[it.action]
      if action == "remove" then
        c.items[it.id] = nil
      elseif action == "update" and c.items[it.id] then
        for k, v in pairs(it.attributes) do c.items[it.id][k] = v end
      else
        c.items[it.id] = it.attributes
      end
    end
    local count, size = 0, 0
    for id, attrs in pairs(c.items) do
      count = count + 1
      size = size + #id + #json.encode(attrs)
    end
    if count > MAX_TOTAL then return nil, errors.v2(malformed("items", "a catalog holds at most 2 million items")) end
    c.nb_items, c.size, c.updated = count, size, t
    indexing.issue(c)
    return c
  end)
  if not rec then return status, body end
  return 202, json.encode{ indexing_token = rec.tokens[#rec.tokens].token }
end

local P = "/2.N/catalogs/"

return {
  { method = "POST", path = P .. "create", auth = "cep", limit = "catalogs/create", handler = limited(create) },
  { method = "POST", path = P .. "update", auth = "cep", limit = "catalogs/update", handler = limited(update) },
  { method = "POST", path = P .. "remove", auth = "cep", limit = "catalogs/remove", handler = limited(remove) },
  { method = "GET", path = P .. "list", auth = "cep", limit = "catalogs/list", handler = limited(list) },
  { method = "GET", path = P .. "view", auth = "cep", limit = "catalogs/view", handler = limited(view) },
  { method = "POST", path = P .. "items/edit", auth = "cep", limit = "catalogs/items/edit", handler = edit_items },
}
