-- `batch orchestrations list|stats|delete`: campaigns and orchestrations of a project, 2.x
-- (../shared/batch-api.md §11).
local results = require "batch.cli.results"

local COLUMNS = { "id", "name", "type", "status", "channels", "platforms", "source", "created_date", "start_time" }

return {
  {
    name = "orchestrations list", keys = "2", flags = results.CURSOR_FLAGS,
    usage = "orchestrations list [--from CURSOR] [--limit N] [--all]",
    summary = "list the project's orchestrations (campaigns and automations)",
    help = results.cursor_help("orchestration"),
    examples = {
      "orch=$(batch orchestrations list --limit 1 --field id)",
      "batch orchestrations list --all --field id --field type --field status",
    },
    run = function(ctx, _, o)
      return results.cursor_list(ctx, o, ctx:client().orchestrations, "orchestrations", COLUMNS,
                                 "orchestrations list")
    end,
  },
  {
    name = "orchestrations stats", args = { "ID" }, keys = "2", flags = { from = "string", to = "string" },
    usage = "orchestrations stats ID --from YYYY-MM-DD [--to YYYY-MM-DD]",
    summary = "show an orchestration's daily statistics",
    help = [[
--from is the first day (required; not earlier than 6 months ago), --to the last (default: today, UTC).
With --csv, one row per day of `details` (A/B versions as a JSON column).]],
    examples = {
      "batch orchestrations stats \"$orch\" --from \"$(date -u +%Y-%m-%d)\" --field details.0.sent",
      "batch orchestrations stats \"$orch\" --from \"$(date -u +%Y-%m-%d)\" --csv",
    },
    run = function(ctx, w, o)
      if not o.from then ctx.fail("--from is required (a day like 2024-05-01)") end
      return results.stats(ctx, "details", ctx:client().orchestrations:stats(w[1], { from = o.from, to = o.to }))
    end,
  },
  {
    name = "orchestrations delete", args = { "ID" }, keys = "2",
    usage = "orchestrations delete ID",
    summary = "delete a campaign (orchestration) made through the API or the dashboard",
    help = "Prints {\"id\", \"ok\": true}.",
    examples = { "batch orchestrations delete \"$orch\"" },
    run = function(ctx, w)
      return results.written(ctx, { id = w[1] }, ctx:client().orchestrations:delete(w[1]))
    end,
  },
}
