-- `batch campaign ...` and `batch inapp ...`: push and in-app campaigns (API 1.1). One builder makes
-- both groups: they differ only in the library resource and a few words.
local input = require "batch.cli.input"
local results = require "batch.cli.results"

local ipairs = ipairs

local CAMPAIGN_COLUMNS = { "campaign_token", "name", "live", "from_api", "dev_only", "created_date", "push_time",
                           "start_date", "end_date" }

local LIST_FLAGS = { from = "int", limit = "int", live = "bool", ["from-api"] = "bool", all = "switch" }

local LIST_HELP = [[
Without --all, one page: --from is the offset (newest first, default 0), --limit the page size (1 to 100,
default 10). With --all, every campaign, page by page (--limit is then the page size, default 100).
--live and --from-api keep only the campaigns whose field has that value.]]

local DATA_HELP = [[
--data @FILE.json reads the body from a file, --data - from stdin, --data '{...}' is the JSON itself;
it must be a JSON object (Batch's fields: ../shared/batch-api.md §1.3, §2; the doc pages of
https://doc.batch.com/api/campaigns/parameters).]]

-- `get TOKEN`, or `get -` with tokens on stdin (fetched in parallel, printed in their order).
local function get(resource, name)
  return function(ctx, w)
    local tokens = input.ids(w[1], ctx.fail, "TOKEN")
    local r = ctx:client()[resource]
    if #tokens == 1 then return results.value(ctx, r:get(tokens[1])) end
    local found, errs = r:get_many(tokens)
    local out, last = ctx.out:list(), nil
    for _, t in ipairs(tokens) do
      if found[t] then
        out:add(found[t])
      else
        if last then ctx.report(last) end
        last = errs[t] or { name = "ROUTE_NOT_FOUND", message = name .. " " .. t .. " not found" }
      end
    end
    out:close()
    if last then return nil, last end
    return true
  end
end

local function list(resource)
  return function(ctx, _, opts)
    if opts.all and opts.from then ctx.fail("--all and --from cannot go together") end
    local r = ctx:client()[resource]
    if opts.all then
      return results.iter(ctx, ctx.out:list{ first = CAMPAIGN_COLUMNS }, nil,
                          r:each{ live = opts.live, from_api = opts["from-api"], page_size = opts.limit })
    end
    local page, err = r:list{ from = opts.from, limit = opts.limit, live = opts.live, from_api = opts["from-api"] }
    if not page then return nil, err end
    return results.list(ctx, page, { first = CAMPAIGN_COLUMNS })
  end
end

-- Prints { ok = true, campaign_token = T } for an update or delete that Batch answered with 2xx.
local function done(ctx, token, ok, err)
  if not ok then return nil, err end
  return results.value(ctx, { ok = true, campaign_token = token })
end

-- The commands of one group: `g` ("campaign"), the library resource, the nouns of the summaries, and
-- the shell variables its examples use (an existing token, one made by create, the body file).
local function group(g, resource, noun, nouns, vars, extra)
  local token_var, new_var, file = vars[1], vars[2], vars[3]
  local cmds = {
    {
      name = g .. " get", args = { "TOKEN" }, keys = "1",
      usage = g .. " get TOKEN|-",
      summary = "show " .. noun,
      help = "TOKEN - reads tokens from stdin (white-space separated): one campaign per line, fetched in parallel.",
      examples = { "batch " .. g .. " get \"" .. token_var .. "\"",
                   "batch " .. g .. " list --limit 3 --field campaign_token | batch " .. g .. " get - --field name" },
      run = get(resource, noun),
    },
    {
      name = g .. " list", keys = "1", flags = LIST_FLAGS,
      usage = g .. " list [--from N] [--limit N] [--live true|false] [--from-api true|false] [--all]",
      summary = "list " .. nouns,
      help = LIST_HELP,
      examples = { "batch " .. g .. " list --limit 5 --live true",
                   "batch " .. g .. " list --all --field campaign_token --field name",
                   "batch " .. g .. " list --all --csv > " .. g .. "s.csv" },
      run = list(resource),
    },
    {
      name = g .. " create", keys = "1", flags = { data = "string" },
      usage = g .. " create --data @FILE.json|-|JSON",
      summary = "create " .. noun .. " from a JSON body; prints its campaign_token",
      help = DATA_HELP,
      examples = { new_var:sub(2) .. "=$(batch " .. g .. " create --data @" .. file .. " --field campaign_token)",
                   "batch " .. g .. " create --data - < " .. file },
      run = function(ctx, _, opts)
        if not opts.data then ctx.fail("--data is required") end
        local body = input.data_object(opts.data, ctx.fail)
        return results.value(ctx, ctx:client()[resource]:create(body))
      end,
    },
    {
      name = g .. " update", args = { "TOKEN" }, keys = "1", flags = { data = "string" },
      usage = g .. " update TOKEN|- --data @FILE.json|-|JSON",
      summary = "update " .. noun .. " (created through the API) from a JSON body",
      help = DATA_HELP .. "\nBatch wants at least the fields the campaign was created with. Prints " ..
             "{\"campaign_token\": ..., \"ok\": true}.",
      examples = { "sed 's/" .. (g == "campaign" and "Spring sale" or "Welcome") .. "/Renamed/' " .. g
                   .. ".json | batch " .. g .. " update \"" .. new_var .. "\" --data -" },
      run = function(ctx, w, opts)
        if not opts.data then ctx.fail("--data is required") end
        local body = input.data_object(opts.data, ctx.fail)
        local token = input.id(w[1], ctx.fail, "TOKEN")
        return done(ctx, token, ctx:client()[resource]:update(token, body))
      end,
    },
    {
      name = g .. " delete", args = { "TOKEN" }, keys = "1",
      usage = g .. " delete TOKEN|-",
      summary = "delete " .. noun,
      help = "Prints {\"campaign_token\": ..., \"ok\": true}.",
      examples = { "batch " .. g .. " delete \"" .. new_var .. "\"" },
      run = function(ctx, w)
        local token = input.id(w[1], ctx.fail, "TOKEN")
        return done(ctx, token, ctx:client()[resource]:delete(token))
      end,
    },
  }
  for _, c in ipairs(extra or {}) do table.insert(cmds, 3, c) end
  return cmds
end

local stats = {
  name = "campaign stats", args = { "TOKEN" }, keys = "1",
  usage = "campaign stats TOKEN|-",
  summary = "show a push campaign's statistics",
  help = "With --csv, one row per day of `detail` (nested A/B versions as dotted columns).",
  examples = { "batch campaign stats \"$token\" --field detail.0.date --field detail.0.sent",
               "batch campaign stats \"$token\" --csv" },
  run = function(ctx, w)
    return results.stats(ctx, "detail", ctx:client().campaigns:stats(input.id(w[1], ctx.fail, "TOKEN")))
  end,
}

local all = {}
local push_vars = { "$token", "$new", "campaign.json" }
for _, c in ipairs(group("campaign", "campaigns", "a push campaign", "push campaigns", push_vars, { stats })) do
  all[#all + 1] = c
end
for _, c in ipairs(group("inapp", "inapp_campaigns", "an in-app campaign", "in-app campaigns",
                         { "$inapp", "$new_inapp", "inapp.json" })) do
  all[#all + 1] = c
end
return all
