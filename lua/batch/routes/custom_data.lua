-- Custom Data API 1.0: a user's attributes, per app (batch-api.md §8).
local raise = require("batch.validate").raise
local rules = require "batch.rules"

local ipairs, type = ipairs, type

local SET = "https://batch.com/doc/api/custom-data-api/set-update.html"
local DEL = "https://doc.batch.com/developer/api/mep/custom-data-api/delete"
local MAX = 10000 -- "Bulk updates ... (up to 10,000) with one API call"; "a limit of 10000 user ids"

-- The bulk body: [{ id, update = { overwrite, values } }] (shape UNCONFIRMED, §8.1), from the items
-- { id, values, overwrite } of set_many.
local function set_many_body(items, fname)
  local ok, err = rules.nonempty_array(fname, "updates", items)
  if ok then ok, err = rules.cap(fname, "custom data updates", #items, MAX) end
  if not ok then return nil, err end
  local out = {}
  for i, item in ipairs(items) do
    local where = "updates[" .. i .. "]"
    rules.need_table(fname, where, item)
    ok, err = rules.custom_id(fname, where .. ".id", item.id)
    if not ok then return nil, err end
    rules.need_table(fname, where .. ".values", item.values)
    if item.overwrite ~= nil and type(item.overwrite) ~= "boolean" then
      raise(fname .. ": " .. where .. ".overwrite must be a boolean")
    end
    out[i] = { id = item.id, update = { overwrite = item.overwrite == true, values = item.values } }
  end
  return out
end

local function delete_many_body(ids, fname)
  local ok, err = rules.nonempty_array(fname, "ids", ids)
  if ok then ok, err = rules.cap(fname, "custom IDs", #ids, MAX) end
  if not ok then return nil, err end
  for i, id in ipairs(ids) do
    ok, err = rules.custom_id(fname, "ids[" .. i .. "]", id)
    if not ok then return nil, err end
  end
  return true
end

local WRITE = { 200, 201, 202, 204 }

return {
  { name = "custom_data.set", lua = "custom_data:set", method = "POST", family = "1.0",
    path = "/data/users/{custom_id}", params = { custom_id = "custom_id" }, encode = { "custom_id" },
    body = "object", expect = WRITE, result = "object", fields = { token = "string" },
    doc = SET, section = "§8.1" },
  { name = "custom_data.set_many", lua = "custom_data:set_many", method = "POST", family = "1.0",
    path = "/data/users", body = set_many_body, expect = WRITE, result = "object", fields = { token = "string" },
    doc = SET, section = "§8.1" },
  { name = "custom_data.delete", lua = "custom_data:delete", method = "DELETE", family = "1.0",
    path = "/data/users/{custom_id}", params = { custom_id = "custom_id" }, encode = { "custom_id" },
    expect = WRITE, result = "object", fields = { token = "string" }, doc = DEL, section = "§8.2" },
  { name = "custom_data.delete_many", lua = "custom_data:delete_many", method = "DELETE", family = "1.0",
    path = "/data/users", body = delete_many_body, expect = WRITE, result = "object",
    fields = { token = "string" }, doc = DEL, section = "§8.2" },
}
