-- `batch profiles export` and `batch project-export ...`: the Profile API's exports and the Project
-- Export API (2.x).
local input = require "batch.cli.input"
local results = require "batch.cli.results"

local ipairs, type, tonumber, execute = ipairs, type, tonumber, os.execute
local gsub = string.gsub

local VIEW_COLUMNS = { "id", "status", "scope", "request_date", "start_date", "completion_date" }
local WAIT_FLAGS = { timeout = "number", interval = "number" }

local function wait(ctx, c, id, opts, left)
  local final, err = c.project_exports:wait(id, results.wait_options(ctx, opts, "export " .. id, left))
  ctx.progress:wait_done(final)
  if not final then results.still_running(ctx, err, "batch project-export wait " .. id) end
  return final, err
end

-- Downloads every part of a finished export (a view) into dir; prints one line per part.
local function download(ctx, c, view, dir, left)
  local total = 0
  for _, f in ipairs(type(view.files) == "table" and view.files or {}) do total = total + (tonumber(f.size) or 0) end
  execute("mkdir -p -- '" .. gsub(dir, "'", "'\\''") .. "'")
  local parts, err = c.project_exports:download(view, dir, {
    on_progress = ctx.progress:downloader("downloading " .. view.id, total > 0 and total or nil), deadline = left() })
  ctx.progress:finish()
  if not parts then return nil, err end
  return results.list(ctx, parts)
end

local BODY_KEYS = { "type", "attributes", "identifiers", "events", "from", "to" }

return {
  {
    name = "profiles export", keys = "2",
    flags = { type = "string", attributes = "list", identifiers = "list", events = "list", from = "string",
              to = "string", data = "string", body = "string", wait = "switch", dir = "string",
              timeout = "number", interval = "number" },
    usage = "profiles export [--type ATTRIBUTES] [--attributes a,b] [--identifiers x,y] [--events e,f] "
            .. "[--from DATE] [--to DATE] | --data @FILE.json|-   [--wait [--dir DIR]] [--timeout S]",
    summary = "start a profile export (2.x); prints its id",
    help = [[
--type is the export_type (ATTRIBUTES, the default, EVENTS or REACHABILITY_EVENTS). An ATTRIBUTES export
needs --attributes and/or --identifiers; event exports take --events, --from and --to (RFC 3339 dates,
within the last 90 days). --data @FILE.json (or - for stdin, or the JSON itself) sends that JSON object
as the whole body instead of the other options (--body FILE is the older spelling).
--wait then waits until the export is done and prints its final view; --dir DIR (with --wait) downloads
every part into DIR too and prints one {"path", "bytes", "part"} per file instead. --timeout S bounds
the whole of it (default: 1800 s for the wait); past it, exit 75 and the command to resume on stderr.]],
    examples = {
      "batch profiles export --attributes '$email_address,$region' --identifiers custom_id --field id",
      "batch profiles export --identifiers custom_id --wait --dir parts --timeout 900",
    },
    run = function(ctx, _, o)
      local body
      if o.data and o.body then ctx.fail("--data and --body cannot go together") end
      local data = o.data or (o.body and (o.body == "-" and "-" or "@" .. o.body))
      if data then
        for _, k in ipairs(BODY_KEYS) do
          if o[k] ~= nil then ctx.fail("--data cannot go with --" .. k) end
        end
        body = input.data_object(data, ctx.fail)
      else
        body = { export_type = o.type or "ATTRIBUTES", attributes = o.attributes, identifiers = o.identifiers,
                 events = o.events, from = o.from, to = o.to }
      end
      if not o.wait then
        for _, k in ipairs{ "dir", "timeout", "interval" } do
          if o[k] ~= nil then ctx.fail("--" .. k .. " goes with --wait") end
        end
      end
      local left = results.budget(o.timeout)
      local c = ctx:client()
      local started, err = c.profiles:export(body, { deadline = left() })
      if not started or not o.wait then return results.value(ctx, started, err) end
      local final
      final, err = wait(ctx, c, started.id, o, left)
      if not final then return nil, err end
      if not o.dir then return results.value(ctx, final) end
      local ok
      ok, err = download(ctx, c, final, o.dir, left)
      if not ok then ctx.note("the export is done: batch project-export download " .. final.id .. " " .. o.dir) end
      return ok, err
    end,
  },
  {
    name = "project-export status", args = { "ID" }, keys = "2",
    usage = "project-export status ID|-",
    summary = "show a project export (status, files, ...)",
    examples = { "batch project-export status \"$pid\" --field status" },
    run = function(ctx, w)
      return results.value(ctx, ctx:client().project_exports:get(input.id(w[1], ctx.fail, "ID")))
    end,
  },
  {
    name = "project-export list", keys = "2", flags = results.CURSOR_FLAGS,
    usage = "project-export list [--from CURSOR] [--limit N] [--all]",
    summary = "list the project's exports (newest first)",
    help = results.cursor_help("export"),
    examples = { "batch project-export list --all --field id --field status" },
    run = function(ctx, _, opts)
      return results.cursor_list(ctx, opts, ctx:client().project_exports, "exports", VIEW_COLUMNS,
                                 "project-export list")
    end,
  },
  {
    name = "project-export wait", args = { "ID" }, keys = "2", flags = WAIT_FLAGS,
    usage = "project-export wait ID|- [--timeout S] [--interval S]",
    summary = "wait until a project export is done, then show it",
    help = [[
Polls until the export is SUCCESS (exit 0) or ERROR (exit 1). --timeout bounds the whole wait (default
1800 s; then WAIT_TIMEOUT, exit 75); --interval polls every S seconds (default: 1 s, growing to 30 s).]],
    examples = { "batch project-export wait \"$pid\" --timeout 900 --field status" },
    run = function(ctx, w, opts)
      local final, err = wait(ctx, ctx:client(), input.id(w[1], ctx.fail, "ID"), opts)
      return results.value(ctx, final, err)
    end,
  },
  {
    name = "project-export download", args = { "ID", "DIR" }, keys = "2",
    usage = "project-export download ID|- DIR",
    summary = "download every file part of a finished project export into DIR",
    help = [[
DIR is created when missing. Each part goes to DIR/<id>-part<N>.json (NDJSON), whole or absent. Prints
one {"path", "bytes", "part"} per file.]],
    examples = { "batch project-export download \"$pid\" parts --field path" },
    run = function(ctx, w)
      local c = ctx:client()
      local view, err = c.project_exports:get(input.id(w[1], ctx.fail, "ID"))
      if not view then return nil, err end
      return download(ctx, c, view, w[2], results.budget(nil))
    end,
  },
  {
    name = "project-export records", args = { "ID" }, keys = "2", flags = { limit = "int" },
    usage = "project-export records ID|- [--limit N]",
    summary = "print a finished project export's records",
    help = [[
Downloads each part to a temporary file and prints its JSON records, one per line, or with --csv as CSV
with nested objects as dotted columns (identifiers.custom_id, attributes.$region, ...; the columns are
those of the first 1000 records). --limit N stops after N records.]],
    examples = { "batch project-export records \"$pid\" --limit 5 --field identifiers.custom_id" },
    run = function(ctx, w, opts)
      local id = input.id(w[1], ctx.fail, "ID")
      local on_progress = ctx.progress:downloader("downloading export " .. id)
      local out = ctx.out:list{ first = { "identifiers", "event", "date" }, bulk = true }
      local ok, err = results.iter(ctx, out, opts.limit,
                                   ctx:client().project_exports:records(id, { on_progress = on_progress }))
      ctx.progress:finish()
      return ok, err
    end,
  },
}
