-- client:queue{...}: many small writes (profile updates, events, custom data) sent in batches, each
-- route's batches filled to its cap, within Batch's rates, at least once (README, "The queue").
--   q:update_profile(profile) / q:track(custom_id, event) / q:set_custom_data(custom_id, values, overwrite)
--       --> true | nil, err (QUEUE_FULL, INVALID_ARGUMENT, IO_ERROR of the spool; QUEUE_CLOSED in an
--           exiting nginx worker); a wrong Lua type, or an add after close, raises
--   q:flush{ deadline } / q:close{ deadline } --> { sent, failed, dropped, pending }   (what that call did)
--   q:stats() --> { pending, sent, failed, dropped, batches, retries, accepted, recovered }
-- The work is split: kinds (what each add becomes), batcher (the line of a route and its batches),
-- bucket (rate budgets, local or in a lua_shared_dict), send (one attempt through the engine), pump
-- (what goes next), hooks (on_flush, on_drop), spool (the log on disk), handover (what close leaves, what
-- a new queue takes in), and the driver: outside nginx batch.queue.plain (the adds and flush/close drive
-- the sending), inside nginx batch.queue.ngx (a timer does).
local kinds = require "batch.queue.kinds"
local batcher = require "batch.queue.batcher"
local bucket = require "batch.queue.bucket"
local spool = require "batch.queue.spool"
local plain = require "batch.queue.plain"
local handover = require "batch.queue.handover"
local api = require "batch.api"
local Error = require "batch.error"
local transport = require "batch.transport"

local type, pairs, ipairs, error, tostring, setmetatable, getmetatable, floor, min, max, huge, format =
  type, pairs, ipairs, error, tostring, setmetatable, getmetatable, math.floor, math.min, math.max, math.huge,
  string.format
local newproxy = rawget(_G, "newproxy")

local _M = {}

local MARGIN = 0.95          -- each bucket runs 5% under Batch's rate and burst
local DEFAULT_DEADLINE = handover.DEFAULT_DEADLINE -- of close (and flush) without a deadline

local OPTIONS = { flush_interval = "number", max_pending = "number", on_flush = "function", on_drop = "function",
                  spool = "string", shared_dict = "string", rates = "table" }

local function check_options(opts)
  if opts == nil then return {} end
  if type(opts) ~= "table" then error("client:queue: options must be a table, got " .. type(opts), 3) end
  for k, v in pairs(opts) do
    local want = OPTIONS[k]
    if not want then error("client:queue: unknown option '" .. tostring(k) .. "'", 3) end
    if type(v) ~= want then error(format("client:queue: %s must be a %s, got %s", k, want, type(v)), 3) end
  end
  local fi = opts.flush_interval
  if fi and not (fi > 0 and fi < huge) then error("client:queue: flush_interval must be a number of seconds > 0", 3) end
  local mp = opts.max_pending
  if mp and not (mp >= 1 and mp % 1 == 0) then error("client:queue: max_pending must be a whole number >= 1", 3) end
  if opts.spool == "" then error("client:queue: spool must name a folder", 3) end
  for name, r in pairs(opts.rates or {}) do
    local kind
    for _, k in ipairs(kinds.list) do if k.route.name == name then kind = k end end
    if not kind then error("client:queue: rates: unknown route '" .. tostring(name) .. "'", 3) end
    local bad_rate = type(r) ~= "table" or type(r.rate) ~= "number" or r.rate ~= r.rate or r.rate <= 0
    local bad_burst = not bad_rate and r.burst ~= nil
                      and (type(r.burst) ~= "number" or r.burst ~= r.burst or r.burst < 1)
    if bad_rate or bad_burst then
      error("client:queue: rates['" .. name .. "'] must be { rate = calls/s > 0, burst = tokens >= 1 }", 3)
    end
  end
  return opts
end

-- The store of a route's budget and its key there: a lua_shared_dict shared by the workers, or this
-- process's store of that key (Batch counts per project for 2.x, per app for 1.x).
local function budget_of(q, kind, dict)
  local o = q.client.opts
  local owner = kind.family == "2" and ("2 " .. tostring(o.project_key)) or ("1 " .. tostring(o.api_key))
  local budget = o.base_url .. " " .. owner
  if dict then return dict, "lbq:" .. rawget(_G, "ngx").crc32_long(budget) .. ":" .. kind.route.name end
  return bucket.local_store(budget, q.client.now), kind.route.name
end

-- A client that cannot make a route's calls is a programmer error, raised by its first add.
local function need_keys(q, kind)
  local o = q.client.opts
  if kind.family ~= "2" and not o.api_key then
    error("batch: api_key is required for the queue's " .. kind.route.lua
          .. " calls (option api_key or BATCH_API_KEY)", 4)
  end
  api.headers(q.client, kind.family, true) -- raises without rest_key (or project_key for 2.x)
end

local function counts_of(q)
  local c = q.counts
  return { pending = q.pending, sent = c.sent, failed = c.failed, dropped = c.dropped, batches = c.batches,
           retries = c.retries, accepted = c.accepted, recovered = c.recovered }
end

local function report_since(q, before)
  local c = q.counts
  return { sent = c.sent - before.sent, failed = c.failed - before.failed, dropped = c.dropped - before.dropped,
           pending = q.pending }
end

local function deadline_of(fname, opts)
  if opts == nil then return DEFAULT_DEADLINE end
  if type(opts) ~= "table" then error(fname .. ": options must be a table, got " .. type(opts), 3) end
  for k in pairs(opts) do
    if k ~= "deadline" then error(fname .. ": unknown option '" .. tostring(k) .. "'", 3) end
  end
  local d = opts.deadline
  if d == nil then return DEFAULT_DEADLINE end
  if type(d) ~= "number" or d ~= d then error(fname .. ": deadline must be a number of seconds", 3) end
  return d
end

------------------------------------------------------------------------------------------------------
-- The queue
------------------------------------------------------------------------------------------------------
local Queue = {}
Queue.__index = Queue

local function add(q, lane, fname, id, item, flag)
  local exiting = q.exiting
  if exiting and exiting() then return nil, Error.queue_closed("the nginx worker is exiting") end
  if q.closed then error(fname .. ": the queue is closed", 3) end
  if q.pending >= q.max_pending then return nil, Error.queue_full(q.pending) end
  if not lane.keys_checked then
    need_keys(q, lane.kind)
    lane.keys_checked = true
  end
  local seq
  local sp = q.spool
  if sp then
    local err
    seq, err = sp:append(lane.kind, id, item, flag)
    if not seq then return nil, err end
  end
  local now = q.clock()
  local was_empty = lane.head > lane.tail
  lane:push(id, item, flag, seq, now)
  q.pending = q.pending + 1
  q.counts.accepted = q.counts.accepted + 1
  q.driver.added(q, lane, now, was_empty)
  return true
end

-- q:update_profile(profile) -> true | nil, err   (profiles/update, 200 a call)
function Queue:update_profile(profile)
  local id, err = kinds.profile.check(profile)
  if not id then return nil, err end
  return add(self, self.lanes_by.profile, "queue:update_profile", id, profile, nil)
end

-- q:track(custom_id, event) -> true | nil, err   (events/users, 1000 events a call)
function Queue:track(custom_id, event)
  local id, err = kinds.event.check(custom_id, event)
  if not id then return nil, err end
  return add(self, self.lanes_by.event, "queue:track", id, event, nil)
end

-- q:set_custom_data(custom_id, values, overwrite) -> true | nil, err   (data/users, 10 000 a call)
function Queue:set_custom_data(custom_id, values, overwrite)
  local id, err = kinds.custom_data.check(custom_id, values, overwrite)
  if not id then return nil, err end
  return add(self, self.lanes_by.custom_data, "queue:set_custom_data", id, values, overwrite == true)
end

-- q:flush{ deadline = s } -> { sent, failed, dropped, pending }: sends what waits, even before it is due.
function Queue:flush(opts)
  local deadline = deadline_of("queue:flush", opts)
  local before = counts_of(self)
  if not self.closed then self.driver.flush(self, deadline) end
  return report_since(self, before)
end

-- q:close{ deadline = s } -> { sent, failed, dropped, pending }: flushes, then refuses new items.
function Queue:close(opts)
  local deadline = deadline_of("queue:close", opts)
  local before = counts_of(self)
  if not self.closed then self.driver.close(self, deadline) end
  return report_since(self, before)
end

function Queue:stats()
  return counts_of(self)
end

Queue.__close = function(self) self:close() end

-- What runs at collection: the queue's state, not the object the user holds (a userdata on Lua 5.1
-- and LuaJIT, whose tables have no __gc).
local function guard(q)
  local function finalize()
    if not q.closed then q.driver.collected(q) end
  end
  if newproxy then
    local g = newproxy(true)
    getmetatable(g).__gc = finalize
    return g
  end
  return setmetatable({}, { __gc = finalize })
end

function _M.new(client, opts)
  opts = check_options(opts)
  local in_nginx = transport.in_nginx()
  local dict
  if opts.shared_dict then
    local ngx = rawget(_G, "ngx")
    if not in_nginx then error("client:queue: shared_dict works inside nginx only", 2) end
    dict = ngx.shared[opts.shared_dict]
    if not dict then
      error("client:queue: no lua_shared_dict '" .. opts.shared_dict .. "' (add `lua_shared_dict "
            .. opts.shared_dict .. " 1m;` to the http block of nginx.conf)", 2)
    end
  end
  local q = setmetatable({
    client = client, interval = opts.flush_interval or 1, max_pending = opts.max_pending or 100000,
    on_flush = opts.on_flush, on_drop = opts.on_drop, clock = client.now, driver = plain,
    pending = 0, wake = huge, lanes = {}, lanes_by = {},
    counts = { sent = 0, failed = 0, dropped = 0, batches = 0, retries = 0, accepted = 0, recovered = 0 },
  }, Queue)
  local rates = opts.rates or {}
  for _, kind in ipairs(kinds.list) do
    local r = rates[kind.route.name] or kind.rate
    local lane
    if r then
      local burst = max(1, (r.burst or r.rate) * MARGIN) -- a bucket smaller than one token never fills
      lane = batcher.new(kind, min(kind.cap, floor(burst)))
      lane.rate, lane.burst = r.rate * MARGIN, burst
    else
      lane = batcher.new(kind)
      lane.slot_ttl = client.opts.timeout + 10
    end
    lane.store, lane.key = budget_of(q, kind, dict)
    q.lanes[#q.lanes + 1] = lane
    q.lanes_by[kind.name] = lane
  end
  if in_nginx then require("batch.queue.ngx").attach(q) end
  if opts.spool then
    local now = client.now()
    local sp, err = spool.open(opts.spool, now)
    if not sp then error("client:queue: spool: " .. tostring(err.message), 2) end
    q.spool = sp
    handover.adopt(q, now)
    if q.pending > 0 and q.driver.kick then q.driver.kick(q) end
  end
  q.guard = guard(q)
  return q
end

return _M
