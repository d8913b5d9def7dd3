-- Profile export (API 2.x): exports profile attributes, waits for the export, then reads its records.
-- Keys and base URL come from the environment: BATCH_REST_API_KEY, BATCH_PROJECT_KEY, BATCH_BASE_URL.
--   lua5.4 examples/profile_export.lua [DIR]     (with DIR, the file parts are also saved there)
local batch = require "batch"
local cjson = require "cjson"

local dir = arg[1]
local SHOW = 3  -- records printed

local client = batch.new()

local function die(what, err)
  io.stderr:write(what, ": ", tostring(err), "\n")
  os.exit(1)
end

-- An ATTRIBUTES export needs attributes and/or identifiers ($-names are Batch's native attributes).
local started, err = client.profiles:export{
  export_type = "ATTRIBUTES",
  identifiers = { "custom_id", "installation_ids" },
  attributes = { "$email_address", "$region", "$language" },
}
if not started then die("starting the export", err) end
print("export " .. started.id .. " started")

local view
view, err = client.project_exports:wait(started.id, {
  timeout = 600,
  on_poll = function(v, attempt, elapsed)
    io.stderr:write(("  poll %d after %.1f s: %s\n"):format(attempt, elapsed, v and v.status or "?"))
  end,
})
if not view then die("waiting for the export", err) end
local bytes = 0
for _, file in ipairs(view.files) do bytes = bytes + (file.size or 0) end
print(("export %s: %s, %d file(s), %d bytes"):format(view.id, view.status, #view.files, bytes))

if dir then
  os.execute("mkdir -p '" .. dir:gsub("'", "'\\''") .. "'")  -- download() writes into an existing folder
  local parts
  parts, err = client.project_exports:download(view, dir)
  if not parts then die("downloading the files", err) end
  for _, p in ipairs(parts) do print(("  part %d: %s (%d bytes)"):format(p.part, p.path, p.bytes)) end
end

-- records() downloads each part in turn (to a temporary file) and yields its JSON records.
local n = 0
for record, rerr in client.project_exports:records(view) do
  if not record then die("reading the records", rerr) end
  n = n + 1
  if n <= SHOW then print("  " .. cjson.encode(record)) end
end
print(n .. " records")

client:close()
