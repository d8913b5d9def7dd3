-- Catalogs API 2.x, per project (batch-api.md §13).
local rules = require "batch.rules"

local ipairs, type, format, find = ipairs, type, string.format, string.find

local CEP = "https://doc.batch.com/developer/api/cep/catalogs/"
local TYPES = { "array", "bool", "date", "float", "integer", "string", "url" }
local MAX_FIELDS, MAX_FIELD_NAME, MAX_ITEMS = 25, 250, 200

local function name_of(body, fname)
  local ok, err = rules.required(fname, "name", body.name, "string")
  if ok then ok, err = rules.name(fname, "name", body.name, 255) end
  return ok, err
end

-- A field { name = [a-z0-9_]+ of 1 to 250, type = one of TYPES } (with `action`: add or remove).
local function check_field(fname, where, f, with_action)
  rules.need_table(fname, where, f)
  local ok, err = rules.required(fname, where .. ".name", f.name, "string")
  if not ok then return nil, err end
  if f.name == "" or #f.name > MAX_FIELD_NAME or find(f.name, "[^a-z0-9_]") then
    return rules.invalid(format("%s: %s.name must be 1 to %d characters of [a-z0-9_] (got '%s')",
                                fname, where, MAX_FIELD_NAME, f.name))
  end
  if with_action then
    ok, err = rules.one_of(fname, where .. ".action", f.action, { "add", "remove" })
    if not ok then return nil, err end
    if f.action == "remove" and f.type == nil then return true end
  end
  ok, err = rules.required(fname, where .. ".type", f.type, "string")
  if ok then ok, err = rules.one_of(fname, where .. ".type", f.type, TYPES) end
  return ok, err
end

local function fields_body(with_action)
  return function(body, fname)
    local ok, err = name_of(body, fname)
    if ok and (with_action or body.fields ~= nil) then ok, err = rules.nonempty_array(fname, "fields", body.fields) end
    if ok and body.fields then ok, err = rules.cap(fname, "fields", #body.fields, MAX_FIELDS) end
    if not ok then return nil, err end
    for i, f in ipairs(body.fields or {}) do
      ok, err = check_field(fname, format("fields[%d]", i), f, with_action)
      if not ok then return nil, err end
    end
    return true
  end
end

local function name_body(body, fname)
  local ok, err = name_of(body, fname)
  if not ok then return nil, err end
  return true
end

-- items/edit: at most 200 items, each with an id.
local function items_body(body, fname)
  local ok, err = name_of(body, fname)
  if ok then ok, err = rules.nonempty_array(fname, "items", body.items) end
  if ok then ok, err = rules.cap(fname, "items", #body.items, MAX_ITEMS) end
  if not ok then return nil, err end
  for i, item in ipairs(body.items) do
    rules.need_table(fname, format("items[%d]", i), item)
    if type(item.id) ~= "string" or item.id == "" then
      return rules.invalid(format("%s: items[%d] has no id", fname, i))
    end
  end
  return true
end

local WRITE = { 200, 201, 202, 204 }

return {
  { name = "catalogs.create", lua = "catalogs:create", method = "POST", family = "2", path = "/catalogs/create",
    body = fields_body(false), expect = WRITE, result = "object", doc = CEP .. "create", section = "§13" },
  { name = "catalogs.update", lua = "catalogs:update", method = "POST", family = "2", path = "/catalogs/update",
    body = fields_body(true), expect = WRITE, result = "object", doc = CEP .. "update", section = "§13" },
  { name = "catalogs.remove", lua = "catalogs:remove", method = "POST", family = "2", path = "/catalogs/remove",
    body = name_body, expect = WRITE, result = "object", doc = CEP .. "remove", section = "§13" },
  { name = "catalogs.view", lua = "catalogs:view", method = "GET", family = "2", path = "/catalogs/view",
    query = { { "name", "name", true }, { "indexing_token", "string" } },
    expect = { 200 }, result = "object", fields = { name = "string" }, doc = CEP .. "view", section = "§13" },
  { name = "catalogs.list", lua = "catalogs:list", method = "GET", family = "2", path = "/catalogs/list",
    query = { { "from", "cursor" }, { "limit", "limit" } },
    expect = { 200 }, result = "object", fields = { catalogs = "table" }, doc = CEP .. "list", section = "§13" },
  { name = "catalogs.edit_items", lua = "catalogs:edit_items", method = "POST", family = "2",
    path = "/catalogs/items/edit", body = items_body, expect = WRITE, result = "object",
    fields = { indexing_token = "string" }, doc = CEP .. "edit-items", section = "§13" },
}
