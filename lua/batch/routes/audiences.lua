-- Audience API 2.x, per project (batch-api.md §10.1).
local rules = require "batch.rules"

local ipairs, pairs, type, format = ipairs, pairs, type, string.format

local CEP = "https://doc.batch.com/developer/api/cep/audiences/"
local MAX_IDS, MAX_ATTRIBUTES, MAX_NAME = 10000, 15, 255

local function name_of(body, fname)
  local ok, err = rules.required(fname, "name", body.name, "string")
  if ok then ok, err = rules.name(fname, "name", body.name, MAX_NAME) end
  return ok, err
end

local function create_body(body, fname)
  local ok, err = name_of(body, fname)
  if ok then ok, err = rules.required(fname, "type", body.type, "string") end
  if ok and body.display_name ~= nil then rules.need_string(fname, "display_name", body.display_name) end
  if not ok then return nil, err end
  return true
end

-- The ids of update (`with_action`: { action = "add"|"remove", id, attributes? }) or replace ({ id,
-- attributes? }); a string is an id (to add). At most 10 000, 15 attributes each, attributes only
-- with "add". Returns the body as sent.
local function ids_body(with_action)
  return function(body, fname)
    local ok, err = name_of(body, fname)
    if ok then ok, err = rules.nonempty_array(fname, "ids", body.ids) end
    if ok then ok, err = rules.cap(fname, "ids", #body.ids, MAX_IDS) end
    if not ok then return nil, err end
    local ids = {}
    for i, e in ipairs(body.ids) do
      local where = format("ids[%d]", i)
      if type(e) == "string" then e = with_action and { action = "add", id = e } or { id = e } end
      rules.need_table(fname, where, e)
      ok, err = rules.custom_id(fname, where .. ".id", e.id)
      if ok and with_action then ok, err = rules.one_of(fname, where .. ".action", e.action, { "add", "remove" }) end
      if not ok then return nil, err end
      if e.attributes ~= nil then
        rules.need_table(fname, where .. ".attributes", e.attributes)
        if with_action and e.action ~= "add" then
          return rules.invalid(format("%s: %s: attributes go only with the action 'add'", fname, where))
        end
        local n = 0
        for _ in pairs(e.attributes) do n = n + 1 end
        if n > MAX_ATTRIBUTES then
          return rules.invalid(format("%s: %s has %d attributes (at most %d)", fname, where, n, MAX_ATTRIBUTES))
        end
      end
      ids[i] = e
    end
    return { name = body.name, ids = ids }
  end
end

local function remove_body(body, fname)
  local ok, err = name_of(body, fname)
  if not ok then return nil, err end
  return true
end

local WRITE = { 200, 201, 202, 204 }

return {
  { name = "audiences.create", lua = "audiences:create", method = "POST", family = "2", path = "/audiences/create",
    body = create_body, expect = WRITE, result = "object", fields = { indexing_token = "string" },
    doc = CEP .. "create", section = "§10.1" },
  { name = "audiences.update", lua = "audiences:update", method = "POST", family = "2", path = "/audiences/update",
    body = ids_body(true), expect = WRITE, result = "object", fields = { indexing_token = "string" },
    doc = CEP .. "update", section = "§10.1" },
  { name = "audiences.replace", lua = "audiences:replace", method = "POST", family = "2",
    path = "/audiences/replace", body = ids_body(false), expect = WRITE, result = "object",
    fields = { indexing_token = "string" }, doc = CEP .. "replace", section = "§10.1" },
  { name = "audiences.remove", lua = "audiences:remove", method = "POST", family = "2", path = "/audiences/remove",
    body = remove_body, expect = WRITE, result = "object", doc = CEP .. "remove", section = "§10.1" },
  { name = "audiences.view", lua = "audiences:view", method = "GET", family = "2", path = "/audiences/view",
    query = { { "name", "name", true }, { "indexing_token", "string" } },
    expect = { 200 }, result = "object", fields = { name = "string" },
    doc = "https://doc.batch.com/api/audience/view", section = "§10.1" },
  { name = "audiences.list", lua = "audiences:list", method = "GET", family = "2", path = "/audiences/list",
    query = { { "from", "cursor" }, { "limit", "limit" } },
    expect = { 200 }, result = "object", fields = { audiences = "table" }, doc = CEP .. "list", section = "§10.1" },
}
