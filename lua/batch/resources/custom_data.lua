-- client.custom_data: the Custom Data API 1.0 (batch-api.md §8): a user's attributes, per app.
local api = require "batch.api"
local routes = require "batch.routes"
local validate = require "batch.validate"
local raise = validate.raise
local base = require "batch.resources.base"

local type = type

local R = routes.group("custom_data")
local CustomData, new = base.class()
local SET = base.options("overwrite")

-- client.custom_data:set(custom_id, values [, { overwrite = false, deadline, timeout }]) --> { token = ... }
function CustomData:set(custom_id, values, opts)
  local fname = "custom_data:set"
  validate.arg(fname, "values", values, "table")
  opts = validate.call_opts(fname, opts, SET)
  local overwrite = opts and opts.overwrite
  if overwrite ~= nil and type(overwrite) ~= "boolean" then raise(fname .. ": overwrite must be a boolean") end
  return api.request(self.client, R.set, { custom_id = custom_id,
                                           body = { overwrite = overwrite == true, values = values } }, opts)
end

-- client.custom_data:set_many{ { id = CUSTOM_ID, values = {...}, overwrite = false }, ... } --> { token = ... }
-- (at most 10 000)
function CustomData:set_many(updates, opts)
  validate.arg("custom_data:set_many", "updates", updates, "table")
  validate.call_opts("custom_data:set_many", opts)
  return api.request(self.client, R.set_many, { body = updates }, opts)
end

-- client.custom_data:delete(custom_id [, opts]) --> { token = ... }
function CustomData:delete(custom_id, opts)
  validate.call_opts("custom_data:delete", opts)
  return api.request(self.client, R.delete, { custom_id = custom_id }, opts)
end

-- client.custom_data:delete_many{ CUSTOM_ID, ... } --> { token = ... }   (at most 10 000)
function CustomData:delete_many(ids, opts)
  validate.arg("custom_data:delete_many", "ids", ids, "table")
  validate.call_opts("custom_data:delete_many", opts)
  return api.request(self.client, R.delete_many, { body = ids }, opts)
end

return { new = new }
