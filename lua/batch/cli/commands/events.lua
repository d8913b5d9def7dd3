-- `batch events track`: the Trigger Events API 1.0, events of an app's users by custom ID
-- (../shared/batch-api.md §9): one event from options, or JSON Lines sent in batches of 1000 events.
local input = require "batch.cli.input"
local results = require "batch.cli.results"
local batches = require "batch.cli.batches"

local ipairs, pairs, type, tonumber = ipairs, pairs, type, tonumber
local match = string.match

local MAX_EVENTS = 1000  -- events per call, for one user or amongst several (§9.1)
local EVENT_OPTIONS = { "name", "label", "attr", "tag", "time" }

-- The sending step: one call per batch of { id, events } (one user: the user's route). When the
-- library's queue (client:queue) comes, `batch events track` sends through it: this is what changes.
local function send_events(client, users)
  if #users == 1 then return client.events:track(users[1].id, users[1].events) end
  return client.events:track_many(users)
end

-- A line of JSON Lines --> { id, events }, the number of events; or nil and why.
local function user_of(line)
  if type(line.id) ~= "string" or line.id == "" then return nil, "no \"id\" (the user's custom ID)" end
  if line.events ~= nil then
    if line.name ~= nil then return nil, "give \"events\" or one event's \"name\", not both" end
    return { id = line.id, events = line.events }, type(line.events) == "table" and #line.events or 1
  end
  if line.name == nil then return nil, "expected {\"id\", \"events\": [...]} or {\"id\", \"name\", ...}" end
  local event = {}
  for k, v in pairs(line) do if k ~= "id" then event[k] = v end end
  return { id = line.id, events = { event } }, 1
end

-- The event of the options.
local function event_of(o, fail)
  local time = o.time
  if time and match(time, "^%d+$") then time = tonumber(time) end  -- a Unix time
  return { name = o.name, label = o.label, attributes = input.assignments(o.attr, fail, "attr"),
           tags = o.tag, time = time }
end

return {
  {
    name = "events track", args = { "[CUSTOM_ID]" }, keys = "1",
    flags = { name = "string", label = "string", attr = "multi", tag = "multi", time = "string", data = "string" },
    usage = "events track CUSTOM_ID --name N [--label L] [--attr NAME=VALUE]... [--tag T]... [--time T] | "
            .. "--data @FILE.jsonl|-",
    summary = "track trigger events of users (one from options, or JSON Lines)",
    help = [[
With CUSTOM_ID, one event: --name (required), --label (at most 200 characters), --attr NAME=VALUE (at
most 15; a VALUE that is JSON, 30 or true, is taken as such, any other as a string; typed names
date(name), url(name)), --tag (at most 10, repeatable), --time (UTC, 2024-05-01T12:00:00, or a Unix time;
within the last 24 hours; default: when Batch gets it). Prints Batch's answer.
With --data @FILE.jsonl (or - for stdin), JSON Lines: one {"id": CUSTOM_ID, "events": [...]} or
{"id": CUSTOM_ID, "name": ..., "label": ..., ...} (one event) per line, sent in calls of at most 1000
events, in order. Prints {"lines", "events", "batches"}; when a call fails, stderr says which lines Batch
accepted and from which line on nothing was sent. Every line is checked before its batch is sent: a bad
one stops the command there (exit 2).]],
    examples = {
      "batch events track user-1 --name added_to_cart --label shoes --attr sku=A-42 --attr price=59.9 --tag summer",
      "batch events track --data @events.jsonl",
      "printf '%s\\n' '{\"id\": \"user-2\", \"name\": \"app_open\"}' | batch events track --data - --field events",
    },
    run = function(ctx, w, o)
      if o.data then
        if w[1] then ctx.fail("--data cannot go with a CUSTOM_ID (the ids are in the lines)") end
        for _, k in ipairs(EVENT_OPTIONS) do
          if o[k] ~= nil then ctx.fail("--data cannot go with --" .. k) end
        end
        local client = ctx:client()
        local b = batches.new(ctx, { max = MAX_EVENTS, send = function(users) return send_events(client, users) end })
        local ok, err = b:send_all(user_of, input.json_lines(o.data, ctx.fail))
        if not ok then return nil, err end
        return results.value(ctx, { lines = b.accepted, events = b.weight_sent, batches = b.batches })
      end
      if not w[1] then ctx.fail("missing CUSTOM_ID (or --data with JSON Lines)") end
      if not o.name then ctx.fail("--name is required (the event's name)") end
      return results.value(ctx, send_events(ctx:client(), { { id = w[1], events = { event_of(o, ctx.fail) } } }))
    end,
  },
}
