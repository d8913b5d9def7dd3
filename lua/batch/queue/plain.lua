-- The queue outside nginx, where there are no timers: the adds send what is due (the add that fills a
-- batch, or finds one older than flush_interval, sends it: at most one batch per route per add, never
-- waiting for a budget, a pause or a backoff), and flush/close send everything, waiting through the
-- engine (the client's sleep). A queue left idle sends at its next add or flush.
local pump = require "batch.queue.pump"
local spool = require "batch.queue.spool"
local handover = require "batch.queue.handover"

local pcall, error, min, huge = pcall, error, math.min, math.huge

local _M = {}

function _M.added(q, lane, now, was_empty)
  if was_empty then q.wake = min(q.wake, now + q.interval) end
  if q.running or (now < q.wake and not lane:full(now)) then return end
  q.running = true
  local ok, any, wake = pcall(pump.run, q, now, false, nil, 1)
  q.running = false
  if not ok then
    q.wake = now
    error(any, 0)
  end
  q.wake = wake or huge
end

function _M.flush(q, deadline)
  if q.running then return end -- called by a hook while the queue sends: it goes on by itself
  local sp = q.spool
  if sp and q.client.now() - sp.adopted_at >= spool.ADOPT_EVERY then handover.adopt(q, q.client.now()) end
  q.running = true
  local ok, err = pcall(pump.flush, q, q.client.now() + deadline)
  q.running = false
  q.wake = q.client.now()
  if not ok then error(err, 0) end
end

function _M.close(q, deadline)
  _M.flush(q, deadline)
  handover.leave(q)
end

-- A queue collected with items pending flushes them (close's default deadline), or when it cannot,
-- gives them up; a raise there has nowhere to go.
function _M.collected(q)
  if not pcall(_M.close, q, handover.DEFAULT_DEADLINE) and not q.closed then pcall(handover.leave, q) end
end

return _M
