-- (b) get_many at scale: 100, 1 000 and 10 000 distinct tokens at concurrency 32 and 256, against an
-- emulator of its own with a worker per CPU (one worker cannot answer 256 requests at a time as fast as
-- the latency allows), every answer 20 ms late; each measurement in its own process
-- (bench/get_many_scale.lua), unpinned: the client and the emulator share the machine's CPUs, and the
-- emulator's CPU over each timed run is reported. The ideal is ceil(n / concurrency) x 20 ms; the memory
-- per token is the process's peak resident memory beyond what it had before any call and beyond the Lua
-- heap the returned campaigns hold, divided by the tokens.
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
    local f = assert(io.open(path, "w"))
    for i = 1, most do f:write(tokens[i], "\n") end
    f:close()
    m:config{ latency = LATENCY }
    local pids = {}
    for _, pid in ipairs(m:worker_pids()) do pids[#pids + 1] = tostring(pid) end
    local env = "env BATCH_MOCK_TLS_URL=" .. q(m.tls_url) .. " BATCH_MOCK_CA=" .. q(m.ca_file) .. " "
    local runs = {}
    for _, n in ipairs(sizes) do
      for _, c in ipairs{ 32, 256 } do
        local r = ctx.child("get_many_scale.lua", { q(path), n, c, table.concat(pids, " ") }, 300,
                            "taskset -c " .. ctx.ALL_CPUS .. " " .. env)
        r.ideal = math.ceil(n / c) * LATENCY
        r.ratio = r.seconds / r.ideal
        r.beyond_per_token = ((r.hwm_kb - r.rss0_kb) - r.campaigns_kb) * 1024 / n
        runs[#runs + 1] = r
        say("bench (b): %d tokens at %d: %.3f s (ideal %.2f), CPU client %.2f s, emulator %.2f s, peak RSS %.1f MB",
            n, c, r.seconds, r.ideal, r.client_cpu_s, r.server_cpu_s, r.hwm_kb / 1024)
      end
    end
    return runs
  end)
  m:stop()
  os.remove(path)
  if not ok then error(err, 0) end
  ctx.results.b_scale = { latency = LATENCY, emulator_workers = workers, runs = err }
  for _, r in ipairs(err) do
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
  end
end

return _M
