-- client.audiences: the Audience API 2.x (batch-api.md §10.1).
local api = require "batch.api"
local routes = require "batch.routes"
local validate = require "batch.validate"
local base = require "batch.resources.base"

local R = routes.group("audiences")
local Audiences, new = base.class()
-- create, remove, view, list and each, as every collection addressed by name has them
base.named_collection(Audiences, "audiences", R)

-- client.audiences:update(name, { { action = "add" | "remove", id, attributes }, ... }) --> { indexing_token }
-- (at most 10 000 ids; a string is an id to add)
function Audiences:update(name, ids, opts)
  validate.arg("audiences:update", "ids", ids, "table")
  validate.call_opts("audiences:update", opts)
  return api.request(self.client, R.update, { body = { name = name, ids = ids } }, opts)
end

-- client.audiences:replace(name, { { id, attributes }, ... }) --> { indexing_token }   (at most 10 000 ids)
function Audiences:replace(name, ids, opts)
  validate.arg("audiences:replace", "ids", ids, "table")
  validate.call_opts("audiences:replace", opts)
  return api.request(self.client, R.replace, { body = { name = name, ids = ids } }, opts)
end

return { new = new }
