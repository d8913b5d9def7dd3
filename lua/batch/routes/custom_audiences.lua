-- Custom Audience API 1.0 and 1.1, per app (batch-api.md §10.2): one URL per audience for every verb,
-- `/custom-audience/{name}`. 1.1 takes install ids; 1.0 custom user ids and advertising ids. The same
-- routes are declared for each version: the caller's `version` option picks them.
local rules = require "batch.rules"

local ipairs, type, format = ipairs, type, string.format

local DOC = "https://doc.batch.com/api/custom-audience/"
local MAX = 10000 -- "10 000 elements" a call
local WRITE = { 200, 201, 202, 204 }

-- update's ids: [{ action = "add"|"remove", id, attributes?, tags? }]; a string is an id to add.
local function update_body(body, fname)
  local ids = body.ids
  local ok, err = rules.nonempty_array(fname, "ids", ids)
  if ok then ok, err = rules.cap(fname, "ids", #ids, MAX) end
  if not ok then return nil, err end
  local out = {}
  for i, e in ipairs(ids) do
    local where = format("ids[%d]", i)
    if type(e) == "string" then e = { action = "add", id = e } end
    rules.need_table(fname, where, e)
    ok, err = rules.one_of(fname, where .. ".action", e.action, { "add", "remove" })
    if ok then ok, err = rules.custom_id(fname, where .. ".id", e.id) end
    if not ok then return nil, err end
    out[i] = e
  end
  return { type = body.type, ids = out }
end

-- replace's ids: [{ id, attributes? }]; a string is an id.
local function replace_body(body, fname)
  local ids = body.ids
  local ok, err = rules.nonempty_array(fname, "ids", ids)
  if ok then ok, err = rules.cap(fname, "ids", #ids, MAX) end
  if not ok then return nil, err end
  local out = {}
  for i, e in ipairs(ids) do
    if type(e) == "string" then e = { id = e } end
    rules.need_table(fname, format("ids[%d]", i), e)
    ok, err = rules.custom_id(fname, format("ids[%d].id", i), e.id)
    if not ok then return nil, err end
    out[i] = e
  end
  return { type = body.type, ids = out }
end

-- create's body: 1.0 requires a type ("custom_ids" or "advertising_ids"); 1.1's body is UNCONFIRMED.
local function create_body(version)
  return function(body, fname)
    if body.type == nil and version == "1.1" then return true end
    local ok, err = rules.required(fname, "type", body.type, "string")
    if ok then ok, err = rules.one_of(fname, "type", body.type, { "custom_ids", "advertising_ids" }) end
    if ok and body.description ~= nil then rules.need_string(fname, "description", body.description) end
    if not ok then return nil, err end
    return true
  end
end

local routes = {}
for _, v in ipairs{ "1.1", "1.0" } do
  local function add(r)
    r.name = "custom_audiences." .. r.op .. (v == "1.0" and "@1.0" or "")
    r.lua = "custom_audiences:" .. r.op
    r.family, r.section, r.doc = v, "§10.2", DOC .. v .. "/" .. r.page
    r.op, r.page = nil, nil
    routes[#routes + 1] = r
  end
  local one = { name = "name" }
  add{ op = "create", method = "POST", path = "/custom-audience/{name}", params = one, body = create_body(v),
       expect = WRITE, result = "object", page = "create" }
  add{ op = "update", method = "PATCH", path = "/custom-audience/{name}", params = one, body = update_body,
       expect = WRITE, result = "object", page = "update" }
  add{ op = "replace", method = "PUT", path = "/custom-audience/{name}", params = one, body = replace_body,
       expect = WRITE, result = "object", page = "replace" }
  add{ op = "delete", method = "DELETE", path = "/custom-audience/{name}", params = one,
       expect = WRITE, result = "object", page = "delete" }
  add{ op = "list", method = "GET", path = "/custom-audience", query = { { "from", "offset" }, { "limit", "limit" } },
       expect = { 200 }, result = "object", fields = { custom_audiences = "table" }, page = "list/" }
end

return routes
