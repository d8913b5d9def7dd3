-- Export API 1.0: a campaign's events as CSV. Creates the export, waits for it (the state on stderr),
-- downloads the file and prints its first rows.
-- Keys and base URL come from the environment: BATCH_API_KEY, BATCH_REST_API_KEY, BATCH_BASE_URL.
--   lua5.4 examples/export_csv.lua [OUT.csv [CAMPAIGN_TOKEN]]     (default: export.csv, the newest campaign)
local batch = require "batch"

local out = arg[1] or "export.csv"
local token = arg[2]
local SHOW = 5  -- rows printed

local client = batch.new()

local function die(what, err)
  io.stderr:write(what, ": ", tostring(err), "\n")
  os.exit(1)
end

if not token then
  local page, err = client.campaigns:list{ limit = 1 }
  if not page then die("listing campaigns", err) end
  if #page == 0 then die("listing campaigns", "the app has no campaign") end
  token = page[1].campaign_token
end

-- Events of the last 30 days, with two id columns. Dates are UTC, "YYYY-MM-DDTHH:MM:SS" or "now".
local req, err = client.exports:create{
  campaign = token, kind = "events",
  from = os.date("!%Y-%m-%dT%H:%M:%S", os.time() - 30 * 86400), to = "now",
  events = { "push_sent", "push_open" }, ids = { "install_id", "custom_id" },
}
if not req then die("creating the export", err) end
print("export " .. req.id .. " of campaign " .. token .. ": " .. req.status)

-- Polls with growing delays (1 s up to 30 s, one deadline for the whole wait).
local info
info, err = client.exports:wait(req.id, {
  timeout = 600,
  on_poll = function(i, attempt, elapsed)
    io.stderr:write(("  poll %d after %.1f s: %s\n"):format(attempt, elapsed, i and i.status or "?"))
  end,
})
if not info then die("waiting for the export", err) end
print("export " .. info.id .. ": " .. info.status .. " at " .. tostring(info.completion_date))

-- rows() downloads the CSV once (kept at `out` because a path is given; without one, a temporary file
-- removed at the end) and yields each row as a table keyed by the header. To only save the file:
-- client.exports:download(info, out, { on_progress = function(done, total) ... end }).
local shown, n = 0, 0
for row, rerr in client.exports:rows(info, { path = out }) do
  if not row then die("reading the rows", rerr) end
  n = n + 1
  if shown < SHOW then
    shown = shown + 1
    print(("  %s  %s  %s"):format(row.install_id, row.custom_id, row.event_type))
  end
end
local f = assert(io.open(out, "rb"))
local bytes = f:seek("end")
f:close()
print(("%d rows, %d bytes in %s"):format(n, bytes, out))

client:close()
