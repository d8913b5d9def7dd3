-- Rate budgets of the queue, on a store: an nginx lua_shared_dict (every worker of the instance draws
-- from the same budgets and sees the same pauses) or a table of this process (local_store, the same
-- methods). Only atomic steps of the dict are used (get, add, incr, set, delete); where two workers race,
-- the outcome errs on the safe side: fewer tokens, never more.
--   take(store, key, rate, burst, cost, now)  -> true | false, seconds to wait
--   pause(store, key, until_t, now) / paused(store, key, now) -> until_t | nil
--   acquire(store, key, ttl) -> true | false;  release(store, key)   (one batch at a time)
-- Times are on `now`'s clock: ngx.now() inside nginx (the same for every worker), the client's elsewhere.
local setmetatable = setmetatable

local _M = {}

-- A token bucket kept as two numbers: t0, the time of its first use, and `used`, the tokens drawn
-- since t0 counting the ones a full bucket never got. At `now` the bucket allows burst + rate * (now
-- - t0) tokens in all; a draw increments `used` and is undone when that goes past the allowance. A
-- bucket left idle is full, not fuller: `used` is raised to rate * (now - t0) first.
function _M.take(store, key, rate, burst, cost, now)
  local kt, ku = key .. ":t0", key .. ":used"
  local t0 = store:get(kt)
  if not t0 then
    store:add(kt, now)
    t0 = store:get(kt) or now
  end
  local full = rate * (now - t0)
  local used = store:get(ku)
  if used == nil or used < full then store:incr(ku, full - (used or full), full) end
  local after = store:incr(ku, cost, full)
  if not after then return true end -- a dict out of memory: send rather than hold everything
  local allowed = full + burst
  if after <= allowed then return true end
  store:incr(ku, -cost, full)
  return false, (after - allowed) / rate
end

-- Pauses a route until until_t (the later of two pauses wins).
function _M.pause(store, key, until_t, now)
  local k = key .. ":pause"
  local cur = store:get(k)
  if not cur or cur < until_t then store:set(k, until_t, until_t - now + 1) end
end

function _M.paused(store, key, now)
  local u = store:get(key .. ":pause")
  if u and u > now then return u end
end

-- The slot of a route that sends one batch at a time; ttl frees it should its holder die.
function _M.acquire(store, key, ttl)
  return store:add(key .. ":slot", true, ttl) == true
end

function _M.release(store, key)
  store:delete(key .. ":slot")
end

------------------------------------------------------------------------------------------------------
-- The store of a process: the dict methods the budgets use, on a table (expiry times are not kept:
-- pauses compare with the time, slots are always released)
------------------------------------------------------------------------------------------------------
local Local = {}
Local.__index = Local

function Local:get(k) return self.t[k] end
function Local:set(k, v) self.t[k] = v return true end
function Local:delete(k) self.t[k] = nil end

function Local:add(k, v)
  if self.t[k] ~= nil then return false, "exists" end
  self.t[k] = v
  return true
end

function Local:incr(k, v, init)
  local cur = self.t[k]
  if cur == nil then
    if init == nil then return nil, "not found" end
    cur = init
  end
  cur = cur + v
  self.t[k] = cur
  return cur
end

-- Stores of this process by clock and budget (one per project or app key): queues of one key share
-- their budgets, as Batch counts them, when they share a clock (times of two clocks do not compare).
local stores = setmetatable({}, { __mode = "k" })

function _M.local_store(budget, clock)
  local by_budget = stores[clock]
  if not by_budget then
    by_budget = setmetatable({}, { __mode = "v" })
    stores[clock] = by_budget
  end
  local s = by_budget[budget]
  if not s then
    s = setmetatable({ t = {} }, Local)
    by_budget[budget] = s
  end
  return s
end

return _M
