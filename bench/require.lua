-- (e) The cost of `require "batch"` (time, Lua heap and resident memory), and the bytes the Lua heap grows
-- by per campaigns:get (GC stopped, over N calls).
--   lua5.4 bench/require.lua N TOKEN  ->  {"require_ms", "require_kb", "require_rss_kb", "bytes_per_get"}
local function rss()
  local f = assert(io.open("/proc/self/status"))
  local s = f:read("*a")
  f:close()
  return tonumber(s:match("VmRSS:%s*(%d+)"))
end
collectgarbage("collect")
local kb0, rss0, t0 = collectgarbage("count"), rss(), os.clock()
local batch = require "batch"
local t1 = os.clock()
collectgarbage("collect")
local kb1, rss1 = collectgarbage("count"), rss()
assert(batch.new)

local common = require "bench.common"
local n, token = tonumber(arg[1]), arg[2]
local client = common.client()
local campaigns = client.campaigns
for _ = 1, 200 do assert(campaigns:get(token)) end
collectgarbage("collect")
collectgarbage("stop")
local before = collectgarbage("count")
for _ = 1, n do
  if not campaigns:get(token) then error("campaigns:get failed") end
end
local after = collectgarbage("count")
collectgarbage("restart")
common.report{ require_ms = (t1 - t0) * 1000, require_kb = kb1 - kb0, require_rss_kb = rss1 - rss0,
               bytes_per_get = (after - before) * 1024 / n }
client:close()
