-- bench (q): the cost of an add, in a child process: N adds of one kind into a queue whose route the
-- emulator paused (a 429 with Retry-After 3600, set by bench/queue.lua), so that every item stays
-- pending. Prints CPU and wall time per add, Lua heap kept per pending item, Lua heap allocated per add
-- (50 000 adds into a second queue with the collector stopped) and the peak RSS the pending items took.
--   lua5.4 bench/queue_add.lua profile|event|custom_data N [spool folder]
local common = require "bench.common"
local core = require "batch.core"

local kind, n, spool = arg[1], tonumber(arg[2]), arg[3]

-- 1000 distinct items (and custom IDs), reused: what is measured is the queue's memory, not the items'.
local ids, items = {}, {}
for i = 1, 1000 do
  ids[i] = "user-" .. i
  items[i] = kind == "profile" and { identifiers = { custom_id = ids[i] }, attributes = { n = i } }
             or kind == "event" and { name = "seen", attributes = { n = i } } or { n = i }
end

local function adds(q, count)
  if kind == "profile" then
    for i = 1, count do assert(q:update_profile(items[i % 1000 + 1])) end
  elseif kind == "event" then
    for i = 1, count do assert(q:track(ids[i % 1000 + 1], items[i % 1000 + 1])) end
  else
    for i = 1, count do assert(q:set_custom_data(ids[i % 1000 + 1], items[i % 1000 + 1], false)) end
  end
end

local c = common.client()
local q = c:queue{ flush_interval = 3600, max_pending = n + 100000, spool = spool }
adds(q, 1) -- the first batch meets the 429: the route is paused from here on
collectgarbage()
collectgarbage()
local hwm0 = common.memory()
local heap0 = collectgarbage("count")
local cpu0, t0 = os.clock(), core.now()
adds(q, n)
local cpu, wall = os.clock() - cpu0, core.now() - t0
collectgarbage()
collectgarbage()
local kept = (collectgarbage("count") - heap0) * 1024 / n
local hwm = common.memory()
assert(q:stats().pending == n + 1, "items were sent: the route was not paused")

-- what an add allocates, the growth of the queue's arrays included: a fresh queue (its route paused as
-- well: the pause is the budget's, which both queues share), the collector stopped
local m = 50000
local q2 = c:queue{ flush_interval = 3600, max_pending = m + 1 }
collectgarbage()
collectgarbage("stop")
local a0 = collectgarbage("count")
adds(q2, m)
local allocated = (collectgarbage("count") - a0) * 1024 / m
collectgarbage("restart")
assert(q2:stats().sent == 0, "items were sent: the route was not paused")

common.report{ n = n, cpu_us = cpu / n * 1e6, wall_us = wall / n * 1e6, kept_bytes = kept,
               allocated_bytes = allocated, hwm_kb = hwm, hwm_delta_kb = hwm - hwm0 }
os.exit(0) -- no close: the pending items are given up with the process
