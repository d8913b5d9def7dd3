-- client.events: the Trigger Events API 1.0 (batch-api.md §9).
local api = require "batch.api"
local routes = require "batch.routes"
local validate = require "batch.validate"
local base = require "batch.resources.base"

local R = routes.group("events")
local Events, new = base.class()

-- client.events:track(custom_id, { { name, time, label, attributes, tags }, ... } [, opts]) --> result
-- (at most 1000 events; time: "YYYY-MM-DDTHH:MM:SS" UTC or a Unix time, within the last 24 hours)
function Events:track(custom_id, events, opts)
  validate.arg("events:track", "events", events, "table")
  validate.call_opts("events:track", opts)
  return api.request(self.client, R.track, { custom_id = custom_id, body = events }, opts)
end

-- client.events:track_many{ { id = CUSTOM_ID, events = {...} }, ... } --> result (at most 1000 events in all)
function Events:track_many(users, opts)
  validate.arg("events:track_many", "users", users, "table")
  validate.call_opts("events:track_many", opts)
  return api.request(self.client, R.track_many, { body = users }, opts)
end

return { new = new }
