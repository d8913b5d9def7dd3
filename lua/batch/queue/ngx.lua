-- The queue inside nginx. An add only puts the item in its line (and wakes the timer when a batch
-- is full): nothing is sent in the request that added. One ngx.timer per queue and worker, the pump,
-- sends while anything is pending, sleeping on a semaphore (at most a second at a time) until something
-- is due, and ends when nothing is left; the next add starts it again. flush and close wait for it in
-- the phases that can yield (elsewhere they only wake it). A worker that exits (nginx -s quit, reload)
-- refuses adds (QUEUE_CLOSED) and its pump flushes what is left for close's default deadline, then gives
-- up the rest (or keeps it in the spool). Drops that no on_drop hears of are logged as warnings.
local pump = require "batch.queue.pump"
local handover = require "batch.queue.handover"
local spool = require "batch.queue.spool"
local PHASES = require("batch.transport.ngx").PHASES

local ngx = rawget(_G, "ngx")
local semaphore = require "ngx.semaphore"

local pcall, tostring, min, max, huge = pcall, tostring, math.min, math.max, math.huge

local _M = {}

local DEADLINE = handover.DEFAULT_DEADLINE -- what an exiting worker (or a collected queue) gives its last items
local SLICE = 1       -- the longest the pump sleeps before it looks at ngx.worker.exiting() again

local D = {}

local function log_error(what, err)
  ngx.log(ngx.ERR, "lua-batch queue: ", what, ": ", tostring(err))
end

local function wake(q)
  if q.sleeping then q.sema:post(1) end
end

local function pump_loop(premature, q)
  local client = q.client
  while true do
    local now = client.now()
    if (premature or ngx.worker.exiting()) and not q.exit_at then
      q.exit_at = now
      q.close_at = min(q.close_at or huge, now + DEADLINE)
    end
    local sp = q.spool
    if sp and now - sp.adopted_at >= spool.ADOPT_EVERY and not q.close_at then
      local ok, err = pcall(handover.adopt, q, now)
      if not ok then log_error("spool", err) end
    end
    local closing = q.close_at
    local flushing = closing ~= nil or (q.flush_until ~= nil and now < q.flush_until)
    local ok, any, next_at = pcall(pump.run, q, now, flushing, closing)
    if not ok then -- a hook raised: logged, and the pump goes on a second later
      log_error("a hook raised", any)
      any, next_at = false, now + 1
    end
    if any and q.waiters > 0 then q.done:post(q.waiters) end
    now = client.now()
    if q.pending == 0 then
      q.flush_until = nil -- the flushes asked for are done: later items wait for their interval
      break
    end
    if closing and (now >= closing or (not any and (not next_at or next_at >= closing))) then break end
    if not any then
      local w = (next_at or now + q.interval) - now
      if w > 0 then
        q.sleeping = true
        q.sema:wait(min(w, SLICE))
        q.sleeping = false
      end
    end
  end
  if q.close_at then
    local ok, err = pcall(handover.leave, q)
    if not ok then log_error("on_drop", err) end
  end
  q.pumping = false
  if q.waiters > 0 then q.done:post(q.waiters) end
end

local function start(q)
  q.pumping = true
  local ok, started, err = pcall(ngx.timer.at, 0, pump_loop, q)
  if not (ok and started) then
    q.pumping = false
    log_error("cannot start its timer", ok and err or started)
  end
end

-- Waits (in a phase that can yield) until nothing is pending, the pump stopped, or until `at`.
local function wait(q, at)
  if not PHASES[ngx.get_phase()] then return end
  q.waiters = q.waiters + 1
  while q.pending > 0 and q.pumping do
    local left = at - q.client.now()
    if left <= 0 then break end
    q.done:wait(min(left, 0.5))
  end
  q.waiters = q.waiters - 1
end

function D.added(q, lane, now, was_empty)
  if not q.pumping then
    start(q)
  elseif was_empty or lane:full(now) then
    wake(q)
  end
end

function D.kick(q)
  if not q.pumping then start(q) end
end

function D.flush(q, deadline)
  local now = q.client.now()
  q.flush_until = max(q.flush_until or 0, now + deadline)
  if q.pending == 0 then return end
  if q.pumping then wake(q) else start(q) end
  wait(q, now + deadline)
end

function D.close(q, deadline)
  local now = q.client.now()
  q.closed = true -- refuses adds from now on; the pump finishes the close
  q.close_at = min(q.close_at or huge, now + deadline)
  if not q.pumping then
    if q.pending == 0 then return handover.leave(q) end
    start(q)
  else
    wake(q)
  end
  wait(q, q.close_at + 1)
end

-- A collected queue has no pump running (the pump's timer holds it): close it in a timer of its own.
function D.collected(q)
  if q.pending > 0 then
    local ok, started = pcall(ngx.timer.at, 0, function() D.close(q, DEADLINE) end)
    if ok and started then return end
  end
  pcall(handover.leave, q)
end

-- Makes q an nginx queue: its clock is the event loop's, its driver the pump above.
function _M.attach(q)
  q.driver = D
  q.clock = ngx.now
  q.exiting = ngx.worker.exiting
  q.sema, q.done, q.waiters = semaphore.new(0), semaphore.new(0), 0
  q.log = function(ev)
    ngx.log(ngx.WARN, "lua-batch queue: dropped ", ev.count, " item(s) of ", ev.route, ": ", ev.reason)
  end
end

return _M
