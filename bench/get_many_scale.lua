-- (b) campaigns:get_many of the first N tokens of a file (one a line) at concurrency C, once untimed
-- (opening the connections: the client keeps them), then timed; the emulator adds its latency. Reports
-- the time, the CPU of the emulator (its worker pids given) and of this process over the timed run, the
-- process's peak resident memory over the timed run (hwm_kb: the peak is reset after the first) and over
-- the first (hwm_first_kb: the connections' TLS handshakes, 256 at once, peak higher than their use),
-- its resident memory before any call, and the Lua heap the returned campaigns hold.
--   lua5.4 bench/get_many_scale.lua TOKENS_FILE N C PID...
--     ->  {"n", "c", "seconds", "server_cpu_s", "client_cpu_s", "hwm_kb", "hwm_first_kb", "rss0_kb",
--          "campaigns_kb"}
local common = require "bench.common"
local core = require "batch.core"
local n, c = tonumber(arg[2]), tonumber(arg[3])
local tokens = {}
for line in io.lines(arg[1]) do
  if #tokens == n then break end
  tokens[#tokens + 1] = line
end
assert(#tokens == n, "the file holds fewer than " .. n .. " tokens")
local pids = {}
for i = 4, #arg do pids[#pids + 1] = arg[i] end

-- CPU seconds (user + system) of the processes given.
local ticks = tonumber(io.popen("getconf CLK_TCK"):read("*l")) or 100
local function cpu_of(list)
  local s = 0
  for _, pid in ipairs(list) do
    local f = io.open("/proc/" .. pid .. "/stat")
    if f then
      local stat = f:read("*l"):gsub("^.-%) ", "") -- after the command name
      f:close()
      local fields = {}
      for v in stat:gmatch("%S+") do fields[#fields + 1] = v end
      s = s + (tonumber(fields[12]) + tonumber(fields[13])) / ticks -- utime, stime
    end
  end
  return s
end

local client = common.client()
collectgarbage("collect")
local _, rss0 = common.memory()
local function run()
  local got, errs = client.campaigns:get_many(tokens, { concurrency = c })
  local k, e = next(errs)
  if k then error("get_many: " .. k .. ": " .. tostring(e)) end
  return got
end
run() -- the connections
collectgarbage("collect")
local hwm_first = common.memory()
common.reset_peak()
local heap0 = collectgarbage("count")
local cpu0, t0, c0 = cpu_of(pids), core.now(), os.clock()
local got = run()
local seconds, server_cpu, client_cpu = core.now() - t0, cpu_of(pids) - cpu0, os.clock() - c0
collectgarbage("collect")
local campaigns_kb = collectgarbage("count") - heap0
local count = 0
for _ in pairs(got) do count = count + 1 end
assert(count == n, "get_many gave " .. count .. " campaigns")
local hwm = common.memory()
common.report{ n = n, c = c, seconds = seconds, server_cpu_s = server_cpu, client_cpu_s = client_cpu, hwm_kb = hwm,
               hwm_first_kb = hwm_first, rss0_kb = rss0, campaigns_kb = campaigns_kb }
client:close()
