-- Fault soak: many mixed calls (gets, lists, iterators, writes, export create/wait/download/rows, 2.x
-- exports) against the bundled emulator, with a share of them given an injected fault (429 with a small
-- Retry-After, 5xx, dropped connections, truncated bodies, stalls, timeouts, bad JSON, empty bodies).
-- Checks that every call ends in a result or a named batch.Error (never a raise), that the process lives,
-- and that its RSS grows by less than SOAK_RSS_LIMIT_KB after warm-up; prints a summary table.
--
--   make soak                       # SOAK_CALLS=20000
--   SOAK_CALLS=2000 lua5.4 soak/soak.lua
-- Environment: SOAK_CALLS (20000), SOAK_FAULT_RATE (0.10), SOAK_SEED (os.time()), SOAK_RSS_LIMIT_KB (2048),
-- SOAK_WARMUP (a tenth of the calls, at least 500), SOAK_QUEUE_ADDS (100000: the queue phase, soak/queue.lua).
-- Exits 1 when a check fails.
-- Sleeps are injected: a backoff or a 429's 5 s are recorded and slept for at most 2 ms, so the run stays
-- short while the policy still asks for the real delays (the summary shows them).
local batch = require "batch"
local mock = require "spec.support.mock"
local core = require "batch.core"

local getenv, floor, max, min = os.getenv, math.floor, math.max, math.min
local format = string.format

local CALLS = tonumber(getenv("SOAK_CALLS") or "") or 20000
local FAULT_RATE = tonumber(getenv("SOAK_FAULT_RATE") or "") or 0.10
local SEED = tonumber(getenv("SOAK_SEED") or "") or os.time()
local RSS_LIMIT_KB = tonumber(getenv("SOAK_RSS_LIMIT_KB") or "") or 2048
local WARMUP = tonumber(getenv("SOAK_WARMUP") or "") or max(500, floor(CALLS / 10))
math.randomseed(SEED)
local random = math.random

-- Every name a call may end with (the contract's list).
local NAMES = {}
for n in ([[AUTHENTICATION_INVALID API_MISUSE ROUTE_NOT_FOUND MISSING_PARAMETER MALFORMED_PARAMETER
  MALFORMED_JSON_BODY SERVER_ERROR MAINTENANCE_ERROR TOO_MANY_REQUESTS HTTP_ERROR INVALID_ARGUMENT TIMEOUT
  NETWORK_ERROR TLS_ERROR INVALID_RESPONSE RESPONSE_TOO_LARGE EXPORT_FAILED EXPORT_EXPIRED WAIT_TIMEOUT
  CANCELLED IO_ERROR]]):gmatch("%S+") do NAMES[n] = true end

local function rss_kb()
  local f = io.open("/proc/self/status")
  if not f then return 0 end
  local s = f:read("*a")
  f:close()
  return tonumber(s:match("VmRSS:%s*(%d+)")) or 0
end

local function settle()
  collectgarbage("collect")
  collectgarbage("collect")
  return rss_kb()
end

---------------------------------------------------------------------------------------------------------
-- The emulator and the client
---------------------------------------------------------------------------------------------------------
local m = mock.start()
local keys = m.keys
m:config{ log = false }
m:exports_config{ pending_after = 0, running_after = 0, done_after = 0.005, rows = 40, parts = 2 }

local dir = os.tmpname()
os.remove(dir)
assert(os.execute("mkdir -p " .. dir))

local stats = { slept = 0, sleeps = 0, max_sleep = 0, retries = 0, faults = {}, results = {} }

local function fast_sleep(s)
  stats.sleeps = stats.sleeps + 1
  stats.slept = stats.slept + s
  if s > stats.max_sleep then stats.max_sleep = s end
  core.sleep(min(s, 0.002))
end

local client = batch.new{
  api_key = keys.api_key, rest_key = keys.rest_key, project_key = keys.project_key, base_url = m.url,
  max_retries = 3, timeout = 2, sleep = fast_sleep,
  on_event = function(ev) if ev.type == "retry" then stats.retries = stats.retries + 1 end end,
}

local tokens, inapp_tokens = {}, {}
for _, c in ipairs(assert(client.campaigns:list{ limit = 100 })) do tokens[#tokens + 1] = c.campaign_token end
for _, c in ipairs(assert(client.inapp_campaigns:list{ limit = 100 })) do
  inapp_tokens[#inapp_tokens + 1] = c.campaign_token
end
local function pick(list) return list[random(#list)] end

-- The 1.0 export list is every export of the app, up to 1000 (batch-api.md §3.4): fill it to that cap
-- first, so that its answers keep one size and the memory the run needs does not grow with time.
for _ = 1, 1000 do
  assert(client.exports:create{ campaign = tokens[1], kind = "ids", from = "now", to = "now",
                                events = { "push_sent" }, ids = { "install_id" } })
end

local finished_v1, finished_v2 = {}, {}   -- pools of finished exports to download
local function remember(pool, x)
  pool[#pool + 1] = x
  if #pool > 20 then table.remove(pool, 1) end
end

local function drain(iter, limit)
  local n = 0
  for v, err in iter do
    if v == false then return nil, err end
    n = n + 1
    if limit and n >= limit then break end
  end
  return n
end

local EXPORT = { kind = "events", from = "now", to = "now", events = { "push_sent", "push_open" },
                 ids = { "install_id", "custom_id" } }

---------------------------------------------------------------------------------------------------------
-- The mix: { name, weight, function() -> result or nil, err; the path its first request goes to }
---------------------------------------------------------------------------------------------------------
local OPS = {
  { "campaigns:get", 22, function() return client.campaigns:get(pick(tokens)) end, "/campaigns/" },
  { "campaigns:list", 12, function() return client.campaigns:list{ from = random(0, 20), limit = random(1, 10) } end,
    "/campaigns/list" },
  { "campaigns:stats", 5, function() return client.campaigns:stats(pick(tokens), { deadline = 5 }) end, "/stats/" },
  { "campaigns:each", 2, function() return drain(client.campaigns:each{ page_size = 10 }) end, "/campaigns/list" },
  { "inapp:get", 6, function() return client.inapp_campaigns:get(pick(inapp_tokens)) end, "/in-app-campaigns/" },
  { "inapp:list", 4, function() return client.inapp_campaigns:list{ limit = 5 } end, "/in-app-campaigns/list" },
  { "campaigns:create+delete", 4, function()
      local c, err = client.campaigns:create{ name = "soak", live = false,
                                             messages = { { language = "en", body = "soak" } } }
      if not c then return nil, err end
      -- a 2xx whose body lacks the token (a fault's bad JSON) is a success kept raw: nothing to delete
      if not c.campaign_token then return c end
      return client.campaigns:delete(c.campaign_token)
    end, "/campaigns/create" },
  { "campaigns:update", 3, function() return client.campaigns:update(pick(tokens), { name = "soaked" }) end,
    "/campaigns/update/" },
  { "exports:create+wait", 8, function()
      local spec = { campaign = pick(tokens) }
      for k, v in pairs(EXPORT) do spec[k] = v end
      local req, err = client.exports:create(spec)
      if not req then return nil, err end
      if not req.id then return req end -- a 2xx without the id, kept raw (see above)
      local info
      info, err = client.exports:wait(req, { interval = 0.01, timeout = 10 })
      if info then remember(finished_v1, info) end
      return info, err
    end, "/export/campaign/" },
  { "exports:get", 5, function()
      local info = finished_v1[1]
      if not info then return true end
      return client.exports:get(info.id)
    end, "/export/request/" },
  { "exports:list", 3, function() return client.exports:list() end, "/export/requests" },
  { "exports:download", 8, function()
      local info = finished_v1[random(max(1, #finished_v1))]
      if not info then return true end
      local path = dir .. "/e.csv"
      local res, err = client.exports:download(info, path, { deadline = 20 })
      os.remove(path)
      return res, err
    end, "/_storage/" },
  { "exports:rows", 3, function()
      local info = finished_v1[random(max(1, #finished_v1))]
      if not info then return true end
      return drain(client.exports:rows(info))
    end, "/results/" },
  { "profiles:export+wait", 3, function()
      local job, err = client.profiles:export{ export_type = "ATTRIBUTES", attributes = { "$region" },
                                               identifiers = { "custom_id" } }
      if not job then return nil, err end
      if not job.id then return job end -- a 2xx without the id, kept raw
      local view
      view, err = client.project_exports:wait(job.id, { interval = 0.01, timeout = 10 })
      if view then remember(finished_v2, view) end
      return view, err
    end, "/profiles/export" },
  { "project_exports:list", 3, function() return client.project_exports:list{ limit = 5 } end, "/exports/list" },
  { "project_exports:download", 4, function()
      local view = finished_v2[random(max(1, #finished_v2))]
      if not view then return true end
      local files, err = client.project_exports:download(view, dir)
      for _, f in ipairs(files or {}) do os.remove(f.path) end
      return files, err
    end, "/_storage/" },
  { "project_exports:records", 2, function()
      local view = finished_v2[random(max(1, #finished_v2))]
      if not view then return true end
      return drain(client.project_exports:records(view))
    end, "/exports/download" },
}
local TOTAL_WEIGHT = 0
for _, op in ipairs(OPS) do TOTAL_WEIGHT = TOTAL_WEIGHT + op[2] end

local function choose_op()
  local r = random() * TOTAL_WEIGHT
  for _, op in ipairs(OPS) do
    r = r - op[2]
    if r <= 0 then return op end
  end
  return OPS[#OPS]
end

-- { label, fault spec }: a fault is put on the path of the call's first request, or on any request
-- (path "": the next request the client makes, whatever it is).
local FAULTS = {
  { "429 (Retry-After 1)", { status = 429, retry_after = "1" } },
  { "500", { status = 500 } },
  { "502", { status = 502 } },
  { "503", { status = 503 } },
  { "504", { status = 504 } },
  { "drop", { action = "drop" } },
  { "truncate", { action = "truncate" } },
  { "stall 50 ms", { action = "stall", delay = 0.05 } },
  { "bad JSON", { action = "bad_json" } },
  { "empty body", { action = "empty" } },
  { "timeout", { delay = 0.15 }, { timeout = 0.1 } },
}

---------------------------------------------------------------------------------------------------------
-- The run
---------------------------------------------------------------------------------------------------------
local failures = {}
local function fail(msg)
  if #failures < 20 then failures[#failures + 1] = msg end
end

local results = stats.results  -- results[op][outcome] = count
local function count(op, outcome)
  results[op] = results[op] or {}
  results[op][outcome] = (results[op][outcome] or 0) + 1
end

local timeout_opts  -- set while a "timeout" fault is on: the client's timeout is cut for that call
-- RSS is sampled after a full collection every SAMPLE calls. The allocator gives memory back to the
-- system only from the top of its heap, so settled samples wander by a megabyte or so: the check compares
-- high-water marks, the highest sample of the second half of the warm-up with the highest of the last
-- tenth of the run (and the end). A leak keeps raising the latter; a steady process does not.
local SAMPLE = max(50, floor(CALLS / 40))
local base_rss, end_rss, peak_rss, samples = 0, 0, 0, {}
local t0 = core.now()

for i = 1, CALLS do
  local op = choose_op()
  local fault
  if random() < FAULT_RATE then
    fault = FAULTS[random(#FAULTS)]
    local spec = {}
    for k, v in pairs(fault[2]) do spec[k] = v end
    spec.path = random() < 0.5 and op[4] or ""
    m:fault(spec)
    stats.faults[fault[1]] = (stats.faults[fault[1]] or 0) + 1
    timeout_opts = fault[3]
  end
  if timeout_opts then client.opts.timeout = timeout_opts.timeout end
  local ok, res, err = pcall(op[3])
  client.opts.timeout = 2
  timeout_opts = nil
  if fault then m:clear_faults() end
  if not ok then
    count(op[1], "RAISED")
    fail(format("call %d %s raised: %s", i, op[1], tostring(res)))
  elseif res ~= nil and res ~= false then
    count(op[1], "ok")
  elseif batch.is_error(err) and NAMES[err.name] then
    count(op[1], err.name)
  else
    count(op[1], "UNNAMED")
    fail(format("call %d %s ended in %s, %s", i, op[1], tostring(res), tostring(err)))
  end
  if i % SAMPLE == 0 then
    local heap = floor(collectgarbage("count"))
    local r = settle()
    samples[#samples + 1] = format("%d/%d", r, heap)
    if r > peak_rss then peak_rss = r end
    if i > WARMUP / 2 and i <= WARMUP and r > base_rss then base_rss = r end
    if i > CALLS - CALLS / 10 and r > end_rss then end_rss = r end
  end
end

local elapsed = core.now() - t0
end_rss = max(end_rss, settle())
if base_rss == 0 then base_rss = end_rss end
client:close()
os.execute("rm -rf " .. dir)

---------------------------------------------------------------------------------------------------------
-- The summary
---------------------------------------------------------------------------------------------------------
local outcomes, seen = { "ok" }, { ok = true }
for _, by in pairs(results) do
  for name in pairs(by) do
    if not seen[name] then seen[name] = true outcomes[#outcomes + 1] = name end
  end
end
table.sort(outcomes, function(a, b)
  if a == "ok" or b == "ok" then return a == "ok" end
  return a < b
end)

local function short(name)
  local map = { TOO_MANY_REQUESTS = "429", SERVER_ERROR = "SERVER", MAINTENANCE_ERROR = "MAINT",
                INVALID_RESPONSE = "INVALID_RESP", NETWORK_ERROR = "NETWORK", HTTP_ERROR = "HTTP" }
  return map[name] or name
end

local header = format("%-26s", "call")
for _, o in ipairs(outcomes) do header = header .. format(" %12s", short(o)) end
header = header .. format(" %8s", "total")
print()
print(format("soak: %d calls, %.0f%% with a fault, seed %d, %.1f s (%.0f calls/s)", CALLS, FAULT_RATE * 100, SEED,
             elapsed, CALLS / elapsed))
print(header)
print(string.rep("-", #header))
local names = {}
for name in pairs(results) do names[#names + 1] = name end
table.sort(names)
local col_total = {}
for _, name in ipairs(names) do
  local line, total = format("%-26s", name), 0
  for _, o in ipairs(outcomes) do
    local n = results[name][o] or 0
    total = total + n
    col_total[o] = (col_total[o] or 0) + n
    line = line .. format(" %12s", n > 0 and tostring(n) or ".")
  end
  print(line .. format(" %8d", total))
end
print(string.rep("-", #header))
local line, grand = format("%-26s", "all"), 0
for _, o in ipairs(outcomes) do
  line = line .. format(" %12d", col_total[o] or 0)
  grand = grand + (col_total[o] or 0)
end
print(line .. format(" %8d", grand))
print()
local fl = {}
for k, v in pairs(stats.faults) do fl[#fl + 1] = format("%s %d", k, v) end
table.sort(fl)
print("faults injected: " .. table.concat(fl, ", "))
print(format("retries: %d; sleeps (backoffs and polls): %d asking %.0f s in all, the longest %.1f s; each slept"
             .. " at most 2 ms", stats.retries, stats.sleeps, stats.slept, stats.max_sleep))
print(format("RSS (high-water of settled samples): %d kB at the end of warm-up (%d calls), %d kB at the end,"
             .. " growth %+d kB (limit %d kB); peak %d kB", base_rss, WARMUP, end_rss, end_rss - base_rss,
             RSS_LIMIT_KB, max(peak_rss, end_rss)))
print(("RSS / Lua heap before collection, every %d calls (kB): "):format(SAMPLE) .. table.concat(samples, " "))

-- the queue phase (soak/queue.lua), with its own summary and checks
require("soak.queue"){ m = m, fail = fail, random = random, settle = settle, fault_rate = FAULT_RATE,
                       rss_limit = RSS_LIMIT_KB, faults = FAULTS }
m:stop()

if grand ~= CALLS then fail(format("%d calls counted of %d", grand, CALLS)) end
if end_rss - base_rss >= RSS_LIMIT_KB then
  fail(format("RSS grew by %d kB after warm-up (limit %d kB)", end_rss - base_rss, RSS_LIMIT_KB))
end
if #failures > 0 then
  print("\nFAILED:")
  for _, f in ipairs(failures) do print("  " .. f) end
  os.exit(1, true)
end
print("soak: OK")
-- Closing the Lua state at exit frees every object: under a leak checker, what the C core did not
-- free shows.
os.exit(0, true)
