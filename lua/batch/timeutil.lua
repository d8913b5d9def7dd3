-- UTC dates as Batch writes them ("2019-08-14T22:00:00", RFC 3339 "2024-02-28T16:28:42Z", "+02:00"),
-- to Unix seconds, without os.time (which reads local time).
local tonumber, match, floor = tonumber, string.match, math.floor

local _M = {}

-- Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
local function days_from_civil(y, m, d)
  if m <= 2 then y = y - 1 end
  local era = floor(y / 400)
  local yoe = y - era * 400
  local mp = (m + 9) % 12
  local doy = floor((153 * mp + 2) / 5) + d - 1
  local doe = yoe * 365 + floor(yoe / 4) - floor(yoe / 100) + doy
  return era * 146097 + doe - 719468
end

-- Unix seconds of "YYYY-MM-DD", "YYYY-MM-DDTHH:MM:SS" (UTC), with optional fraction and Z or ±HH:MM.
-- Returns nil for anything else.
function _M.parse(s)
  if type(s) ~= "string" then return nil end
  local y, mo, d, rest = match(s, "^(%d%d%d%d)%-(%d%d)%-(%d%d)(.*)$")
  if not y then return nil end
  y, mo, d = tonumber(y), tonumber(mo), tonumber(d)
  if mo < 1 or mo > 12 or d < 1 or d > 31 then return nil end
  local h, mi, sec, zone = 0, 0, 0, ""
  if rest ~= "" then
    local hh, mm, ss, z = match(rest, "^[T ](%d%d):(%d%d):(%d%d)%.?%d*(.*)$")
    if not hh then return nil end
    h, mi, sec, zone = tonumber(hh), tonumber(mm), tonumber(ss), z
    if h > 23 or mi > 59 or sec > 60 then return nil end
  end
  local offset = 0
  if zone ~= "" and zone ~= "Z" and zone ~= "z" then
    local sign, oh, om = match(zone, "^([+-])(%d%d):?(%d%d)$")
    if not sign then return nil end
    offset = (tonumber(oh) * 3600 + tonumber(om) * 60) * (sign == "+" and 1 or -1)
  end
  return days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec - offset
end

return _M
