-- Dates as Batch writes them, and their parsing. All UTC.
--   1.x: "2017-07-05T15:11:33" (no zone)      2.x: "2024-02-28T16:28:42Z" (RFC 3339)
--   days: "2025-03-18"
local os_date, floor, tonumber, type, match = os.date, math.floor, tonumber, type, string.match

local _M = {}

function _M.v1(t) return os_date("!%Y-%m-%dT%H:%M:%S", floor(t)) end
function _M.rfc3339(t) return os_date("!%Y-%m-%dT%H:%M:%SZ", floor(t)) end
function _M.day(t) return os_date("!%Y-%m-%d", floor(t)) end

-- Days from 1970-01-01 to y-m-d (proleptic Gregorian; H. Hinnant's days_from_civil).
local function days(y, m, d)
  y = m <= 2 and y - 1 or y
  local era = floor(y / 400)
  local yoe = y - era * 400
  local mp = (m + 9) % 12
  local doy = floor((153 * mp + 2) / 5) + d - 1
  local doe = yoe * 365 + floor(yoe / 4) - floor(yoe / 100) + doy
  return era * 146097 + doe - 719468
end

local MONTH_DAYS = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 }
local function valid_day(y, mo, d)
  if mo < 1 or mo > 12 or d < 1 or d > MONTH_DAYS[mo] then return false end
  return mo ~= 2 or d < 29 or (y % 4 == 0 and (y % 100 ~= 0 or y % 400 == 0))
end

-- "YYYY-MM-DDTHH:MM:SS", optionally with fractions and "Z" or "+HH:MM" (RFC 3339; no zone: UTC).
-- Returns unix seconds, or nil.
function _M.parse(s)
  if type(s) ~= "string" then return nil end
  local y, mo, d, h, mi, sec, rest = match(s, "^(%d%d%d%d)%-(%d%d)%-(%d%d)T(%d%d):(%d%d):(%d%d)(.*)$")
  if not y then return nil end
  y, mo, d, h, mi, sec = tonumber(y), tonumber(mo), tonumber(d), tonumber(h), tonumber(mi), tonumber(sec)
  if not valid_day(y, mo, d) or h > 23 or mi > 59 or sec > 60 then return nil end
  rest = rest:gsub("^%.%d+", "")
  local offset = 0
  if rest ~= "Z" and rest ~= "z" and rest ~= "" then
    local sign, oh, om = match(rest, "^([+-])(%d%d):(%d%d)$")
    if not sign then return nil end
    offset = (tonumber(oh) * 60 + tonumber(om)) * 60
    if sign == "-" then offset = -offset end
  end
  return days(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec - offset
end

-- "YYYY-MM-DD": unix seconds of that midnight, or nil.
function _M.parse_day(s)
  if type(s) ~= "string" then return nil end
  local y, mo, d = match(s, "^(%d%d%d%d)%-(%d%d)%-(%d%d)$")
  if not y then return nil end
  y, mo, d = tonumber(y), tonumber(mo), tonumber(d)
  if not valid_day(y, mo, d) then return nil end
  return days(y, mo, d) * 86400
end

return _M
