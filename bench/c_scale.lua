-- (c) downloads at scale: exports:download of 100 MB, 1 GB and 4 GB files (each in a fresh process, the
-- file removed after it), their peak resident memory, which must not grow with the size; and a 2.x export
-- of 50 parts (project_exports:download, the parts in parallel). Against the run's emulator.
--   require("bench.c_scale").run(ctx)
local _M = {}

function _M.run(ctx)
  local q, say, QUICK, row, target, client, m = ctx.q, ctx.say, ctx.QUICK, ctx.row, ctx.target, ctx.client, ctx.m
  local sizes = QUICK and { 1e8, 5e8 } or { 1e8, 1e9, 4e9 }
  local parts_size = QUICK and 5e7 or 5e8
  local dir = (ctx.sh('mktemp -d "${TMPDIR:-/tmp}/batch-bench-scale.XXXXXX"')):gsub("%s+$", "")
  local ok, err = pcall(function()
    local runs = {}
    for _, size in ipairs(sizes) do
      say("bench (c): exports:download of %.1f GB", size / 1e9)
      m:exports_config{ size = size, pending_after = 0, running_after = 0, done_after = 0 }
      local info = assert(client.exports:create{ campaign = ctx.token, kind = "events", from = "2019-08-14T22:00:00",
                                                 to = "now", events = { "push_sent", "push_open" },
                                                 ids = { "install_id", "custom_id" } })
      info = assert(client.exports:wait(info, { interval = 0.05, timeout = 30 }))
      local path = dir .. "/export.csv"
      local r = ctx.child("download.lua", { q(info.id), q(path) }, 600)
      os.remove(path)
      r.size = size
      runs[#runs + 1] = r
    end
    say("bench (c): a 2.x export of 50 parts (%.0f MB in all)", parts_size / 1e6)
    m:exports_config{ size = parts_size, parts = 50, pending_after = 0, running_after = 0, done_after = 0 }
    local job = assert(client.profiles:export{ export_type = "ATTRIBUTES", attributes = { "$email_address" },
                                               identifiers = { "custom_id" } })
    assert(client.project_exports:wait(job.id, { interval = 0.05, timeout = 60 }))
    local parts_dir = dir .. "/parts"
    assert(os.execute("mkdir " .. q(parts_dir)))
    local p = ctx.child("download_parts.lua", { q(job.id), q(parts_dir) }, 600)
    m:exports_config{ parts = 1 }
    return { runs = runs, parts = p }
  end)
  os.execute("rm -rf " .. q(dir))
  if not ok then error(err, 0) end
  local c = err
  ctx.results.c_scale = c
  local low, high = math.huge, 0
  for _, r in ipairs(c.runs) do
    low, high = math.min(low, r.hwm_kb), math.max(high, r.hwm_kb)
  end
  for i, r in ipairs(c.runs) do
    local last, met = i == #c.runs, nil
    if last then met = target("c: peak RSS flat from 100 MB to the largest download", (high - low) / 1024, "<", 2) end
    row{ "c", string.format("exports:download %.1f GB", r.bytes / 1e9),
         string.format("%.0f MB/s", r.bytes / r.seconds / 1e6), string.format("peak RSS %.1f MB", r.hwm_kb / 1024),
         last and string.format("RSS %.1f-%.1f MB over the sizes", low / 1024, high / 1024) or "",
         last and "flat (< 2 MB apart)" or "",
         met }
  end
  local p = c.parts
  row{ "c", string.format("2.x export, %d parts (%.0f MB)", p.parts, p.bytes / 1e6),
       string.format("%.0f MB/s", p.bytes / p.seconds / 1e6), string.format("peak RSS %.1f MB", p.hwm_kb / 1024),
       "", "", nil }
end

return _M
