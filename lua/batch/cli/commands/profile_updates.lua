-- `batch profiles update`: the Profile API 2.x updates (../shared/batch-api.md §7), JSON Lines of
-- profiles: through the library's queue (profiles/update, 200 a call, within Batch's 300 custom IDs a
-- second), or with --mass in calls of 10 000 (profiles/mass-update), one at a time. Partial errors
-- (Batch applied the rest of the batch) are told with the input line they are about.
local input = require "batch.cli.input"
local results = require "batch.cli.results"
local batches = require "batch.cli.batches"
local queued = require "batch.cli.queued"

local ipairs, type, tostring, tonumber = ipairs, type, tostring, tonumber
local format = string.format

local MASS_PER_CALL = 10000
local DEADLINE = 300  -- seconds the queue may take to send what waits once the input is read

-- The line of stderr of a partial error: "line 12: attribute $email_address: must be an email address".
local function partial_line(e)
  local what = e.attribute and ("attribute " .. tostring(e.attribute)) or tostring(e.category or "profile")
  return format("%s: %s: %s", e.line and ("line " .. e.line) or "a line", what, tostring(e.reason or "refused"))
end

-- --mass: calls of 10 000 profiles, one at a time (mass-update is for dumps: no queue, no rate).
local function mass_update(ctx, client, data)
  local errors, custom_ids = {}, {}
  local b = batches.new(ctx, {
    max = MASS_PER_CALL,
    send = function(profiles)
      custom_ids = {}
      for i, p in ipairs(profiles) do custom_ids[i] = type(p.identifiers) == "table" and p.identifiers.custom_id end
      return client.profiles:mass_update(profiles)
    end,
    -- each partial error names a profile of the batch by its index from 0 (bulk_index)
    on_answer = function(answer, lines)
      for _, e in ipairs(type(answer) == "table" and type(answer.errors) == "table" and answer.errors or {}) do
        local k = tonumber(e.bulk_index)
        local line = { line = k and lines[k + 1], custom_id = k and custom_ids[k + 1], category = e.category,
                       attribute = e.attribute, reason = e.reason }
        errors[#errors + 1] = line
        ctx.note(partial_line(line))
      end
    end,
  })
  local ok, err = b:send_all(function(p) return p end, input.json_lines(data, ctx.fail))
  if not ok then return nil, err end
  local summary = { profiles = b.accepted, batches = b.batches, partial_errors = #errors }
  if #errors > 0 then summary.errors = errors end
  results.value(ctx, summary)
  if #errors == 0 then return true end
  local places = {}
  for _, e in ipairs(errors) do places[#places + 1] = e.line end
  return nil, queued.partial_error(#errors, queued.places_text(places))
end

-- Without --mass: each line a queue add; the summary once the queue has sent (or given up on) all.
local function update(ctx, client, data, deadline)
  local sender = queued.new(ctx, client, { key = queued.profile_key, deadline = deadline })
  local err, stopped_at
  for place, profile, why in input.json_lines(data, ctx.fail) do
    if profile == nil then err = { name = "INVALID_ARGUMENT", message = "line " .. place .. ": " .. why } end
    if not err then
      local ok, add_err = sender:add(place, profile, "update_profile", profile)
      if not ok then err = add_err end
    end
    if err then stopped_at = place break end
  end
  local summary, final = sender:finish(err, stopped_at)
  summary.profiles = sender.accepted
  if sender.accepted > 0 or not final then results.value(ctx, summary) end  -- (a first line refused: nothing)
  if final then return nil, final end
  return true
end

return {
  {
    name = "profiles update", keys = "2", flags = { data = "string", mass = "switch", timeout = "number" },
    usage = "profiles update --data @FILE.jsonl|- [--timeout S] | --data @FILE.jsonl|- --mass",
    summary = "create or update profiles from JSON Lines (2.x)",
    help = [[
--data @FILE.jsonl (or - for stdin): one profile per line, {"identifiers": {"custom_id": ...},
"attributes": {...}, "events": [...]} (a profile is created when none has the custom ID; a null
attribute removes it). Sent through the library's queue: calls of up to 200 profiles
(profiles/update) within Batch's 300 custom IDs a second, what failed in a way that may be retried
(429, 5xx, the network) sent again, for at most --timeout seconds once the input is read (default
300); a progress line on a terminal. Prints {"profiles", "sent", "dropped", "batches",
"partial_errors"} and, when items were not applied, their list as "errors" ({"line", "custom_id",
"error", "category", "attribute", "reason"}), each also said on stderr. Exit status 1 when Batch
refused some (partial errors: it applied the rest), 75 when the timeout passed first (send the lines
named again), 2 when a line is not a profile: the lines before it are sent, and it and the rest are
not (stderr gives the tail -n +N that resends them).
With --mass: calls of 10 000 profiles (profiles/mass-update, for dumps once or twice a day), one at a
time, in order; prints {"profiles", "batches", "partial_errors"}; when a call fails, stderr says which
lines Batch accepted and from which line on nothing was sent.]],
    examples = {
      "batch profiles update --data @profiles.jsonl --timeout 60",
      "printf '%s\\n' '{\"identifiers\": {\"custom_id\": \"user-9\"}, \"attributes\": {\"$language\": \"fr\"}}' "
        .. "| batch profiles update --data - --field profiles",
      "batch profiles update --data @profiles.jsonl --mass --field batches",
    },
    run = function(ctx, _, o)
      if not o.data then ctx.fail("--data is required: @FILE.jsonl, or - for stdin") end
      if o.mass then
        if o.timeout then ctx.fail("--timeout goes with the queue, not with --mass (whose calls go one at a time)") end
        return mass_update(ctx, ctx:client(), o.data)
      end
      if o.timeout and o.timeout < 0 then ctx.fail("--timeout must be 0 or more seconds") end
      return update(ctx, ctx:client(), o.data, o.timeout or DEADLINE)
    end,
  },
}
