-- `batch profiles update`: the Profile API 2.x updates (../shared/batch-api.md §7), JSON Lines of
-- profiles sent in batches: 200 a call (profiles/update), or 10 000 with --mass (profiles/mass-update).
-- Partial errors (Batch applied the rest of the batch) are told with the input line they are about.
local input = require "batch.cli.input"
local results = require "batch.cli.results"
local batches = require "batch.cli.batches"

local ipairs, type, tostring, tonumber, min = ipairs, type, tostring, tonumber, math.min
local format, concat = string.format, table.concat

local PER_CALL = { update = 200, mass = 10000 }

-- The sending step: one call per batch of profiles. When the library's queue (client:queue) comes, the
-- non---mass `batch profiles update` sends through it: this is what changes.
local function send_profiles(client, mass, profiles)
  if mass then return client.profiles:mass_update(profiles) end
  return client.profiles:update(profiles)
end

-- The line of stderr of a partial error: "line 12: attribute $email_address: must be an email address".
local function partial_line(e)
  local what = e.attribute and ("attribute " .. tostring(e.attribute)) or tostring(e.category or "profile")
  return format("%s: %s: %s", e.line and ("line " .. e.line) or "a line", what, tostring(e.reason or "refused"))
end

return {
  {
    name = "profiles update", keys = "2", flags = { data = "string", mass = "switch" },
    usage = "profiles update --data @FILE.jsonl|- [--mass]",
    summary = "create or update profiles from JSON Lines (2.x)",
    help = [[
--data @FILE.jsonl (or - for stdin): one profile per line, {"identifiers": {"custom_id": ...},
"attributes": {...}, "events": [...]} (a profile is created when none has the custom ID; a null
attribute removes it). Sent in calls of 200 profiles (profiles/update), or 10 000 with --mass
(profiles/mass-update, for dumps once or twice a day), in order. Prints {"profiles", "batches",
"partial_errors"} and, when Batch refused some attributes or events while applying the rest, their
list as "errors" ({"line", "custom_id", "category", "attribute", "reason"}), each also one line on
stderr; the exit status is then 1. When a call fails, stderr says which lines Batch accepted and from
which line on nothing was sent.]],
    examples = {
      "batch profiles update --data @profiles.jsonl",
      "printf '%s\\n' '{\"identifiers\": {\"custom_id\": \"user-9\"}, \"attributes\": {\"$language\": \"fr\"}}' "
        .. "| batch profiles update --data - --field profiles",
      "batch profiles update --data @profiles.jsonl --mass --field batches",
    },
    run = function(ctx, _, o)
      if not o.data then ctx.fail("--data is required: @FILE.jsonl, or - for stdin") end
      local client = ctx:client()
      local errors, custom_ids = {}, {}
      local b = batches.new(ctx, {
        max = o.mass and PER_CALL.mass or PER_CALL.update,
        send = function(profiles)
          custom_ids = {}
          for i, p in ipairs(profiles) do custom_ids[i] = type(p.identifiers) == "table" and p.identifiers.custom_id end
          return send_profiles(client, o.mass, profiles)
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
      local ok, err = b:send_all(function(p) return p end, input.json_lines(o.data, ctx.fail))
      if not ok then return nil, err end
      local summary = { profiles = b.accepted, batches = b.batches, partial_errors = #errors }
      if #errors > 0 then summary.errors = errors end
      results.value(ctx, summary)
      if #errors == 0 then return true end
      local lines = {}
      for i = 1, min(#errors, 5) do lines[i] = tostring(errors[i].line or "?") end
      return nil, { name = "PARTIAL_ERROR", message = format("%d partial error%s (lines %s%s): Batch applied the rest",
                    #errors, #errors == 1 and "" or "s", concat(lines, ", "), #errors > 5 and ", ..." or "") }
    end,
  },
}
