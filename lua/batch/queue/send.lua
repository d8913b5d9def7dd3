-- One attempt of a batch, through the route table (api.job: the body checked as a single call's) and
-- the attempt engine (engine.call, one attempt: the queue keeps its own schedule), and what the answer
-- means for the batch's items:
--   out = { called, status, err, sent = n,
--           drops = { { idx = {item indices}, err = batch.Error }, ... },   -- when the batch ended
--           resend = t, pause = t,      -- retryable: the batch goes again at t (a 429 pauses the route)
--           split = true }              -- a 400 naming no item: send each half
-- Events with a time are checked against the 24-hour window again here: a stale one is dropped
-- (INVALID_ARGUMENT) instead of failing its batch.
local api = require "batch.api"
local engine = require "batch.engine"
local rules = require "batch.rules"
local Error = require "batch.error"
local kinds = require "batch.queue.kinds"

local type, ipairs, pairs, tonumber, max, time, sort = type, ipairs, pairs, tonumber, math.max, os.time, table.sort

local _M = {}

-- The events of a batch that may go (nil where stale: only an event with a `time` can be, one without
-- is dated by Batch when it arrives), and the drop of the stale ones, or nil.
local function current_events(b)
  local events, stale, items, now = {}, nil, b.items, nil
  for i = 1, b.n do
    local ev = items[i]
    if ev.time ~= nil then
      now = now or time()
      local ok, err = rules.event("queue:track", "event", ev, now)
      if not ok then
        ev = nil
        stale = stale or { idx = {}, err = err }
        stale.idx[#stale.idx + 1] = i
      end
    end
    events[i] = ev
  end
  return events, stale
end

-- Batch's partial errors (`errors[].bulk_index`, 0-based into the body, batch-api.md §7) as the drop
-- of the items they name, or nil when they name none. Each entry is a copy of Batch's with `items`
-- added: the places, in the array on_drop is given, of the items it names (a body entry of 1.x events
-- holds a user's events: several items).
local function partial(value, owners)
  local list = type(value) == "table" and value.errors
  if type(list) ~= "table" then return nil end
  local named, idx, entries, owned = {}, {}, {}, {}
  for _, e in ipairs(list) do
    local k = type(e) == "table" and tonumber(e.bulk_index)
    local owner = k and owners[k + 1]
    if owner then
      owner = type(owner) == "table" and owner or { owner }
      local entry = {}
      for name, v in pairs(e) do entry[name] = v end
      entries[#entries + 1], owned[#entries + 1] = entry, owner
      for _, i in ipairs(owner) do
        if not named[i] then
          named[i] = true
          idx[#idx + 1] = i
        end
      end
    end
  end
  if #idx == 0 then return nil end
  sort(idx)
  local place = {}
  for p, i in ipairs(idx) do place[i] = p end
  for n, entry in ipairs(entries) do
    local items = {}
    for k, i in ipairs(owned[n]) do items[k] = place[i] end
    entry.items = items
  end
  local message = "Batch refused " .. #idx .. " item(s) of the batch: see err.errors"
  return { idx = idx, err = Error.partial(entries, message) }
end

-- Every item of the body, as one drop for err.
local function all_of(owners, err)
  local idx = {}
  for _, owner in ipairs(owners) do
    for _, i in ipairs(type(owner) == "table" and owner or { owner }) do idx[#idx + 1] = i end
  end
  sort(idx)
  return { idx = idx, err = err }
end

-- Sends batch b once, under deadline (absolute; nil: the client's timeout only).
function _M.send(q, b, deadline)
  local kind = b.lane.kind
  local events, stale
  if kind == kinds.event then events, stale = current_events(b) end
  local body, owners = kind.body(b, 1, b.n, events)
  local out = { sent = 0, drops = {} }
  if #body == 0 then -- every event was stale
    out.drops[1] = stale
    return out
  end
  local live = b.n - (stale and #stale.idx or 0)
  local job, err = api.job(q.client, kind.route, { body = body }, nil, deadline)
  local value
  if job then
    job.retries, job.resend = 0, true
    local classify = job.classify
    job.classify = function(j, res)
      out.status = res.status
      return classify(j, res)
    end
    b.attempts = b.attempts + 1
    q.counts.batches = q.counts.batches + 1
    if b.attempts > 1 then q.counts.retries = q.counts.retries + 1 end
    out.called = true
    value, err = engine.call(q.client, job)
  end
  if value ~= nil then
    local drop = partial(value, owners)
    out.drops[#out.drops + 1] = stale
    if drop then
      out.drops[#out.drops + 1] = drop
      out.err = drop.err
    end
    out.sent = live - (drop and #drop.idx or 0)
    return out
  end
  out.err = err
  local bad_request = err.name == "INVALID_ARGUMENT" or err.status == 400
  if bad_request and live > 1 then
    out.split = true -- the halves check their events again
    return out
  end
  local now = q.client.now()
  local at = not bad_request and engine.retry_at(err, b.attempts, now, true, true)
  if at then
    if Error.is_rate_limit(err) then
      out.pause = now + engine.pause_after(err)
      at = max(at, out.pause)
    end
    out.resend = at
    return out
  end
  -- refused for good: the stale events for their reason, the rest for Batch's
  out.drops[#out.drops + 1] = stale
  out.drops[#out.drops + 1] = all_of(owners, err)
  return out
end

return _M
