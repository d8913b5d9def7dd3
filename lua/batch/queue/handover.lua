-- What a queue hands over through its spool: when it closes, the items it could not send (kept in the
-- spool for the next queue on it, or without a spool given up to on_drop with QUEUE_CLOSED); when it
-- opens (and from time to time after), the items of queues that are gone.
local pump = require "batch.queue.pump"
local Error = require "batch.error"

local ipairs = ipairs

local _M = { DEFAULT_DEADLINE = 30 } -- seconds: close without a deadline, a collected queue, an exiting worker

-- Ends a close, once nothing else will be sent: marks the queue closed and hands over what is left.
function _M.leave(q)
  q.closed = true
  local sp = q.spool
  if q.pending > 0 and sp then
    q.spool = nil
    sp:close(true)
    return
  end
  if q.pending > 0 then
    pump.drop_all(q, Error.queue_closed("the queue was closed before these items were sent (close's deadline)"))
  end
  if sp then
    q.spool = nil
    sp:close(false)
  end
end

-- Takes in the items of dead queues' spool files (batch.queue.spool's adopt), in their order.
function _M.adopt(q, now)
  local items = q.spool:adopt(now)
  if not items then return end
  for _, it in ipairs(items) do
    local lane = q.lanes_by[it[1].name]
    lane:push(it[2], it[3], it[4], it[5], q.clock())
    q.pending = q.pending + 1
    q.counts.recovered = q.counts.recovered + 1
  end
  if #items > 0 then q.wake = q.clock() end
end

return _M
