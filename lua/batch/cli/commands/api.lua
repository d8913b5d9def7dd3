-- `batch api METHOD PATH`: any route of Batch's API, as `gh api` does: the client adds the keys
-- (`/1.0/...` and `/1.1/...` get the API key after the version and X-Authorization; `/2.N/...` or
-- `/2/...` the Bearer REST key and X-Batch-Project) and every key is redacted in what is printed.
local input = require "batch.cli.input"
local results = require "batch.cli.results"

local type, upper, match = type, string.upper, string.match

return {
  {
    name = "api", args = { "METHOD", "PATH" }, flags = { data = "string", query = "multi" },
    usage = "api METHOD PATH [--data @FILE|-|TEXT] [--query NAME=VALUE]...",
    summary = "call any route of Batch's API with the keys added; prints the answer",
    help = [[
PATH starts with the API version: /1.1/campaigns/list (the API key is put after the version), or
/2.11/profiles/update, /2/exports/list (2: the client's 2.x version). --query adds NAME=VALUE to the
query string (repeatable; encoded for you); --data sends a body (@FILE, - for stdin, or the text itself;
JSON unless Batch's route says otherwise). A JSON answer prints as JSON (an array as one line per item),
any other answer as it came; --field picks values out of it. A status other than 2xx is an error.]],
    examples = {
      "batch api GET /1.1/campaigns/list --query limit=2 --field campaign_token",
      "batch api POST /1.1/campaigns/create --data @campaign.json",
      "batch api GET /2/exports/list --query limit=1",
    },
    run = function(ctx, w, opts)
      local method, path = upper(w[1]), w[2]
      if not match(method, "^%u+$") then ctx.fail("METHOD must be a word such as GET or POST, got '" .. w[1] .. "'") end
      if not match(path, "^/[12]") then
        ctx.fail("PATH must start with the API version (/1.0/, /1.1/, /2.N/ or /2/), got '" .. path .. "'")
      end
      local body = opts.data and input.data_text(opts.data, ctx.fail) or nil
      local query = input.query(opts.query, ctx.fail)
      local c = ctx:client(path:match("^/1") and "1" or "2")
      if type(c.api) ~= "function" then
        return nil, { name = "INVALID_ARGUMENT", message = "this lua-batch has no client:api (batch api needs it)" }
      end
      local res, err = c:api(method, path, { body = body, query = query })
      if not res then return nil, err end
      if res.json ~= nil then
        if type(res.json) == "table" and #res.json > 0 then return results.list(ctx, res.json) end
        return results.value(ctx, res.json)
      end
      if res.body and res.body ~= "" then
        ctx.out:write(res.body)
        ctx.out:flush()
      end
      return true
    end,
  },
}
