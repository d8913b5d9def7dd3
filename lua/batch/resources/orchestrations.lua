-- client.orchestrations: campaigns and orchestrations 2.x (batch-api.md §11).
local api = require "batch.api"
local routes = require "batch.routes"
local rules = require "batch.rules"
local validate = require "batch.validate"
local base = require "batch.resources.base"

local R = routes.group("orchestrations")
local Orchestrations, new = base.class()
local LIST = base.options("from", "limit")
local EACH = base.options("page_size")
local STATS = base.options("from", "to")

-- client.orchestrations:create(campaign [, opts]) --> { id = "orchestration_..." }   (POST /2.x/campaigns/create)
function Orchestrations:create(campaign, opts)
  validate.arg("orchestrations:create", "campaign", campaign, "table")
  validate.call_opts("orchestrations:create", opts)
  return api.request(self.client, R.create, { body = campaign }, opts)
end

-- client.orchestrations:update(id, campaign [, opts]) --> true (the campaign's contents are overwritten)
function Orchestrations:update(id, campaign, opts)
  validate.arg("orchestrations:update", "id", id, "string")
  validate.arg("orchestrations:update", "campaign", campaign, "table")
  validate.call_opts("orchestrations:update", opts)
  return api.request(self.client, R.update, { body = { id = id, campaign = campaign } }, opts)
end

-- client.orchestrations:delete(id [, opts]) --> true
function Orchestrations:delete(id, opts)
  validate.arg("orchestrations:delete", "id", id, "string")
  validate.call_opts("orchestrations:delete", opts)
  return api.request(self.client, R.delete, { body = { id = id } }, opts)
end

-- client.orchestrations:list{ from = cursor, limit = 10 } --> { orchestrations, count, has_more, next_from }
function Orchestrations:list(opts)
  opts = validate.call_opts("orchestrations:list", opts, LIST) or {}
  return api.request(self.client, R.list, opts, opts)
end

-- client.orchestrations:each{ page_size = 100 } --> iterator over every orchestration
function Orchestrations:each(opts)
  opts = validate.call_opts("orchestrations:each", opts, EACH) or {}
  return api.pages(self.client, R.list, {}, opts, "cursor", "orchestrations")
end

-- client.orchestrations:stats(id, { from = "YYYY-MM-DD", to = "YYYY-MM-DD" }) --> { id, details }
-- (Batch: every parameter required, from no earlier than 6 months ago)
function Orchestrations:stats(id, opts)
  local fname = "orchestrations:stats"
  opts = validate.call_opts(fname, opts, STATS) or {}
  local ok, err = rules.window(fname, opts.from, opts.to or os.date("!%Y-%m-%d"), os.time(), true)
  if not ok then return nil, err end
  return api.request(self.client, R.stats, { orchestration_id = id, from = opts.from,
                                             to = opts.to or os.date("!%Y-%m-%d") }, opts)
end

return { new = new }
