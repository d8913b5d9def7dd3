-- `batch gdpr request|status|list`: the GDPR API 1.0, data review and removal requests of an app's
-- users (../shared/batch-api.md §12).
local input = require "batch.cli.input"
local results = require "batch.cli.results"

local COLUMNS = { "request_id", "request_type", "status", "request_date", "id" }

return {
  {
    name = "gdpr request", keys = "1",
    flags = { type = "string", ["id-type"] = "string", id = "string", callback = "string" },
    usage = "gdpr request --type review|remove [--id-type custom_id] --id VALUE [--callback URL]",
    summary = "request a user's data (review) or its removal (remove); prints its request_id",
    help = [[
--type review asks for a report of the user's data, --type remove removes it (for good). --id is the
user's identifier, of the type --id-type (default custom_id; advertising_id too). --callback is a URL
Batch calls once the request is done. Prints {"request_id": ...}: what `batch gdpr status` takes.]],
    examples = {
      "rid=$(batch gdpr request --type review --id user-1 --callback https://example.com/gdpr-done --field request_id)",
      "batch gdpr request --type remove --id-type custom_id --id user-3",
    },
    run = function(ctx, _, o)
      if not o.type then ctx.fail("--type is required: review or remove") end
      if not o.id then ctx.fail("--id is required (the user's identifier)") end
      return results.value(ctx, ctx:client().gdpr:request{
        request_type = o.type, id = { type = o["id-type"] or "custom_id", value = o.id }, callback_url = o.callback })
    end,
  },
  {
    name = "gdpr status", args = { "REQUEST_ID" }, keys = "1",
    usage = "gdpr status REQUEST_ID|-",
    summary = "show a GDPR request (status pending or done, data_url of a review, ...)",
    examples = { "batch gdpr status \"$rid\" --field status" },
    run = function(ctx, w)
      return results.value(ctx, ctx:client().gdpr:get(input.id(w[1], ctx.fail, "REQUEST_ID")))
    end,
  },
  {
    name = "gdpr list", keys = "1",
    usage = "gdpr list",
    summary = "list the app's GDPR requests of the last 20 to 30 days (newest first)",
    examples = { "batch gdpr list --field request_id --field request_type --field status" },
    run = function(ctx)
      local all, err = ctx:client().gdpr:list()
      if not all then return nil, err end
      return results.list(ctx, all, { first = COLUMNS })
    end,
  },
}
