-- (a) lua-batch: N sequential campaigns:get of one campaign over one keep-alive HTTPS connection.
--   lua5.4 bench/seq_batch.lua N TOKEN  ->  {"n", "seconds", "cpu"}
local common = require "bench.common"
local core = require "batch.core"
local n, token = tonumber(arg[1]), arg[2]
local client = common.client()
assert(client.campaigns:get(token)) -- the connection is opened outside the timing, as the floor's is not
local get = client.campaigns.get
local campaigns = client.campaigns
local c0, t0 = os.clock(), core.now()
for _ = 1, n do
  local c = get(campaigns, token)
  if not c then error("campaigns:get failed") end
end
local seconds = core.now() - t0
common.report{ n = n, seconds = seconds, cpu = os.clock() - c0 }
client:close()
