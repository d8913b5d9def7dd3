-- `batch events track`: the Trigger Events API 1.0, events of an app's users by custom ID
-- (../shared/batch-api.md §9): one event from options (one call, Batch's answer printed), or JSON Lines
-- sent through the library's queue (calls of up to 1000 events, what may be retried sent again).
local input = require "batch.cli.input"
local results = require "batch.cli.results"
local queued = require "batch.cli.queued"

local ipairs, pairs, type, tonumber = ipairs, pairs, type, tonumber
local match = string.match

local DEADLINE = 300  -- seconds the queue may take to send what waits once the input is read
local EVENT_OPTIONS = { "name", "label", "attr", "tag", "time" }

-- A line of JSON Lines --> { id, events }, or nil and why.
local function user_of(line)
  if type(line.id) ~= "string" or line.id == "" then return nil, "no \"id\" (the user's custom ID)" end
  if line.events ~= nil then
    if line.name ~= nil then return nil, "give \"events\" or one event's \"name\", not both" end
    if type(line.events) ~= "table" then return nil, "\"events\" must be an array of events" end
    return { id = line.id, events = line.events }
  end
  if line.name == nil then return nil, "expected {\"id\", \"events\": [...]} or {\"id\", \"name\", ...}" end
  local event = {}
  for k, v in pairs(line) do if k ~= "id" then event[k] = v end end
  return { id = line.id, events = { event } }
end

-- The events of JSON Lines, each a queue add; the summary once the queue has sent (or given up on)
-- them all.
local function track_lines(ctx, client, data, deadline)
  local sender = queued.new(ctx, client, { key = queued.event_key, deadline = deadline })
  local err, stopped_at, lines, events = nil, nil, 0, 0
  for place, line, why in input.json_lines(data, ctx.fail) do
    local user, refused = nil, why
    if line ~= nil then user, refused = user_of(line) end
    if user == nil then
      err = { name = "INVALID_ARGUMENT", message = "line " .. place .. ": " .. refused }
    else
      for _, event in ipairs(user.events) do
        local ok, add_err = sender:add(place, event, "track", user.id, event)
        if not ok then err = add_err break end
        events = events + 1
      end
      if not err then lines = lines + 1 end
    end
    if err then stopped_at = place break end
  end
  local summary, final = sender:finish(err, stopped_at)
  summary.lines, summary.events = lines, events
  if events > 0 or not final then results.value(ctx, summary) end  -- (a first line refused: nothing)
  if final then return nil, final end
  return true
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
    flags = { name = "string", label = "string", attr = "multi", tag = "multi", time = "string", data = "string",
              timeout = "number" },
    usage = "events track CUSTOM_ID --name N [--label L] [--attr NAME=VALUE]... [--tag T]... [--time T] | "
            .. "--data @FILE.jsonl|- [--timeout S]",
    summary = "track trigger events of users (one from options, or JSON Lines)",
    help = [[
With CUSTOM_ID, one event: --name (required), --label (at most 200 characters), --attr NAME=VALUE (at
most 15; a VALUE that is JSON, 30 or true, is taken as such, any other as a string; typed names
date(name), url(name)), --tag (at most 10, repeatable), --time (UTC, 2024-05-01T12:00:00, or a Unix time;
within the last 24 hours; default: when Batch gets it). Prints Batch's answer.
With --data @FILE.jsonl (or - for stdin), JSON Lines: one {"id": CUSTOM_ID, "events": [...]} or
{"id": CUSTOM_ID, "name": ..., "label": ..., ...} (one event) per line, sent through the library's
queue: calls of up to 1000 events, each user's in order, what failed in a way that may be retried
(429, 5xx, the network) sent again, for at most --timeout seconds once the input is read (default
300); a progress line on a terminal. Each event is checked as it is read: a bad line stops the
reading there (exit 2) once the lines before it are sent (stderr gives the tail -n +N that resends
the rest). Prints {"lines", "events", "sent", "dropped", "batches"} and, when events were not
applied, their list as "errors" ({"line", "custom_id", "error", "reason"}), each also said on stderr;
exit status 1 when Batch refused some, 75 when the timeout passed first (send the lines named
again).]],
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
        if o.timeout and o.timeout < 0 then ctx.fail("--timeout must be 0 or more seconds") end
        return track_lines(ctx, ctx:client(), o.data, o.timeout or DEADLINE)
      end
      if o.timeout then ctx.fail("--timeout goes with --data (the queue's), not with one event") end
      if not w[1] then ctx.fail("missing CUSTOM_ID (or --data with JSON Lines)") end
      if not o.name then ctx.fail("--name is required (the event's name)") end
      return results.value(ctx, ctx:client().events:track(w[1], { event_of(o, ctx.fail) }))
    end,
  },
}
