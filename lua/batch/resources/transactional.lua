-- client.transactional: the Transactional API 1.1 (batch-api.md §6).
local api = require "batch.api"
local routes = require "batch.routes"
local rules = require "batch.rules"
local validate = require "batch.validate"
local base = require "batch.resources.base"

local R = routes.group("transactional")
local Transactional, new = base.class()
local STATS = base.options("from", "to")

-- client.transactional:send(body [, opts]) --> { token = ... }, or nil, err
-- body: group_id, recipients = { custom_ids | install_ids | tokens }, message = { title, body }, ...
function Transactional:send(body, opts)
  validate.arg("transactional:send", "body", body, "table")
  validate.call_opts("transactional:send", opts)
  return api.request(self.client, R.send, { body = body }, opts)
end

-- client.transactional:stats(group_id, { from = "YYYY-MM-DD", to = "YYYY-MM-DD" }) --> { group_id, detail }
-- (Batch's since and until: since required and before until, at most 6 months apart)
function Transactional:stats(group_id, opts)
  local fname = "transactional:stats"
  opts = validate.call_opts(fname, opts, STATS) or {}
  local ok, err = rules.window(fname, opts.from, opts.to, os.time())
  if not ok then return nil, err end
  return api.request(self.client, R.stats, { group_id = group_id, since = opts.from, ["until"] = opts.to }, opts)
end

return { new = new }
