-- The soak's queue phase (`make soak`, after the mixed calls): SOAK_QUEUE_ADDS adds (100 000) of profile
-- updates, events and custom data through one queue while a share of its calls (SOAK_FAULT_RATE) get an
-- injected fault: 429 with a small Retry-After, 5xx, dropped connections, truncated answers, stalls,
-- timeouts. A few items are ones Batch refuses (a partial error, a 400). Checks that every item is
-- accounted for: sent or dropped with a reason, the refused ones dropped and no other, every sent one
-- at the emulator (at least once: duplicates are counted); and that RSS stays flat. The queue's clock
-- is virtual: its sleeps return at once, and each add moves it on by 1/600 s (a producer of 600 items a
-- second, within profiles/update's budget), so pauses and backoffs cost no time.
local batch = require "batch"
local core = require "batch.core"

local format, floor, max = string.format, math.floor, math.max

-- The soak's faults (soak/soak.lua), but those that answer 2xx without processing the call (a bad or
-- empty body): to a write they mean "accepted", and the check of what reached the emulator would miss
-- them. A timeout is a delay past the queue client's timeout.
local TIMEOUT = 1 -- the queue client's timeout (shorter ones fail on a busy machine)
local function queue_faults(faults)
  local out = {}
  for _, f in ipairs(faults) do
    local action = f[2].action
    if action ~= "bad_json" and action ~= "empty" then
      local spec = {}
      for k, v in pairs(f[2]) do spec[k] = v end
      if f[3] and f[3].timeout then spec.delay = TIMEOUT + 0.1 end
      out[#out + 1] = { f[1], spec }
    end
  end
  return out
end

local REASONS = { PARTIAL_ERROR = true, MALFORMED_PARAMETER = true }

return function(ctx)
  local m, fail, random = ctx.m, ctx.fail, ctx.random
  local FAULTS = queue_faults(ctx.faults)
  local adds = tonumber(os.getenv("SOAK_QUEUE_ADDS") or "") or 100000
  local rate = ctx.fault_rate
  m:reset()
  m:config{ log = false }
  m:limits{ enabled = false }

  local offset = 0
  local function now() return core.now() + offset end
  local function sleep(s) if s > 0 then offset = offset + s end end
  local injected, calls = {}, 0
  local client = batch.new{
    base_url = m.url, api_key = m.keys.api_key, rest_key = m.keys.rest_key, project_key = m.keys.project_key,
    timeout = TIMEOUT, now = now, sleep = sleep,
    on_event = function(ev)
      if ev.type ~= "request" then return end
      calls = calls + 1
      if random() < rate then -- the next call gets it
        local f = FAULTS[random(#FAULTS)]
        local spec = {}
        for k, v in pairs(f[2]) do spec[k] = v end
        m:fault(spec)
        injected[f[1]] = (injected[f[1]] or 0) + 1
      end
    end,
  }
  local dropped = {}  -- reason -> items
  local bad = {}      -- the items Batch refuses -> true
  local q = client:queue{ flush_interval = 0.25, max_pending = 200000, on_drop = function(items, err)
    dropped[err.name] = (dropped[err.name] or 0) + #items
    for _, item in ipairs(items) do
      local key = item.identifiers and item or item.event
      if not bad[key] then fail("queue: an item Batch accepts was dropped: " .. tostring(err)) end
      bad[key] = "dropped"
    end
  end }

  local samples, base_rss, end_rss, peak = {}, 0, 0, 0
  local warmup, sample = floor(adds / 10), max(1000, floor(adds / 40))
  local t0 = core.now()
  local bad_count, bad_seq, profile_ids = 0, {}, {}
  for i = 1, adds do
    offset = offset + 1 / 600
    local ok, err
    local k = i % 3
    if k == 0 then
      local p = { identifiers = { custom_id = "qp" .. (i % 5000) }, attributes = { n = i } }
      profile_ids[p.identifiers.custom_id] = true
      if random() < 0.002 then
        p.attributes["$language"] = "english" -- a partial error names it
        bad[p], bad_count = true, bad_count + 1
      end
      ok, err = q:update_profile(p)
    elseif k == 1 then
      local ev = { name = "soaked", attributes = { seq = i } }
      if random() < 0.002 then
        ev.name = "bad name" -- a 400 that names no item: the batch is split down to it
        bad[ev], bad_count, bad_seq[i] = true, bad_count + 1, true
      end
      ok, err = q:track("qe" .. (i % 500), ev)
    else
      ok, err = q:set_custom_data("qc" .. i, { n = i })
    end
    if not ok then fail("queue: add " .. i .. " refused: " .. tostring(err)) end
    if i % sample == 0 then
      -- RSS is read with nothing pending, so that what it follows is what the queue keeps, not the size of
      -- the backlog the last faults left
      local pending = q:stats().pending
      q:flush{ deadline = 600 }
      local r = ctx.settle()
      samples[#samples + 1] = format("%d/%d", r, pending)
      if r > peak then peak = r end
      if i > warmup / 2 and i <= warmup and r > base_rss then base_rss = r end
      if i > adds - adds / 10 and r > end_rss then end_rss = r end
    end
  end
  local report = q:close{ deadline = 600 }
  local elapsed = core.now() - t0
  end_rss = max(end_rss, ctx.settle())
  if base_rss == 0 then base_rss = end_rss end
  local s = q:stats()

  -- what the emulator holds
  m:clear_faults()
  local state = m:state()
  local app = state.apps.ios
  local seen, duplicates = {}, 0
  for _, rec in pairs(app.events) do
    for _, e in ipairs(rec.events) do
      local seq = e.attributes.seq
      if seen[seq] then duplicates = duplicates + 1 end
      seen[seq] = true
    end
  end
  local missing = 0
  for i = 1, adds do
    local k = i % 3
    if k == 1 and not seen[i] and not bad_seq[i] then missing = missing + 1 end
    if k == 2 and not app.custom_data["qc" .. i] then missing = missing + 1 end
  end
  local profiles = state.projects[m.keys.project_key].profiles
  for id in pairs(profile_ids) do
    if not profiles[id] then missing = missing + 1 end
  end
  client:close()
  m:limits{ enabled = true }

  -- summary and checks
  local by = {}
  for name, n in pairs(dropped) do by[#by + 1] = name .. " " .. n end
  table.sort(by)
  local fl = {}
  for name, n in pairs(injected) do fl[#fl + 1] = name .. " " .. n end
  table.sort(fl)
  print()
  print(format("soak (queue): %d adds, %d calls, %.1f s; faults injected: %s", adds, calls, elapsed,
               table.concat(fl, ", ")))
  print(format("  sent %d, dropped %d (%s), pending %d; retries %d; %d refused items planted; %d events arrived"
               .. " twice (at least once)", s.sent, s.dropped, #by > 0 and table.concat(by, ", ") or "none",
               s.pending, s.retries, bad_count, duplicates))
  print(format("  RSS (high-water of settled samples): %d kB at the end of warm-up, %d kB at the end, growth %+d kB"
               .. " (limit %d kB); peak %d kB", base_rss, end_rss, end_rss - base_rss, ctx.rss_limit, peak))
  print("  RSS kB (after a flush) / items that were pending, every " .. sample .. " adds: "
        .. table.concat(samples, " "))
  if s.accepted ~= adds or s.sent + s.dropped ~= adds or s.pending ~= 0 or report.pending ~= 0 then
    fail(format("queue: %d accepted, %d sent + %d dropped, %d pending", s.accepted, s.sent, s.dropped, s.pending))
  end
  for name in pairs(dropped) do
    if not REASONS[name] then fail("queue: items dropped for " .. name) end
  end
  for item, st in pairs(bad) do
    if st ~= "dropped" then fail("queue: a refused item was not dropped: " .. tostring(item.name or "profile")) end
  end
  if s.dropped ~= bad_count then fail(format("queue: %d dropped, %d refused items planted", s.dropped, bad_count)) end
  if missing > 0 then fail("queue: " .. missing .. " sent items are not at the emulator") end
  if end_rss - base_rss >= ctx.rss_limit then
    fail(format("queue: RSS grew by %d kB after warm-up (limit %d kB)", end_rss - base_rss, ctx.rss_limit))
  end
end
