-- client.audiences: the Audience API 2.x (batch-api.md §10.1).
local api = require "batch.api"
local routes = require "batch.routes"
local validate = require "batch.validate"
local base = require "batch.resources.base"

local R = routes.group("audiences")
local Audiences, new = base.class()
local VIEW = base.options("indexing_token")
local LIST = base.options("from", "limit")
local EACH = base.options("page_size")

-- client.audiences:create{ name, type, display_name } --> { indexing_token = ... }
function Audiences:create(body, opts)
  validate.arg("audiences:create", "body", body, "table")
  validate.call_opts("audiences:create", opts)
  return api.request(self.client, R.create, { body = body }, opts)
end

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

-- client.audiences:remove(name [, opts]) --> result
function Audiences:remove(name, opts)
  validate.call_opts("audiences:remove", opts)
  return api.request(self.client, R.remove, { body = { name = name } }, opts)
end

-- client.audiences:view(name [, { indexing_token }]) --> the audience
function Audiences:view(name, opts)
  opts = validate.call_opts("audiences:view", opts, VIEW)
  return api.request(self.client, R.view, { name = name, indexing_token = opts and opts.indexing_token }, opts)
end

-- client.audiences:list{ from = cursor, limit = 10 } --> { audiences, count (first page only), has_more, next_from }
function Audiences:list(opts)
  opts = validate.call_opts("audiences:list", opts, LIST) or {}
  return api.request(self.client, R.list, opts, opts)
end

-- client.audiences:each{ page_size = 100 } --> iterator over every audience
function Audiences:each(opts)
  opts = validate.call_opts("audiences:each", opts, EACH) or {}
  return api.pages(self.client, R.list, {}, opts, "cursor", "audiences")
end

return { new = new }
