-- What goes next, and when: one step sends at most one batch of one route, if its budget allows
-- (the token bucket of a rated route, the slot of a route sent one batch at a time, the pause after a
-- 429), and applies the outcome: the batch ends (its items sent or dropped), goes again later, or is
-- split. A step never waits; it says when that route may go next. The drivers (plain Lua: the adds and
-- flush/close; nginx: a timer) call run(); flush() waits between runs through the engine's wait.
local bucket = require "batch.queue.bucket"
local batcher = require "batch.queue.batcher"
local send = require "batch.queue.send"
local hooks = require "batch.queue.hooks"
local engine = require "batch.engine"

local ipairs, pcall, error, max, remove, huge = ipairs, pcall, error, math.max, table.remove, math.huge

local _M = {}

local SLOT_POLL = 0.05 -- seconds between two looks at a slot another nginx worker holds

local function earlier(a, b)
  if a == nil then return b end
  if b == nil or a < b then return a end
  return b
end

local function resend_later(lane, b, at)
  b.next_at = at
  local r = lane.resends
  r[#r + 1] = b
end

-- A batch ended for good: its items leave the queue, the spool notes it, then the hooks hear of it.
local function ended(q, lane, b, out, now)
  local ids = b.ids
  for i = 1, b.n do lane:release(ids[i]) end
  if q.spool then q.spool:done(b.seqs, b.n) end
  local dropped = 0
  for _, d in ipairs(out.drops) do dropped = dropped + #d.idx end
  local c = q.counts
  c.sent, c.dropped = c.sent + out.sent, c.dropped + dropped
  q.pending = q.pending - b.n
  if b.after then resend_later(lane, b.after, now) end
  local report = out.called and { route = lane.kind.route.name, items = b.n, sent = out.sent, dropped = dropped,
                                  status = out.status, attempts = b.attempts, err = out.err } or nil
  hooks.ended(q, b, out.drops, report)
end
_M.ended = ended

-- The resend of lane due first at `now` (removed from the list), and the time of the next one.
local function due_resend(lane, now)
  local r, bi, wake = lane.resends, nil, nil
  for i = 1, #r do
    local at = r[i].next_at
    if at <= now then
      if not bi or at < r[bi].next_at then bi = i end
    else
      wake = earlier(wake, at)
    end
  end
  if bi then
    local b = remove(r, bi)
    if lane.budget_wait == b then lane.budget_wait = nil end
    return b, wake
  end
  return nil, wake
end

-- One step of lane at `now`: returns true when a batch went (or ended), else false and when the lane
-- may have something to send (nil: nothing waits). flushing: send what waits even before it is due.
function _M.step(q, lane, now, flushing, deadline)
  local store, key = lane.store, lane.key
  local paused = bucket.paused(store, key, now)
  if paused then return false, paused end
  local b, wake = due_resend(lane, now)
  if not b then
    -- a batch waiting for the budget goes before any new one
    if lane.budget_wait or lane.waiting == 0 then return false, wake end
    if not (flushing or lane:due(now, q.interval)) then return false, earlier(wake, lane:due_at(q.interval)) end
    b = lane:take()
    if not b then return false, wake end -- everything waiting is held behind a batch that is out
  end
  if lane.rate then
    local ok, wait = bucket.take(store, key, lane.rate, lane.burst, b.distinct, now)
    if not ok then
      lane.budget_wait = b
      resend_later(lane, b, now + wait)
      return false, now + wait
    end
  elseif not bucket.acquire(store, key, lane.slot_ttl) then
    lane.budget_wait = b
    resend_later(lane, b, now + SLOT_POLL)
    return false, now + SLOT_POLL
  end
  -- another worker may have paused the route while this step made its batch (a slot's holder pauses
  -- before it lets go, so whoever takes the slot next sees the pause here); the tokens stay spent
  paused = bucket.paused(store, key, now)
  if paused then
    if not lane.rate then bucket.release(store, key) end
    lane.budget_wait = b
    resend_later(lane, b, paused)
    return false, paused
  end
  local ok, out = pcall(send.send, q, b, deadline)
  local after = q.client.now()
  -- a 429's pause is written before the slot is let go, so whoever takes the slot next sees it
  if ok and out.pause then bucket.pause(store, key, out.pause, after) end
  if not lane.rate then bucket.release(store, key) end
  if not ok then -- a hook of the client (on_event) raised: the batch goes again, the raise goes on
    resend_later(lane, b, after)
    error(out, 0)
  end
  if out.resend then
    q.counts.failed = q.counts.failed + b.n
    resend_later(lane, b, out.resend)
  elseif out.split then
    resend_later(lane, batcher.split(b), after)
  else
    ended(q, lane, b, out, after)
  end
  return true
end

-- Sends what may go now on every route, at most `per_lane` batches each (nil: as many as may go).
-- Returns whether anything went, and the earliest time something else may (nil: nothing waits).
function _M.run(q, now, flushing, deadline, per_lane)
  local any, wake = false, nil
  for _, lane in ipairs(q.lanes) do
    local k = 0
    while true do
      if deadline and now >= deadline then
        wake = earlier(wake, now)
        break
      end
      local sent, w = _M.step(q, lane, now, flushing, deadline)
      if not sent then
        wake = earlier(wake, w)
        -- a full line that could not go (pause, budget, resends): adds need not wake the pump before w
        lane.blocked_until = lane.tail - lane.head + 1 >= lane.max and (w or huge) or nil
        break
      end
      lane.blocked_until = nil
      any, k, now = true, k + 1, q.client.now()
      if per_lane and k >= per_lane then
        wake = earlier(wake, now) -- more may go at once
        break
      end
    end
  end
  if q.spool then q.spool:sync_due(now, q.interval) end
  return any, wake
end

-- Gives up every item left (close's deadline passed): each route's items go to on_drop with err.
-- Raises the first hook's raise once every route was reported.
function _M.drop_all(q, err)
  local first
  for _, lane in ipairs(q.lanes) do
    local b = lane:drain()
    if b.n > 0 then
      if q.spool then q.spool:done(b.seqs, b.n) end
      q.counts.dropped = q.counts.dropped + b.n
      q.pending = q.pending - b.n
      local idx = {}
      for i = 1, b.n do idx[i] = i end
      local ok, raised = pcall(hooks.ended, q, b, { { idx = idx, err = err } })
      if not ok and first == nil then first = raised end
    end
  end
  if first ~= nil then error(first, 0) end
end

-- Sends everything it can before deadline (absolute), waiting for budgets, pauses and backoffs with the
-- engine's wait. Returns when nothing is pending, the deadline has passed, or what is left cannot go
-- before it.
function _M.flush(q, deadline)
  local client = q.client
  local now = client.now()
  while q.pending > 0 and now < deadline do
    local any, wake = _M.run(q, now, true, deadline)
    now = client.now()
    if not any then
      if not wake or wake >= deadline then break end
      if wake > now then engine.wait(client, wake - now) end
      now = max(client.now(), wake) -- an injected sleep need not move an injected clock
    end
  end
end

return _M
