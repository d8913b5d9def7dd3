-- client.catalogs: the Catalogs API 2.x (batch-api.md §13).
local api = require "batch.api"
local routes = require "batch.routes"
local validate = require "batch.validate"
local base = require "batch.resources.base"

local R = routes.group("catalogs")
local Catalogs, new = base.class()
-- create, remove, view, list and each, as every collection addressed by name has them
base.named_collection(Catalogs, "catalogs", R)

-- client.catalogs:update(name, { { action = "add" | "remove", name, type }, ... }) --> result
function Catalogs:update(name, fields, opts)
  validate.arg("catalogs:update", "fields", fields, "table")
  validate.call_opts("catalogs:update", opts)
  return api.request(self.client, R.update, { body = { name = name, fields = fields } }, opts)
end

-- client.catalogs:edit_items(name, { { id, action, attributes }, ... }) --> { indexing_token }   (at most 200)
function Catalogs:edit_items(name, items, opts)
  validate.arg("catalogs:edit_items", "items", items, "table")
  validate.call_opts("catalogs:edit_items", opts)
  return api.request(self.client, R.edit_items, { body = { name = name, items = items } }, opts)
end

return { new = new }
