-- The line of one route: items wait in the order they were added and leave in batches. Order per
-- custom ID: while a batch holding an ID is out (in flight, or waiting to be sent again), later items of
-- that ID do not go into another batch; they are held aside, in order, and go first once that batch
-- has ended. Items of one ID in one batch keep their order in it. No I/O here.
--   lane:push(id, item, flag, seq, now)       an add (flag: custom data's overwrite; seq: its spool record)
--   lane:take() -> batch | nil                the next batch: held items that came free, then the line
--   lane:release(id)                          an item of a batch ended (sent or dropped)
--   lane:due(now, interval), lane:due_at(interval), lane:full(now), lane.waiting (items in no batch),
--   lane:drain()
-- A batch: { lane, n, ids, items, flags, seqs (arrays 1..n), distinct (custom IDs), attempts, next_at,
-- after (the batch to send once this one has ended: the second half of a split) }.
local setmetatable, ipairs, pairs, floor = setmetatable, ipairs, pairs, math.floor

local _M = {}

local Lane = {}
Lane.__index = Lane

local COMPACT = 4096 -- the line's arrays are shifted down once this many slots before it are empty

-- The line of kind's route, whose batches hold at most max items (the cap, or less under a small burst).
function _M.new(kind, max)
  return setmetatable({
    kind = kind, max = max or kind.cap, keeps_flags = kind.flags == true,
    head = 1, tail = 0, ids = {}, items = {}, flags = {}, seqs = {}, times = {},
    held = {},               -- custom ID -> { i = next, last = end, item, flag, seq, time, item, ... }
    ready = {}, rhead = 1, rtail = 0,  -- custom IDs whose held items may go, in the order they came free
    busy = {},               -- custom ID -> its items in batches that have not ended
    waiting = 0,             -- items in no batch (the line and the held ones)
    resends = {},            -- batches to send again, each at its next_at
  }, Lane)
end

function Lane:push(id, item, flag, seq, now)
  local t = self.tail + 1
  self.tail = t
  self.ids[t], self.items[t], self.times[t] = id, item, now
  if self.keeps_flags then self.flags[t] = flag == true end
  if seq then self.seqs[t] = seq end
  self.waiting = self.waiting + 1
end

-- Moves the live slots head..tail of the line down to 1.. (amortized: at most once per half emptied).
local function compact(self)
  local head, tail = self.head, self.tail
  local n = tail - head + 1
  for _, a in ipairs{ self.ids, self.items, self.times, self.flags, self.seqs } do
    if a[head] ~= nil or a[tail] ~= nil then
      for i = 1, n do a[i] = a[head + i - 1] end
      for i = n + 1, tail do a[i] = nil end
    end
  end
  self.head, self.tail = 1, n
end

local function new_batch(lane)
  return { lane = lane, n = 0, ids = {}, items = {}, flags = {}, seqs = {}, attempts = 0 }
end

-- The next batch (at most lane.max items), or nil when none may go now.
function Lane:take()
  local max = self.max
  local b = new_batch(self)
  local bids, bitems, bflags, bseqs = b.ids, b.items, b.flags, b.seqs
  local n, cur, distinct = 0, {}, 0
  local busy, held = self.busy, self.held
  -- held items whose custom ID came free, oldest ID first
  while n < max and self.rhead <= self.rtail do
    local id = self.ready[self.rhead]
    self.ready[self.rhead] = nil
    self.rhead = self.rhead + 1
    local h = held[id]
    local i, last = h.i, h.last
    while n < max and i <= last do
      n = n + 1
      bids[n], bitems[n], bflags[n], bseqs[n] = id, h[i], h[i + 1], h[i + 2]
      i = i + 4
    end
    h.i = i
    -- what did not fit goes ready again when this batch ends (the ID is now busy with it)
    if i > last then held[id] = nil end
    if not cur[id] then cur[id], distinct = true, distinct + 1 end
  end
  if self.rhead > self.rtail then self.rhead, self.rtail = 1, 0 end
  -- then the line
  local head, tail = self.head, self.tail
  local ids, items, flags, seqs, times = self.ids, self.items, self.flags, self.seqs, self.times
  while n < max and head <= tail do
    local id = ids[head]
    local h = held[id]
    if h or (busy[id] and not cur[id]) then
      if not h then
        h = { i = 1, last = 0 }
        held[id] = h
      end
      local l = h.last
      h[l + 1], h[l + 2], h[l + 3], h[l + 4] = items[head], flags[head] or false, seqs[head] or false, times[head]
      h.last = l + 4
    else
      n = n + 1
      bids[n], bitems[n], bflags[n], bseqs[n] = id, items[head], flags[head] or false, seqs[head] or false
      if not cur[id] then cur[id], distinct = true, distinct + 1 end
    end
    ids[head], items[head], flags[head], seqs[head], times[head] = nil, nil, nil, nil, nil
    head = head + 1
  end
  if head > tail then
    self.head, self.tail = 1, 0
  else
    self.head = head
    if head > COMPACT and head * 2 > tail then compact(self) end
  end
  if n == 0 then return nil end
  for i = 1, n do
    local id = bids[i]
    busy[id] = (busy[id] or 0) + 1
  end
  b.n, b.distinct = n, distinct
  self.waiting = self.waiting - n
  return b
end

-- An item of custom ID id left its batch for good: when the ID has no item out any more, its held
-- items may go.
function Lane:release(id)
  local busy = self.busy
  local c = busy[id] - 1
  if c > 0 then
    busy[id] = c
    return
  end
  busy[id] = nil
  if self.held[id] then
    local t = self.rtail + 1
    self.rtail = t
    self.ready[t] = id
  end
end

-- Whether a batch is due: held items came free, a full batch waits, or the oldest item of the line
-- has waited `interval` seconds.
function Lane:due(now, interval)
  if self.rhead <= self.rtail then return true end
  local head = self.head
  if head > self.tail then return false end
  return self.tail - head + 1 >= self.max or now - self.times[head] >= interval
end

-- Whether the line holds a full batch that may go (not blocked until later: see pump.run).
function Lane:full(now)
  if self.tail - self.head + 1 < self.max then return false end
  local blocked = self.blocked_until
  return not blocked or now >= blocked
end

-- When the line's oldest item is due (0: now), or nil when nothing waits that could go.
function Lane:due_at(interval)
  if self.rhead <= self.rtail then return 0 end
  local head = self.head
  if head > self.tail then return nil end
  if self.tail - head + 1 >= self.max then return 0 end
  return self.times[head] + interval
end

-- Everything left in the lane as one batch, the lane left empty: its batches that are out (and the
-- halves waiting behind them), its held items, its line. For close, which gives them up.
function Lane:drain()
  local b = new_batch(self)
  local n, bids, bitems, bflags, bseqs = 0, b.ids, b.items, b.flags, b.seqs
  local function put(id, item, flag, seq)
    n = n + 1
    bids[n], bitems[n], bflags[n], bseqs[n] = id, item, flag, seq
  end
  for _, r in ipairs(self.resends) do
    local x = r
    while x do
      for i = 1, x.n do put(x.ids[i], x.items[i], x.flags[i], x.seqs[i]) end
      x = x.after
    end
  end
  for id, h in pairs(self.held) do
    for i = h.i, h.last, 4 do put(id, h[i], h[i + 1], h[i + 2]) end
  end
  for i = self.head, self.tail do put(self.ids[i], self.items[i], self.flags[i] or false, self.seqs[i] or false) end
  self.head, self.tail, self.ids, self.items, self.flags, self.seqs, self.times = 1, 0, {}, {}, {}, {}, {}
  self.held, self.ready, self.rhead, self.rtail, self.busy, self.resends = {}, {}, 1, 0, {}, {}
  self.waiting, self.budget_wait = 0, nil
  b.n = n
  return b
end

-- The items lo..hi of batch b as a batch of their own.
local function slice(b, lo, hi)
  local p = new_batch(b.lane)
  local n, seen, distinct = 0, {}, 0
  for i = lo, hi do
    n = n + 1
    local id = b.ids[i]
    p.ids[n], p.items[n], p.flags[n], p.seqs[n] = id, b.items[i], b.flags[i], b.seqs[i]
    if not seen[id] then seen[id], distinct = true, distinct + 1 end
  end
  p.n, p.distinct = n, distinct
  return p
end

-- Splits batch b (of two items or more) in halves, for a 400 that names no item: the first half goes
-- now, the second once the first has ended, so that a custom ID's items keep their order. Returns the
-- first half.
function _M.split(b)
  local half = floor(b.n / 2)
  local first, second = slice(b, 1, half), slice(b, half + 1, b.n)
  second.after, first.after = b.after, second
  return first
end

return _M
