-- Trigger Events API 1.0: events of users, per app (batch-api.md §9). The limits of TE-params are
-- checked before sending (batch.rules.event); events are checked against the 24-hour window with the
-- client's clock of the epoch.
local rules = require "batch.rules"

local ipairs, time = ipairs, os.time

local DOC = "https://doc.batch.com/developer/api/mep/trigger-events-api/track-events"
local MAX = 1000 -- "up to 1000 events" a call, for one user or amongst several

-- The single route's body: the bare array of events (the wrapper is UNCONFIRMED, §9.1: a third-party
-- reference sends a bare array).
local function track_body(events, fname)
  local out, err = rules.events(fname, "events", events, time())
  if not out then return nil, err end
  local ok
  ok, err = rules.cap(fname, "events", #out, MAX)
  if not ok then return nil, err end
  return out
end

-- The bulk body: [{ id, events = [...] }], at most 1000 events in all.
local function track_many_body(users, fname)
  local ok, err = rules.nonempty_array(fname, "users", users)
  if not ok then return nil, err end
  local now, out, total = time(), {}, 0
  for i, u in ipairs(users) do
    local where = "users[" .. i .. "]"
    rules.need_table(fname, where, u)
    ok, err = rules.custom_id(fname, where .. ".id", u.id)
    if not ok then return nil, err end
    local events
    events, err = rules.events(fname, where .. ".events", u.events, now)
    if not events then return nil, err end
    total = total + #events
    out[i] = { id = u.id, events = events }
  end
  ok, err = rules.cap(fname, "events", total, MAX)
  if not ok then return nil, err end
  return out
end

return {
  { name = "events.track", lua = "events:track", method = "POST", family = "1.0",
    path = "/events/users/{custom_id}", params = { custom_id = "custom_id" }, encode = { "custom_id" },
    body = track_body, expect = { 200, 201, 202, 204 }, result = "object", doc = DOC, section = "§9.1" },
  { name = "events.track_many", lua = "events:track_many", method = "POST", family = "1.0",
    path = "/events/users", body = track_many_body, expect = { 200, 201, 202, 204 }, result = "object",
    doc = DOC, section = "§9.1" },
}
