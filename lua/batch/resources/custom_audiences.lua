-- client.custom_audiences: the Custom Audience API, per app (batch-api.md §10.2). opts.version picks the
-- API: "1.1" (install ids, the default) or "1.0" (custom user ids and advertising ids).
local api = require "batch.api"
local routes = require "batch.routes"
local validate = require "batch.validate"
local raise = validate.raise
local base = require "batch.resources.base"


local BY_VERSION = { ["1.1"] = routes.group("custom_audiences"), ["1.0"] = routes.group("custom_audiences", "@1.0") }
local CustomAudiences, new = base.class()
local CREATE = base.options("type", "description", "version")
local WRITE = base.options("version", "type")
local ONE = base.options("version")
local LIST = base.options("version", "from", "limit")
local EACH = base.options("version", "page_size")

-- The routes of opts.version; raises on another version.
local function routes_of(fname, opts)
  local v = opts and opts.version or "1.1"
  local r = BY_VERSION[v]
  if not r then raise(fname .. ": version must be \"1.1\" or \"1.0\"") end
  return r
end

-- client.custom_audiences:create(name, { type = "custom_ids" | "advertising_ids", description, version })
function CustomAudiences:create(name, opts)
  opts = validate.call_opts("custom_audiences:create", opts, CREATE) or {}
  local r = routes_of("custom_audiences:create", opts)
  local body = { type = opts.type, description = opts.description }
  return api.request(self.client, r.create, { name = name, body = body }, opts)
end

-- client.custom_audiences:update(name, { { action = "add" | "remove", id, attributes }, ... } [, opts])
-- (at most 10 000; a string is an id to add; opts.type for 1.0)
function CustomAudiences:update(name, ids, opts)
  validate.arg("custom_audiences:update", "ids", ids, "table")
  opts = validate.call_opts("custom_audiences:update", opts, WRITE) or {}
  local r = routes_of("custom_audiences:update", opts)
  return api.request(self.client, r.update, { name = name, body = { type = opts.type, ids = ids } }, opts)
end

-- client.custom_audiences:replace(name, { { id, attributes }, ... } [, opts])   (at most 10 000)
function CustomAudiences:replace(name, ids, opts)
  validate.arg("custom_audiences:replace", "ids", ids, "table")
  opts = validate.call_opts("custom_audiences:replace", opts, WRITE) or {}
  local r = routes_of("custom_audiences:replace", opts)
  return api.request(self.client, r.replace, { name = name, body = { type = opts.type, ids = ids } }, opts)
end

-- client.custom_audiences:delete(name [, opts])
function CustomAudiences:delete(name, opts)
  opts = validate.call_opts("custom_audiences:delete", opts, ONE)
  return api.request(self.client, routes_of("custom_audiences:delete", opts).delete, { name = name }, opts)
end

-- client.custom_audiences:list{ from = 0, limit = 10, version } --> { custom_audiences = {...} } (one page)
function CustomAudiences:list(opts)
  opts = validate.call_opts("custom_audiences:list", opts, LIST) or {}
  return api.request(self.client, routes_of("custom_audiences:list", opts).list, opts, opts)
end

-- client.custom_audiences:each{ page_size = 100, version } --> iterator over every custom audience
function CustomAudiences:each(opts)
  opts = validate.call_opts("custom_audiences:each", opts, EACH) or {}
  return api.pages(self.client, routes_of("custom_audiences:each", opts).list, {}, opts, "offset",
                   "custom_audiences")
end

return { new = new }
