-- The retry policy of the contract: which failures are retried, and how long to wait before the next try.
local random, min, max, floor = math.random, math.min, math.max, math.floor
local tonumber, type, time = tonumber, type, os.time
local match = string.match

local _M = {
  BASE = 0.5,         -- first backoff cap, seconds
  CAP = 30,           -- largest backoff cap, seconds
  MIN_429_WAIT = 5,   -- Batch: "wait for at least 5 seconds" after a 429
}

local RETRYABLE_READ = { TIMEOUT = true, NETWORK_ERROR = true }
local RETRYABLE_STATUS = { [429] = true, [500] = true, [502] = true, [503] = true, [504] = true }

-- Whether err may be retried for this method. Reads (GET, HEAD) retry on 429, 5xx gateway-ish statuses,
-- timeouts and network failures. Writes retry only when the request surely never reached the server,
-- or on 429/503, which Batch answers before doing anything.
function _M.retryable(method, err)
  if method == "GET" or method == "HEAD" then
    if err.status then return RETRYABLE_STATUS[err.status] == true end
    return RETRYABLE_READ[err.name] == true
  end
  if err.status then return err.status == 429 or err.status == 503 end
  return (err.name == "NETWORK_ERROR" or err.name == "TIMEOUT") and err.sent == false
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

-- Delay before attempt number `attempt + 1`, after `attempt` failed tries: full jitter over a capped
-- exponential, and for a 429 at least 5 s or what Retry-After asks when that is more.
function _M.delay(attempt, err)
  local cap = min(_M.CAP, _M.BASE * 2 ^ (attempt - 1))
  local d = random() * cap
  if err.status == 429 or err.name == "TOO_MANY_REQUESTS" then
    d = max(_M.MIN_429_WAIT + d, err.retry_after or 0)
  elseif err.retry_after then
    d = max(d, err.retry_after)
  end
  return floor(d * 1000 + 0.5) / 1000
end

return _M
