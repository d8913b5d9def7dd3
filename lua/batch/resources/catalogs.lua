-- client.catalogs: the Catalogs API 2.x (batch-api.md §13).
local api = require "batch.api"
local routes = require "batch.routes"
local validate = require "batch.validate"
local base = require "batch.resources.base"

local R = routes.group("catalogs")
local Catalogs, new = base.class()
local VIEW = base.options("indexing_token")
local LIST = base.options("from", "limit")
local EACH = base.options("page_size")

-- client.catalogs:create{ name, fields = { { name, type }, ... } } --> result
function Catalogs:create(body, opts)
  validate.arg("catalogs:create", "body", body, "table")
  validate.call_opts("catalogs:create", opts)
  return api.request(self.client, R.create, { body = body }, opts)
end

-- client.catalogs:update(name, { { action = "add" | "remove", name, type }, ... }) --> result
function Catalogs:update(name, fields, opts)
  validate.arg("catalogs:update", "fields", fields, "table")
  validate.call_opts("catalogs:update", opts)
  return api.request(self.client, R.update, { body = { name = name, fields = fields } }, opts)
end

-- client.catalogs:remove(name [, opts]) --> result
function Catalogs:remove(name, opts)
  validate.call_opts("catalogs:remove", opts)
  return api.request(self.client, R.remove, { body = { name = name } }, opts)
end

-- client.catalogs:view(name [, { indexing_token }]) --> the catalog
function Catalogs:view(name, opts)
  opts = validate.call_opts("catalogs:view", opts, VIEW)
  return api.request(self.client, R.view, { name = name, indexing_token = opts and opts.indexing_token }, opts)
end

-- client.catalogs:list{ from = cursor, limit = 10 } --> { catalogs, count (first page only), has_more, next_from }
function Catalogs:list(opts)
  opts = validate.call_opts("catalogs:list", opts, LIST) or {}
  return api.request(self.client, R.list, opts, opts)
end

-- client.catalogs:each{ page_size = 100 } --> iterator over every catalog
function Catalogs:each(opts)
  opts = validate.call_opts("catalogs:each", opts, EACH) or {}
  return api.pages(self.client, R.list, {}, opts, "cursor", "catalogs")
end

-- client.catalogs:edit_items(name, { { id, action, attributes }, ... }) --> { indexing_token }   (at most 200)
function Catalogs:edit_items(name, items, opts)
  validate.arg("catalogs:edit_items", "items", items, "table")
  validate.call_opts("catalogs:edit_items", opts)
  return api.request(self.client, R.edit_items, { body = { name = name, items = items } }, opts)
end

return { new = new }
