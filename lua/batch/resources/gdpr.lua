-- client.gdpr: the GDPR API 1.0 (batch-api.md §12): data review and removal requests.
local api = require "batch.api"
local routes = require "batch.routes"
local validate = require "batch.validate"
local base = require "batch.resources.base"

local R = routes.group("gdpr")
local Gdpr, new = base.class()

-- client.gdpr:request{ request_type = "review" | "remove", id = { type, value }, callback_url } --> { request_id }
function Gdpr:request(body, opts)
  validate.arg("gdpr:request", "body", body, "table")
  validate.call_opts("gdpr:request", opts)
  return api.request(self.client, R.request, { body = body }, opts)
end

-- client.gdpr:get(request_id [, opts]) --> request info
function Gdpr:get(request_id, opts)
  validate.call_opts("gdpr:get", opts)
  return api.request(self.client, R.get, { request_id = request_id }, opts)
end

-- client.gdpr:list([opts]) --> array of request infos
function Gdpr:list(opts)
  validate.call_opts("gdpr:list", opts)
  return api.request(self.client, R.list, {}, opts)
end

return { new = new }
