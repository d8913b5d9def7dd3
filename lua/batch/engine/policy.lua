-- The retry policy of the contract (README, Retries): which failures are tried again, and how long to
-- wait first. Pure functions of an attempt's error fields; the runner (batch.engine) applies them.
local random, min, max, floor = math.random, math.min, math.max, math.floor
local tonumber, type, time = tonumber, type, os.time
local match = string.match
local Error = require "batch.error"

local _M = {
  BASE = 0.5,         -- first backoff cap, seconds
  CAP = 30,           -- largest backoff cap, seconds
  MIN_429_WAIT = 5,   -- Batch: "wait for at least 5 seconds" after a 429
}

local RETRYABLE_READ = { TIMEOUT = true, NETWORK_ERROR = true }
local RETRYABLE_STATUS = { [429] = true, [500] = true, [502] = true, [503] = true, [504] = true }

-- Whether error fields e may be tried again. Reads retry on 429, 500, 502, 503, 504, timeouts and
-- network failures. Writes retry only when the request surely never reached the server, or on 429/503,
-- which Batch answers before doing anything; with `resend` (the queue, which delivers at least once) a
-- write is retried like a read. An I/O error or a cancel never is.
function _M.retryable(write, e, resend)
  if Error.final(e) then return false end
  if not write or resend then
    if e.status then return RETRYABLE_STATUS[e.status] == true end
    return RETRYABLE_READ[e.name] == true
  end
  if e.status then return e.status == 429 or e.status == 503 end
  return (e.name == "NETWORK_ERROR" or e.name == "TIMEOUT") and e.sent == false
end

-- Whether method is a write (anything but GET and HEAD).
function _M.is_write(method)
  return method ~= "GET" and method ~= "HEAD"
end

local MONTHS = { Jan = 1, Feb = 2, Mar = 3, Apr = 4, May = 5, Jun = 6,
                 Jul = 7, Aug = 8, Sep = 9, Oct = 10, Nov = 11, Dec = 12 }

-- Seconds from a Retry-After value: a number of seconds, or an HTTP-date ("Wed, 21 Oct 2015 07:28:00 GMT").
-- `now_epoch` is the current Unix time. Returns nil when the value is absent or unreadable.
function _M.parse_retry_after(value, now_epoch)
  if type(value) ~= "string" then return nil end
  local n = tonumber(match(value, "^%s*(%d+%.?%d*)%s*$"))
  if n then return n end
  local d, mon, y, h, mi, s = match(value, "^%a+, (%d%d) (%a%a%a) (%d%d%d%d) (%d%d):(%d%d):(%d%d) GMT$")
  if not d or not MONTHS[mon] then return nil end
  -- os.time reads a local time; shift by the local UTC offset to read it as UTC.
  local t = { year = tonumber(y), month = MONTHS[mon], day = tonumber(d),
              hour = tonumber(h), min = tonumber(mi), sec = tonumber(s), isdst = false }
  local epoch = time(t)
  local utc_now = time(os.date("!*t", now_epoch))
  epoch = epoch + (now_epoch - utc_now)
  return max(0, epoch - now_epoch)
end

-- The least a 429 makes the next try wait: 5 s, or Retry-After when it says more (0 for anything else).
function _M.floor(e)
  if Error.is_rate_limit(e) then return max(_M.MIN_429_WAIT, e.retry_after or 0) end
  return 0
end

-- Delay before attempt number `attempt + 1`, after `attempt` failed tries: full jitter over a capped
-- exponential, and for a 429 at least 5 s or what Retry-After asks when that is more.
function _M.delay(attempt, e)
  local cap = min(_M.CAP, _M.BASE * 2 ^ (attempt - 1))
  local d = random() * cap
  if Error.is_rate_limit(e) then
    d = max(_M.MIN_429_WAIT + d, e.retry_after or 0)
  elseif e.retry_after then
    d = max(d, e.retry_after)
  end
  return floor(d * 1000 + 0.5) / 1000
end

return _M
