-- bench (q): N profile updates and N events through a queue into the emulator (its limits off, the
-- queue's profiles/update budget raised to match), in a child process: the client's CPU seconds and the
-- wall time, adds and sends together.
--   lua5.4 bench/queue_flow.lua N
local common = require "bench.common"
local core = require "batch.core"

local n = tonumber(arg[1])
local c = common.client()
local q = c:queue{ max_pending = 2 * n, rates = { ["profiles.update"] = { rate = 1e6, burst = 1e6 } } }
local cpu0, t0 = os.clock(), core.now()
for i = 1, n do
  assert(q:update_profile{ identifiers = { custom_id = "flow-" .. i }, attributes = { n = i } })
  assert(q:track("flow-" .. (i % 1000), { name = "flowed", attributes = { n = i } }))
end
local r = q:close{ deadline = 600 }
local cpu, wall = os.clock() - cpu0, core.now() - t0
local s = q:stats()
assert(r.pending == 0 and s.dropped == 0 and s.sent == 2 * n, "not everything was sent")
common.report{ n = 2 * n, cpu_s = cpu, wall_s = wall, batches = s.batches, retries = s.retries }
