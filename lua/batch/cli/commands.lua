-- The commands of `batch`. Each spec: name ("group sub"), args (positional names), flags (option -> type,
-- see args.lua), keys ("1": api_key and rest_key; "2": rest_key and project_key), usage, summary, help,
-- and run(ctx, words, opts) -> true, or nil and a batch.Error (exit 1). ctx (see init.lua) gives
-- ctx:client(), ctx.out (output.lua), ctx.progress (progress.lua) and ctx.fail(message) (a usage error).
local json = require "batch.json"

local ipairs, type, tostring, open, remove = ipairs, type, tostring, io.open, os.remove
local format, match = string.format, string.match

local CAMPAIGN_COLUMNS = { "campaign_token", "name", "live", "from_api", "dev_only", "created_date", "push_time",
                           "start_date", "end_date" }
local EXPORT_COLUMNS = { "id", "status", "request_date", "completion_date", "uri", "file_url", "error_msg" }
local VIEW_COLUMNS = { "id", "status", "scope", "request_date", "start_date", "completion_date" }

-- Prints the items of an iterator that yields item, or false, err (the library's each/rows/records),
-- given as the values of a generic for (on Lua 5.4 the fourth, a to-be-closed value, cleans up on
-- break). Stops after `limit` items when given. Returns true, or nil, err.
local function print_iter(ctx, w, limit, ...)
  local n = 0
  if limit ~= 0 then
    for item, err in ... do
      ctx.progress:finish()  -- a download's progress line ends before the first item
      if not item then w:close() return nil, err end
      w:add(item)
      n = n + 1
      if limit and n >= limit then break end
    end
  end
  w:close()
  return true
end

local function print_list(ctx, items, csv, first)
  local w = csv and ctx.out:csv(nil, first) or ctx.out:list()
  for _, item in ipairs(items) do w:add(item) end
  w:close()
  return true
end

local function print_value(ctx, v, err)
  if v == nil then return nil, err end
  ctx.out:value(v)
  return true
end

-- The poll options of the wait commands.
local function wait_options(ctx, opts, label)
  local o = { on_poll = ctx.progress:poller(label), timeout = opts.timeout }
  if opts.interval then o.interval, o.max_interval = opts.interval, opts.interval end
  return o
end

-- The CSV header of a downloaded 1.0 export (';'-separated, maybe a BOM and quoted names).
local function csv_header(path)
  local f = open(path, "rb")
  if not f then return nil end
  local line = f:read("*l") or ""
  f:close()
  line = line:gsub("^\239\187\191", ""):gsub("\r$", "")
  local cols = {}
  for name in (line .. ";"):gmatch("(.-);") do
    cols[#cols + 1] = match(name, '^"(.*)"$') and name:sub(2, -2):gsub('""', '"') or name
  end
  return cols
end

------------------------------------------------------------------------------------------------------
-- campaign / inapp
------------------------------------------------------------------------------------------------------
local LIST_FLAGS = { from = "int", limit = "int", live = "bool", ["from-api"] = "bool", all = "switch",
                     csv = "switch" }

local function campaign_list(resource)
  return function(ctx, _, opts)
    if opts.all and opts.from then ctx.fail("--all and --from cannot go together") end
    local r = ctx:client()[resource]
    if opts.all then
      local w = opts.csv and ctx.out:csv(nil, CAMPAIGN_COLUMNS) or ctx.out:list()
      return print_iter(ctx, w, nil, r:each{ live = opts.live, from_api = opts["from-api"], page_size = opts.limit })
    end
    local page, err = r:list{ from = opts.from, limit = opts.limit, live = opts.live, from_api = opts["from-api"] }
    if not page then return nil, err end
    return print_list(ctx, page, opts.csv, CAMPAIGN_COLUMNS)
  end
end

local LIST_HELP = [[
Without --all, one page: --from is the offset (newest first, default 0), --limit the page size (1 to 100,
default 10). With --all, every campaign, page by page (--limit is then the page size, default 100).
--live and --from-api keep only the campaigns whose field has that value.]]

local commands = {
  {
    name = "campaign get", args = { "TOKEN" }, keys = "1",
    usage = "campaign get TOKEN",
    summary = "show a push campaign",
    run = function(ctx, w) return print_value(ctx, ctx:client().campaigns:get(w[1])) end,
  },
  {
    name = "campaign list", keys = "1", flags = LIST_FLAGS,
    usage = "campaign list [--from N] [--limit N] [--live true|false] [--from-api true|false] [--all] [--csv]",
    summary = "list push campaigns",
    help = LIST_HELP,
    run = campaign_list("campaigns"),
  },
  {
    name = "campaign stats", args = { "TOKEN" }, keys = "1", flags = { csv = "switch" },
    usage = "campaign stats TOKEN [--csv]",
    summary = "show a push campaign's statistics",
    help = "With --csv, one row per day of `detail` (nested A/B versions as dotted columns).",
    run = function(ctx, w, opts)
      local stats, err = ctx:client().campaigns:stats(w[1])
      if not stats then return nil, err end
      if not opts.csv then return print_value(ctx, stats) end
      return print_list(ctx, stats.detail or {}, true, { "date" })
    end,
  },
  {
    name = "inapp get", args = { "TOKEN" }, keys = "1",
    usage = "inapp get TOKEN",
    summary = "show an in-app campaign",
    run = function(ctx, w) return print_value(ctx, ctx:client().inapp_campaigns:get(w[1])) end,
  },
  {
    name = "inapp list", keys = "1", flags = LIST_FLAGS,
    usage = "inapp list [--from N] [--limit N] [--live true|false] [--from-api true|false] [--all] [--csv]",
    summary = "list in-app campaigns",
    help = LIST_HELP,
    run = campaign_list("inapp_campaigns"),
  },

  ----------------------------------------------------------------------------------------------------
  -- export (API 1.0)
  ----------------------------------------------------------------------------------------------------
  {
    name = "export create", keys = "1",
    flags = { campaign = "string", ["inapp-campaign"] = "string", kind = "string", from = "string",
              to = "string", events = "list", ids = "list" },
    usage = "export create (--campaign T | --inapp-campaign T) [--kind events|ids] --from DATE [--to DATE] "
            .. "--events a,b --ids x,y",
    summary = "request a CSV export of a campaign (API 1.0)",
    help = [[
DATE is "now" or a UTC date like 2019-08-14T22:00:00; --to defaults to now, --kind to events (in-app
campaigns export only events). --events lists event names (push_sent,push_open,...), --ids the id
columns (install_id,custom_id,advertising_id). Prints the request info; its "id" is what the other
export commands take.]],
    run = function(ctx, _, o)
      if (o.campaign == nil) == (o["inapp-campaign"] == nil) then
        ctx.fail("give one of --campaign TOKEN or --inapp-campaign TOKEN")
      end
      for _, k in ipairs{ "from", "events", "ids" } do
        if o[k] == nil then ctx.fail("--" .. k .. " is required") end
      end
      return print_value(ctx, ctx:client().exports:create{
        campaign = o.campaign, inapp_campaign = o["inapp-campaign"], kind = o.kind or "events",
        from = o.from, to = o.to or "now", events = o.events, ids = o.ids,
      })
    end,
  },
  {
    name = "export list", keys = "1", flags = { csv = "switch" },
    usage = "export list [--csv]",
    summary = "list the app's export requests (newest first)",
    run = function(ctx, _, opts)
      local all, err = ctx:client().exports:list()
      if not all then return nil, err end
      return print_list(ctx, all, opts.csv, EXPORT_COLUMNS)
    end,
  },
  {
    name = "export status", args = { "ID" }, keys = "1",
    usage = "export status ID",
    summary = "show an export request (status, file_url, ...)",
    run = function(ctx, w) return print_value(ctx, ctx:client().exports:get(w[1])) end,
  },
  {
    name = "export wait", args = { "ID" }, keys = "1", flags = { timeout = "number", interval = "number" },
    usage = "export wait ID [--timeout S] [--interval S]",
    summary = "wait until an export is done, then show it",
    help = [[
Polls until the export is SUCCESS (exit 0), ERROR or EXPIRED (exit 1). --timeout bounds the whole wait
(default 1800 s; then WAIT_TIMEOUT); --interval polls every S seconds (default: 1 s, growing to 30 s).
Here --timeout is the wait's; use --request-timeout for each request's.]],
    run = function(ctx, w, opts)
      local c = ctx:client()
      local final, err = c.exports:wait(w[1], wait_options(ctx, opts, "export " .. w[1]))
      ctx.progress:wait_done(final)
      return print_value(ctx, final, err)
    end,
  },
  {
    name = "export download", args = { "ID", "PATH" }, keys = "1",
    usage = "export download ID PATH",
    summary = "download a finished export's CSV to PATH",
    help = [[
The file goes to PATH.part first and is renamed when complete: PATH is whole or absent.
Prints {"path": ..., "bytes": ...}.]],
    run = function(ctx, w)
      ctx.cleanup = function() remove(w[2] .. ".part") end
      local res, err = ctx:client().exports:download(w[1], w[2], {
        on_progress = ctx.progress:downloader("downloading " .. (match(w[2], "([^/]+)$") or w[2])) })
      ctx.progress:finish()
      return print_value(ctx, res, err)
    end,
  },
  {
    name = "export rows", args = { "ID" }, keys = "1", flags = { csv = "switch", limit = "int" },
    usage = "export rows ID [--csv] [--limit N]",
    summary = "print a finished export's rows",
    help = [[
Downloads the CSV to a temporary file and prints each row as a JSON object keyed by the header, or with
--csv as comma-separated CSV (the columns in the file's order). --limit N stops after N rows.]],
    run = function(ctx, w, opts)
      local c = ctx:client()
      local on_progress = ctx.progress:downloader("downloading export " .. w[1])
      if not opts.csv then
        local ok, err = print_iter(ctx, ctx.out:list(), opts.limit,
                                   c.exports:rows(w[1], { on_progress = on_progress }))
        ctx.progress:finish()
        return ok, err
      end
      local path = os.tmpname()
      ctx.cleanup = function() remove(path) remove(path .. ".part") end
      local out
      local ok, err = print_iter(ctx, {
        add = function(_, row)
          out = out or ctx.out:csv(csv_header(path))
          out:add(row)
        end,
        close = function()
          -- An export without rows still prints its header.
          local cols = not out and csv_header(path)
          if cols and cols[1] ~= "" then out = ctx.out:csv(cols) end
          if out then out:close() end
        end,
      }, opts.limit, c.exports:rows(w[1], { path = path, on_progress = on_progress }))
      ctx.progress:finish()
      remove(path)
      return ok, err
    end,
  },

  ----------------------------------------------------------------------------------------------------
  -- profiles / project-export (2.x)
  ----------------------------------------------------------------------------------------------------
  {
    name = "profiles export", keys = "2",
    flags = { type = "string", attributes = "list", identifiers = "list", events = "list", from = "string",
              to = "string", body = "string" },
    usage = "profiles export [--type ATTRIBUTES] [--attributes a,b] [--identifiers x,y] [--events e,f] "
            .. "[--from DATE] [--to DATE] | --body FILE.json",
    summary = "start a profile export (2.x); prints its id",
    help = [[
--type is the export_type (ATTRIBUTES, the default, EVENTS or REACHABILITY_EVENTS). An ATTRIBUTES export
needs --attributes and/or --identifiers; event exports take --events, --from and --to (RFC 3339 dates,
within the last 90 days). --body FILE.json (or - for stdin) sends that JSON object as the whole body
instead of the other options.]],
    run = function(ctx, _, o)
      local body
      if o.body then
        for _, k in ipairs{ "type", "attributes", "identifiers", "events", "from", "to" } do
          if o[k] ~= nil then ctx.fail("--body cannot go with --" .. k) end
        end
        local f = o.body == "-" and io.stdin or open(o.body, "rb")
        if not f then ctx.fail("cannot read " .. o.body) end
        local text = f:read("*a")
        if f ~= io.stdin then f:close() end
        local why
        body, why = json.decode(text or "")
        if type(body) ~= "table" then ctx.fail(o.body .. " is not a JSON object: " .. tostring(why or "")) end
      else
        body = { export_type = o.type or "ATTRIBUTES", attributes = o.attributes, identifiers = o.identifiers,
                 events = o.events, from = o.from, to = o.to }
      end
      return print_value(ctx, ctx:client().profiles:export(body))
    end,
  },
  {
    name = "project-export status", args = { "ID" }, keys = "2",
    usage = "project-export status ID",
    summary = "show a project export (status, files, ...)",
    run = function(ctx, w) return print_value(ctx, ctx:client().project_exports:get(w[1])) end,
  },
  {
    name = "project-export list", keys = "2",
    flags = { from = "string", limit = "int", all = "switch", csv = "switch" },
    usage = "project-export list [--from CURSOR] [--limit N] [--all] [--csv]",
    summary = "list the project's exports (newest first)",
    help = [[
One page (--limit 1 to 100, default 10) starting at cursor --from; when there are more, the next
cursor is printed on stderr. --all lists every export, page by page.]],
    run = function(ctx, _, opts)
      local pe = ctx:client().project_exports
      if opts.all then
        if opts.from then ctx.fail("--all and --from cannot go together") end
        local w = opts.csv and ctx.out:csv(nil, VIEW_COLUMNS) or ctx.out:list()
        return print_iter(ctx, w, nil, pe:each{ page_size = opts.limit })
      end
      local page, err = pe:list{ from = opts.from, limit = opts.limit }
      if not page then return nil, err end
      print_list(ctx, page.exports, opts.csv, VIEW_COLUMNS)
      if page.has_more and type(page.next_from) == "string" then
        ctx.note("more exports: batch project-export list --from " .. page.next_from)
      end
      return true
    end,
  },
  {
    name = "project-export wait", args = { "ID" }, keys = "2", flags = { timeout = "number", interval = "number" },
    usage = "project-export wait ID [--timeout S] [--interval S]",
    summary = "wait until a project export is done, then show it",
    help = [[
Polls until the export is SUCCESS (exit 0) or ERROR (exit 1). --timeout bounds the whole wait (default
1800 s; then WAIT_TIMEOUT); --interval polls every S seconds (default: 1 s, growing to 30 s).]],
    run = function(ctx, w, opts)
      local final, err = ctx:client().project_exports:wait(w[1], wait_options(ctx, opts, "export " .. w[1]))
      ctx.progress:wait_done(final)
      return print_value(ctx, final, err)
    end,
  },
  {
    name = "project-export download", args = { "ID", "DIR" }, keys = "2",
    usage = "project-export download ID DIR",
    summary = "download every file part of a finished project export into DIR",
    help = [[
DIR is created when missing. Each part goes to DIR/<id>-part<N>.json (NDJSON). Prints one
{"path", "bytes", "part"} per file.]],
    run = function(ctx, w)
      local c = ctx:client()
      local view, err = c.project_exports:get(w[1])
      if not view then return nil, err end
      local total = 0
      for _, f in ipairs(type(view.files) == "table" and view.files or {}) do
        total = total + (tonumber(f.size) or 0)
      end
      os.execute("mkdir -p -- '" .. w[2]:gsub("'", "'\\''") .. "'")
      local parts
      parts, err = c.project_exports:download(view, w[2], {
        on_progress = ctx.progress:downloader("downloading " .. w[1], total > 0 and total or nil) })
      ctx.progress:finish()
      if not parts then return nil, err end
      local list = ctx.out:list()
      for _, p in ipairs(parts) do list:add(p) end
      list:close()
      return true
    end,
  },
  {
    name = "project-export records", args = { "ID" }, keys = "2", flags = { csv = "switch", limit = "int" },
    usage = "project-export records ID [--csv] [--limit N]",
    summary = "print a finished project export's records",
    help = [[
Downloads each part to a temporary file and prints its JSON records, one per line, or with --csv as CSV
with nested objects as dotted columns (identifiers.custom_id, attributes.$region, ...; the columns are
those of the first 1000 records). --limit N stops after N records.]],
    run = function(ctx, w, opts)
      local c = ctx:client()
      local on_progress = ctx.progress:downloader("downloading export " .. w[1])
      local out = opts.csv and ctx.out:csv(nil, { "identifiers", "event", "date" }) or ctx.out:list()
      local ok, err = print_iter(ctx, out, opts.limit,
                                 c.project_exports:records(w[1], { on_progress = on_progress }))
      ctx.progress:finish()
      return ok, err
    end,
  },
}

-- The usage line of every command, for `batch help`.
local function summary_lines()
  local lines = {}
  for _, c in ipairs(commands) do lines[#lines + 1] = format("  %-24s %s", c.name, c.summary) end
  return table.concat(lines, "\n")
end

return { list = commands, summary_lines = summary_lines }
