-- `batch export ...`: the Export API 1.0 (CSV exports of a campaign's events or ids).
local input = require "batch.cli.input"
local results = require "batch.cli.results"

local ipairs, open, remove = ipairs, io.open, os.remove
local match = string.match

local EXPORT_COLUMNS = { "id", "status", "request_date", "completion_date", "uri", "file_url", "error_msg" }

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

local WAIT_FLAGS = { timeout = "number", interval = "number" }

-- Downloads a finished export to `target` (a path or "-"), with progress; `left` the budget.
local function download(ctx, c, id_or_info, target, left)
  local label = target == "-" and "export" or (match(target, "([^/]+)$") or target)
  return results.download(ctx, target, function(path)
    local res, err = c.exports:download(id_or_info, path, {
      on_progress = ctx.progress:downloader("downloading " .. label), deadline = left() })
    ctx.progress:finish()
    return res, err
  end)
end

-- Waits for an export; prints nothing. Returns the final info, or nil, err (a WAIT_TIMEOUT says how
-- to resume on stderr).
local function wait(ctx, c, id, opts, left)
  local final, err = c.exports:wait(id, results.wait_options(ctx, opts, "export " .. id, left))
  ctx.progress:wait_done(final)
  if not final then results.still_running(ctx, err, "batch export wait " .. id) end
  return final, err
end

return {
  {
    name = "export create", keys = "1",
    flags = { campaign = "string", ["inapp-campaign"] = "string", kind = "string", from = "string",
              to = "string", events = "list", ids = "list", wait = "switch", out = "string",
              timeout = "number", interval = "number" },
    usage = "export create (--campaign T | --inapp-campaign T) [--kind events|ids] --from DATE [--to DATE] "
            .. "--events a,b --ids x,y [--wait [--out PATH|-]] [--timeout S]",
    summary = "request a CSV export of a campaign (API 1.0)",
    help = [[
DATE is "now" or a UTC date like 2019-08-14T22:00:00; --to defaults to now, --kind to events (in-app
campaigns export only events). --events lists event names (push_sent,push_open,...), --ids the id
columns (install_id,custom_id,advertising_id). Prints the request info; its "id" is what the other
export commands take.
--wait then waits until the export is done and prints its final info; --out PATH (with --wait) downloads
the CSV there too and prints {"id", "path", "bytes"} instead; --out - writes the CSV itself to stdout.
--timeout S bounds the whole of it (default: 1800 s for the wait); past it, exit 75 and the command to
resume on stderr.]],
    examples = {
      "batch export create --campaign \"$token\" --from 2019-08-14T22:00:00 --events push_sent,push_open " ..
        "--ids install_id,custom_id --field id",
      "batch export create --campaign \"$token\" --from now --events push_sent --ids install_id --wait " ..
        "--out events.csv --timeout 600",
      "batch export create --campaign \"$token\" --from now --events push_sent --ids custom_id --wait " ..
        "--out - | gzip > events.csv.gz",
    },
    run = function(ctx, _, o)
      if (o.campaign == nil) == (o["inapp-campaign"] == nil) then
        ctx.fail("give one of --campaign TOKEN or --inapp-campaign TOKEN")
      end
      for _, k in ipairs{ "from", "events", "ids" } do
        if o[k] == nil then ctx.fail("--" .. k .. " is required") end
      end
      if not o.wait then
        for _, k in ipairs{ "out", "timeout", "interval" } do
          if o[k] ~= nil then ctx.fail("--" .. k .. " goes with --wait") end
        end
      end
      local left = results.budget(o.timeout)
      local c = ctx:client()
      local info, err = c.exports:create{
        campaign = o.campaign, inapp_campaign = o["inapp-campaign"], kind = o.kind or "events",
        from = o.from, to = o.to or "now", events = o.events, ids = o.ids, deadline = left(),
      }
      if not info or not o.wait then return results.value(ctx, info, err) end
      local final
      final, err = wait(ctx, c, info.id, o, left)
      if not final then return nil, err end
      if not o.out then return results.value(ctx, final) end
      local res
      res, err = download(ctx, c, final, o.out, left)
      if not res then
        ctx.note("the export is done: batch export download " .. final.id .. " " .. o.out)
        return nil, err
      end
      if o.out == "-" then return true end
      return results.value(ctx, { id = final.id, path = res.path, bytes = res.bytes })
    end,
  },
  {
    name = "export list", keys = "1",
    usage = "export list",
    summary = "list the app's export requests (newest first)",
    examples = { "batch export list --field id --field status" },
    run = function(ctx)
      local all, err = ctx:client().exports:list()
      if not all then return nil, err end
      return results.list(ctx, all, { first = EXPORT_COLUMNS })
    end,
  },
  {
    name = "export status", args = { "ID" }, keys = "1",
    usage = "export status ID|-",
    summary = "show an export request (status, file_url, ...)",
    examples = { "batch export status \"$id\" --field status" },
    run = function(ctx, w)
      return results.value(ctx, ctx:client().exports:get(input.id(w[1], ctx.fail, "ID")))
    end,
  },
  {
    name = "export wait", args = { "ID" }, keys = "1", flags = WAIT_FLAGS,
    usage = "export wait ID|- [--timeout S] [--interval S]",
    summary = "wait until an export is done, then show it",
    help = [[
Polls until the export is SUCCESS (exit 0), ERROR or EXPIRED (exit 1). --timeout bounds the whole wait
(default 1800 s; then WAIT_TIMEOUT, exit 75); --interval polls every S seconds (default: 1 s, growing to
30 s). Here --timeout is the wait's; use --request-timeout for each request's.]],
    examples = { "batch export wait \"$id\" --timeout 600 --field status" },
    run = function(ctx, w, opts)
      local id = input.id(w[1], ctx.fail, "ID")
      local c = ctx:client()
      local final, err = wait(ctx, c, id, opts)
      return results.value(ctx, final, err)
    end,
  },
  {
    name = "export download", args = { "ID", "PATH" }, keys = "1",
    usage = "export download ID PATH|-",
    summary = "download a finished export's CSV to PATH, or to stdout with -",
    help = [[
The file is written beside PATH under a temporary name and renamed when complete: PATH is whole or
absent. Prints {"path": ..., "bytes": ...}. With - the CSV itself goes to stdout (through a private
temporary file, so stdout gets only a whole file) and nothing else is printed.]],
    examples = { "batch export download \"$id\" events.csv", "batch export download \"$id\" - | wc -l" },
    run = function(ctx, w)
      local id = input.id(w[1], ctx.fail, "ID")
      local res, err = download(ctx, ctx:client(), id, w[2], results.budget(nil))
      if not res then return nil, err end
      if w[2] == "-" then return true end
      return results.value(ctx, res)
    end,
  },
  {
    name = "export rows", args = { "ID" }, keys = "1", flags = { limit = "int" },
    usage = "export rows ID|- [--limit N]",
    summary = "print a finished export's rows",
    help = [[
Downloads the CSV to a temporary file and prints each row as a JSON object keyed by the header, or with
--csv as comma-separated CSV (the columns in the file's order). --limit N stops after N rows.]],
    examples = { "batch export rows \"$id\" --limit 10 --field custom_id --field event_type",
                 "batch export rows \"$id\" --csv" },
    run = function(ctx, w, opts)
      local id = input.id(w[1], ctx.fail, "ID")
      local c = ctx:client()
      local on_progress = ctx.progress:downloader("downloading export " .. id)
      if not ctx.out.csv or ctx.out.fields then
        local ok, err = results.iter(ctx, ctx.out:list{ bulk = true }, opts.limit,
                                     c.exports:rows(id, { on_progress = on_progress }))
        ctx.progress:finish()
        return ok, err
      end
      local dir, why = results.tmpdir(ctx)
      if not dir then return nil, { name = "IO_ERROR", message = why } end
      local path = dir .. "/export.csv"
      local out
      local ok, err = results.iter(ctx, {
        add = function(_, row)
          out = out or ctx.out:csv_writer(csv_header(path))
          out:add(row)
        end,
        close = function()
          -- An export without rows still prints its header.
          local cols = not out and csv_header(path)
          if cols and cols[1] ~= "" then out = ctx.out:csv_writer(cols) end
          if out then out:close() end
        end,
      }, opts.limit, c.exports:rows(id, { path = path, on_progress = on_progress }))
      ctx.progress:finish()
      remove(path)
      return ok, err
    end,
  },
}
