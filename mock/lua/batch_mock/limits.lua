-- Batch's rate limits (batch-api.md §7, §13, §15): token buckets in the batch_mock_limits shared dict,
-- so every nginx worker draws from the same ones. A take happens under one lock (lock.lua): the
-- refill, the check and the draw of all the buckets a call needs are one step, and no refill is lost
-- to a concurrent call.
--   bucket                 rate/s   burst   one token is
--   profiles/update           300    1000   a distinct custom ID of the call (CONFIRMED)
--   profiles/mass-update    10000   10000   a distinct custom ID ("no burst": one second's worth, UNCONFIRMED)
--   catalogs                    5       5   a request to any /catalogs/ route (burst UNCONFIRMED)
--   catalogs/items           1000    1000   an item of catalogs/items/edit (burst UNCONFIRMED)
-- Over the limit: 429 with the 2.x error body TOO_MANY_REQUESTS; a Retry-After header (seconds until
-- the bucket holds enough) only when the retry_after switch is on (whether Batch sends one is
-- UNCONFIRMED). Counters per route: calls accepted and rejected since the last reset.
local ngx = ngx
local json = require "batch_mock.json"
local lock = require "batch_mock.lock"
local errors = require "batch_mock.errors"

local type, pairs, ipairs, tostring, min, ceil, max = type, pairs, ipairs, tostring, math.min, math.ceil, math.max

local _M = {}

_M.DEFAULT_RATES = {
  ["profiles/update"] = { rate = 300, burst = 1000 },
  ["profiles/mass-update"] = { rate = 10000, burst = 10000 },
  ["catalogs"] = { rate = 5, burst = 5 },
  ["catalogs/items"] = { rate = 1000, burst = 1000 },
}

local function dict() return ngx.shared.batch_mock_limits end

local function copy_rates(t)
  local out = {}
  for k, v in pairs(t) do out[k] = { rate = v.rate, burst = v.burst } end
  return out
end

-- { enabled, retry_after, rates }
local function settings()
  local raw = dict():get("cfg")
  if raw then return json.decode(raw) end
  return { enabled = true, retry_after = false, rates = copy_rates(_M.DEFAULT_RATES) }
end

local function save(cfg) assert(dict():safe_set("cfg", json.encode(cfg))) end

function _M.reset()
  dict():flush_all()
  save(settings())
end

-- Draws cost tokens from each bucket of needs ({ { bucket, cost }, ... }) for route, or none.
-- Returns nothing when the call may go on, else the 429 answer (status, body, headers).
function _M.take(route, needs)
  local d = dict()
  return lock.with("limits", function()
    local cfg = settings()
    if not cfg.enabled then
      d:incr("acc:" .. route, 1, 0)
      return
    end
    ngx.update_time()
    local now = ngx.now()
    local levels, wait = {}, 0
    for i, need in ipairs(needs) do
      local r = cfg.rates[need[1]]
      local level = d:get("tok:" .. need[1])
      local last = d:get("t:" .. need[1])
      if not level then
        level = r.burst
      else
        level = min(r.burst, level + (now - last) * r.rate)
      end
      levels[i] = level
      if level < need[2] then wait = max(wait, (need[2] - level) / r.rate) end
    end
    local ok = wait == 0
    for i, need in ipairs(needs) do
      d:set("tok:" .. need[1], ok and levels[i] - need[2] or levels[i])
      d:set("t:" .. need[1], now)
    end
    if ok then
      d:incr("acc:" .. route, 1, 0)
      return
    end
    d:incr("rej:" .. route, 1, 0)
    local status, body = errors.v2("TOO_MANY_REQUESTS", "Too many requests on " .. route
      .. ": rate limit exceeded, please wait a few seconds before retrying")
    local headers = cfg.retry_after and { ["Retry-After"] = tostring(max(1, ceil(wait))) } or nil
    return status, body, headers
  end, d)
end

-- GET /_mock/limits: the settings and the counters of the given route names (all listed, 0 when
-- never called).
function _M.view(routes)
  local d = dict()
  local cfg = settings()
  local accepted, rejected = {}, {}
  for _, name in ipairs(routes) do
    accepted[name] = d:get("acc:" .. name) or 0
    rejected[name] = d:get("rej:" .. name) or 0
  end
  return json.encode{ enabled = cfg.enabled, retry_after = cfg.retry_after, rates = cfg.rates,
                      accepted = accepted, rejected = rejected }
end

-- POST /_mock/limits: merges {enabled, retry_after, rates = {bucket = {rate, burst}}}; a bucket
-- whose rate changes starts full. Returns true, or nil and a message.
function _M.set(t)
  local cfg = settings()
  for k, v in pairs(t) do
    if k == "enabled" or k == "retry_after" then
      if type(v) ~= "boolean" then return nil, "limits key '" .. k .. "' must be a boolean" end
    elseif k == "rates" then
      if not json.is_object(v) then return nil, "limits key 'rates' must be an object of buckets" end
      for bucket, r in pairs(v) do
        if not cfg.rates[bucket] then return nil, "unknown rate-limit bucket '" .. tostring(bucket) .. "'" end
        if not json.is_object(r) then return nil, "rates['" .. bucket .. "'] must be {rate, burst}" end
        for f, x in pairs(r) do
          if f ~= "rate" and f ~= "burst" then return nil, "rates['" .. bucket .. "']: unknown key '" .. f .. "'" end
          if type(x) ~= "number" or x <= 0 or x > 1e9 then
            return nil, "rates['" .. bucket .. "']." .. f .. " must be a number in (0, 1e9]"
          end
        end
      end
    else
      return nil, "unknown limits key '" .. tostring(k) .. "'"
    end
  end
  local d = dict()
  return lock.with("limits", function()
    for k, v in pairs(t) do
      if k == "rates" then
        for bucket, r in pairs(v) do
          cfg.rates[bucket].rate = r.rate or cfg.rates[bucket].rate
          cfg.rates[bucket].burst = r.burst or cfg.rates[bucket].burst
          d:delete("tok:" .. bucket)
          d:delete("t:" .. bucket)
        end
      else
        cfg[k] = v
      end
    end
    save(cfg)
    return true
  end, d)
end

return _M
