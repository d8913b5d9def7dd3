-- (b) get_many at scale: 100, 1 000 and 10 000 distinct tokens at concurrency 32 and 256, against an
-- emulator of its own with a worker per CPU (one worker cannot answer 256 requests at a time as fast as
-- the latency allows), every answer 20 ms late; each measurement in its own process
-- (bench/get_many_scale.lua), unpinned: the client and the emulator share the machine's CPUs, and the
-- emulator's CPU over each timed run is reported. The ideal is ceil(n / concurrency) x 20 ms; the memory
-- per token is the process's peak resident memory beyond what it had before any call and beyond the Lua
-- heap the returned campaigns hold, divided by the tokens. Beside each, the raw libcurl multi loop of
-- bench/floor_many.c on the same tokens at the same concurrency (no Lua, no JSON, nothing kept): what
-- the connections and transfers cost any libcurl client. 10 000 at 256 takes turns, three of each.
--   require("bench.b_scale").run(ctx)
local mock = require "spec.support.mock"
local batch = require "batch"

local _M = {}

local LATENCY = 0.02

function _M.run(ctx)
  local q, say, QUICK, row, target = ctx.q, ctx.say, ctx.QUICK, ctx.row, ctx.target
  local sizes = QUICK and { 100, 1000 } or { 100, 1000, 10000 }
  local most = sizes[#sizes]
  local workers = ctx.ncpu
  say("bench (b): get_many at scale (%s tokens, concurrency 32 and 256), an emulator of %d workers",
      table.concat(sizes, ", "), workers)
  local m = mock.start{ workers = workers }
  local path = os.tmpname()
  local ok, err = pcall(function()
    m:config{ log = false, latency = 0 }
    local client = batch.new{ base_url = m.tls_url, ca_file = m.ca_file, api_key = m.keys.api_key,
                              rest_key = m.keys.rest_key }
    local tokens = {}
    for c in client.campaigns:each{} do tokens[#tokens + 1] = c.campaign_token end
    while #tokens < most do
      local made = assert(client.campaigns:create{ name = "scale " .. #tokens, live = true, messages = {
        { language = "en", title = "Scale", body = "Campaign for the get_many scale benchmark" } } })
      tokens[#tokens + 1] = made.campaign_token
    end
    client:close()
    local list = assert(io.open(path, "w"))
    for i = 1, most do list:write(tokens[i], "\n") end
    list:close()
    m:config{ latency = LATENCY }
    local pids = {}
    for _, pid in ipairs(m:worker_pids()) do pids[#pids + 1] = tostring(pid) end
    local env = "env BATCH_MOCK_TLS_URL=" .. q(m.tls_url) .. " BATCH_MOCK_CA=" .. q(m.ca_file) .. " "
    local runs = {}
    local prefix = m.tls_url .. "/1.1/" .. m.keys.api_key .. "/campaigns/"
    -- the floor's "<n> <seconds> <cpu> <peak RSS kB> <RSS kB before>"
    local function floor_run(n, c)
      local out, ok = ctx.sh("taskset -c " .. ctx.ALL_CPUS .. " " .. q(ctx.FLOOR_MANY) .. " " .. q(prefix) .. " "
                             .. q(m.keys.rest_key) .. " " .. q(m.ca_file) .. " " .. q(path) .. " " .. n .. " " .. c)
      local s, cpu, hwm, rss0 = out:match("^%d+ ([%d.]+) ([%d.]+) (%d+) (%d+)")
      if not ok or not s then error("bench: floor_many failed: " .. out, 0) end
      return { seconds = tonumber(s), cpu_s = tonumber(cpu), hwm_kb = tonumber(hwm), rss0_kb = tonumber(rss0) }
    end
    for _, n in ipairs(sizes) do
      for _, c in ipairs{ 32, 256 } do
        local turns = (n == 10000 and c == 256) and 3 or 1
        local mine, floors = {}, {}
        for t = 1, turns do
          mine[t] = ctx.child("get_many_scale.lua", { q(path), n, c, table.concat(pids, " ") }, 300,
                              "taskset -c " .. ctx.ALL_CPUS .. " " .. env)
          floors[t] = floor_run(n, c)
        end
        table.sort(mine, function(a, b) return a.seconds < b.seconds end)
        table.sort(floors, function(a, b) return a.seconds < b.seconds end)
        local mid = math.floor((turns + 1) / 2)
        local r, f = mine[mid], floors[mid] -- the median turn of each
        r.ideal = math.ceil(n / c) * LATENCY
        r.ratio = r.seconds / r.ideal
        r.beyond_per_token = ((r.hwm_kb - r.rss0_kb) - r.campaigns_kb) * 1024 / n
        r.floor = f
        f.ratio = f.seconds / r.ideal
        f.per_token = (f.hwm_kb - f.rss0_kb) * 1024 / n
        r.turns = turns
        runs[#runs + 1] = r
        say("bench (b): %d tokens at %d: %.3f s (ideal %.2f), CPU client %.2f s, emulator %.2f s, peak RSS %.1f MB;"
            .. " libcurl floor %.3f s, CPU %.2f s, %+.0f B/token", n, c, r.seconds, r.ideal, r.client_cpu_s,
            r.server_cpu_s, r.hwm_kb / 1024, f.seconds, f.cpu_s, f.per_token)
      end
    end
    return runs
  end)
  m:stop()
  os.remove(path)
  if not ok then error(err, 0) end
  ctx.results.b_scale = { latency = LATENCY, emulator_workers = workers, runs = err }
  for _, r in ipairs(err) do
    local f = r.floor
    local last, met = r.n == most and r.c == 256 and most == 10000, nil
    if last then
      met = target("b: 10 000 tokens at 256 within 1.15x of ideal", r.ratio, "<=", 1.15)
      met = target("b: under 1 KiB a token beyond the campaigns", r.beyond_per_token, "<", 1024) and met
    end
    row{ "b", string.format("get_many %d tokens, concurrency %d", r.n, r.c),
         string.format("%.3f s, RSS %.1f MB", r.seconds, r.hwm_kb / 1024),
         string.format("ideal %.2f s, CPU client %.2f s, emulator %.2f s", r.ideal, r.client_cpu_s, r.server_cpu_s),
         string.format("%.2fx ideal, %+.0f B/token", r.ratio, r.beyond_per_token),
         last and "<= 1.15x, < 1 KiB/token" or "", met }
    row{ "b", "  raw libcurl multi loop, same requests",
         string.format("%.3f s, RSS %.1f MB", f.seconds, f.hwm_kb / 1024),
         string.format("CPU %.2f s", f.cpu_s),
         string.format("%.2fx ideal, %+.0f B/token", f.ratio, f.per_token), "", nil }
  end
  local big = err[#err]
  if big.n == 10000 and big.c == 256 then
    row{ "b", "  10 000 at 256 against the libcurl floor", "", "",
         string.format("%.2fx its time, %+.0f B/token over its memory", big.seconds / big.floor.seconds,
                       big.beyond_per_token - big.floor.per_token), "", nil }
  end
end

return _M
