-- `batch custom-data set|delete`: the Custom Data API 1.0, attributes of an app's users by custom ID
-- (../shared/batch-api.md §8).
local input = require "batch.cli.input"
local results = require "batch.cli.results"
local batches = require "batch.cli.batches"

local MAX_IDS = 10000  -- custom IDs per bulk call (§8.2)

return {
  {
    name = "custom-data set", args = { "CUSTOM_ID" }, keys = "1",
    flags = { data = "string", value = "multi", overwrite = "switch" },
    usage = "custom-data set CUSTOM_ID|- (--data @FILE.json|-|JSON | --value NAME=VALUE...) [--overwrite]",
    summary = "set a user's custom data attributes; prints Batch's token",
    help = [[
--data is a JSON object of attribute names and values ({"plan": "premium", "age": 30}); --value
NAME=VALUE sets one (repeatable): a VALUE that is JSON (30, 1.5, true, null, "007", ["a","b"]) is taken
as such, any other as a string. null removes the attribute; names may be typed, date(name) and url(name).
Without --overwrite the values are merged into what the user has; with it they replace it all.
CUSTOM_ID - reads the custom ID from stdin (one line).]],
    examples = {
      "batch custom-data set user-1 --value plan=premium --value age=30 --value 'date(renewal)=2030-01-01T00:00:00'",
      "batch custom-data set user-2 --data '{\"plan\": \"free\", \"beta\": true}' --overwrite",
      "batch custom-data set user-1 --value beta=null --field token",
    },
    run = function(ctx, w, o)
      if o.data and o.value then ctx.fail("--data and --value cannot go together") end
      local values = o.data and input.data_object(o.data, ctx.fail) or input.assignments(o.value, ctx.fail, "value")
      if not values then ctx.fail("give the values: --data '{\"name\": value}' or --value NAME=VALUE") end
      local ids = input.id_lines(w, ctx.fail, "CUSTOM_ID")
      if #ids > 1 then ctx.fail("one CUSTOM_ID expected on stdin, got " .. #ids) end
      return results.value(ctx, ctx:client().custom_data:set(ids[1], values, { overwrite = o.overwrite }))
    end,
  },
  {
    name = "custom-data delete", args = { "CUSTOM_ID..." }, keys = "1",
    usage = "custom-data delete CUSTOM_ID...|-",
    summary = "delete users' custom data; prints Batch's token",
    help = [[
One custom ID calls the user's route and prints {"token": ...}. Several, or - (stdin, one per line),
call the bulk route, 10 000 a call, each call printing one line {"ids": N, "ok": true, "token": ...}.]],
    examples = {
      "batch custom-data delete user-2",
      "printf 'user-1\\nuser-3\\n' | batch custom-data delete - --field token",
    },
    run = function(ctx, w)
      local ids = input.id_lines(w, ctx.fail, "CUSTOM_ID")
      local cd = ctx:client().custom_data
      if #ids == 1 and w[1] ~= "-" then return results.value(ctx, cd:delete(ids[1])) end
      return batches.ids(ctx, ids, MAX_IDS, function(batch) return cd:delete_many(batch) end)
    end,
  },
}
