-- `batch transactional send|stats`: the Transactional API 1.1, a push to listed users of one app
-- (../shared/batch-api.md §6).
local input = require "batch.cli.input"
local results = require "batch.cli.results"

local ipairs = ipairs

-- The recipient options and the key of `recipients` each fills.
local RECIPIENTS = { { "custom-ids", "custom_ids" }, { "install-ids", "install_ids" }, { "tokens", "tokens" } }
local BODY_OPTIONS = { "group-id", "custom-ids", "install-ids", "tokens", "title", "body", "deeplink" }

-- The body of a send from the options.
local function body_of(o, fail)
  if not o["group-id"] then fail("--group-id is required (or --data with the whole body)") end
  local recipients, n = {}, 0
  for _, r in ipairs(RECIPIENTS) do
    local ids = input.list_values(o[r[1]], fail, r[1])
    if #ids > 0 then recipients[r[2]], n = ids, n + #ids end
  end
  if n == 0 then fail("no recipient: give --custom-ids, --install-ids or --tokens") end
  if not o.title and not o.body then fail("the message needs --title and/or --body") end
  return { group_id = o["group-id"], recipients = recipients, message = { title = o.title, body = o.body },
           deeplink = o.deeplink }
end

return {
  {
    name = "transactional send", keys = "1",
    flags = { ["group-id"] = "string", ["custom-ids"] = "multi", ["install-ids"] = "multi", tokens = "multi",
              title = "string", body = "string", deeplink = "string", data = "string" },
    usage = "transactional send --group-id G --custom-ids|--install-ids|--tokens ID,...|- [--title T] [--body B] "
            .. "[--deeplink URL] | --data @FILE.json|-",
    summary = "send a transactional push to listed users; prints Batch's token",
    help = [[
--group-id names the push for the statistics (letters, digits, '_' and '-'; not unique). The recipients
are custom ids, install ids or device tokens: comma-separated lists, each option repeatable, and - reads
them from stdin, one per line (an id holding a comma goes that way). --title and --body are the message,
--deeplink the URL it opens. --data @FILE.json (or - for stdin, or the JSON itself) sends that JSON object
as the whole body instead (Batch's fields: group_id, recipients, message, deeplink, priority,
time_to_live, media, ...: ../shared/batch-api.md §6.1, https://doc.batch.com/api/transactional/send).
Prints {"token": ...}, the transaction's token.
Batch keeps each platform's app apart: send once per app (--api-key).]],
    examples = {
      "batch transactional send --group-id welcome --custom-ids user-1,user-2 --title Hello --body 'Welcome aboard'",
      "printf 'user-1\\nuser-2\\n' | batch transactional send --group-id order_shipped --custom-ids - "
        .. "--body 'Your order is on its way' --deeplink https://example.com/orders",
      "batch transactional send --data @push.json --field token",
    },
    run = function(ctx, _, o)
      local body
      if o.data then
        for _, k in ipairs(BODY_OPTIONS) do
          if o[k] ~= nil then ctx.fail("--data cannot go with --" .. k) end
        end
        body = input.data_object(o.data, ctx.fail)
      else
        body = body_of(o, ctx.fail)
      end
      return results.value(ctx, ctx:client().transactional:send(body))
    end,
  },
  {
    name = "transactional stats", args = { "GROUP_ID" }, keys = "1", flags = { from = "string", to = "string" },
    usage = "transactional stats GROUP_ID --from YYYY-MM-DD [--to YYYY-MM-DD]",
    summary = "show the daily statistics of a group's transactional pushes",
    help = [[
--from is the first day (required), --to the last (default: today, UTC); the window is at most 6 months
and needs a live API key. With --csv, one row per day of `detail`.]],
    examples = {
      "batch transactional stats welcome --from \"$(date -u +%Y-%m-%d)\" --field detail.0.sent",
      "batch transactional stats welcome --from \"$(date -u +%Y-%m-%d)\" --csv",
    },
    run = function(ctx, w, o)
      if not o.from then ctx.fail("--from is required (a day like 2024-05-01)") end
      return results.stats(ctx, "detail", ctx:client().transactional:stats(w[1], { from = o.from, to = o.to }))
    end,
  },
}
