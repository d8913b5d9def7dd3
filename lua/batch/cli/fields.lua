-- `--field PATH`: dotted paths into a result ("campaign_token", "detail.0.sent") and the raw text of the
-- value found there. A numeric segment indexes an array from 0 (as jq's .detail[0]); a key that itself
-- holds dots ("identifiers.custom_id" in a flattened row) is found whole first.
local type, tostring, tonumber, ipairs = type, tostring, tonumber, ipairs
local gmatch, gsub, format = string.gmatch, string.gsub, string.format
local math_type = math.type  -- nil before Lua 5.3

local _M = {}

-- Splits a path into its segments; returns nil when a segment is empty ("a..b", ".a").
function _M.parse(path)
  local segs = {}
  for seg in gmatch(path .. ".", "([^.]*)%.") do
    if seg == "" then return nil end
    segs[#segs + 1] = seg
  end
  return segs
end

-- The value at a path (the string given to --field, and its parsed segments), or nil.
function _M.get(v, path, segs)
  if type(v) ~= "table" then return nil end
  if v[path] ~= nil then return v[path] end
  for _, seg in ipairs(segs) do
    if type(v) ~= "table" then return nil end
    local i = tonumber(seg)
    if i and i >= 0 and i % 1 == 0 and v[seg] == nil then
      v = v[i + 1]
    else
      v = v[seg]
    end
  end
  return v
end

-- A number as JSON writes it (whole numbers without a fraction).
local function number(v)
  if v ~= v or v == math.huge or v == -math.huge then return "" end
  if math_type and math_type(v) == "integer" then return format("%d", v) end
  if v % 1 == 0 and v > -2^53 and v < 2^53 then return format("%.0f", v) end
  return format("%.14g", v)
end
_M.number = number

local TSV_ESCAPES = { ["\t"] = "\\t", ["\n"] = "\\n", ["\r"] = "\\r", ["\\"] = "\\\\" }

-- The raw text of a value for a tab-separated line: a string as it is (tab, CR, LF and backslash
-- escaped as \t \r \n \\, as jq's @tsv does), a number or boolean as JSON writes it, nothing for an
-- absent value, and a table as compact JSON (`encode`; JSON text holds no raw tab or line break).
function _M.raw(v, encode)
  local t = type(v)
  if t == "string" then return (gsub(v, "[\t\n\r\\]", TSV_ESCAPES)) end
  if t == "number" then return number(v) end
  if t == "table" then return encode(v) end
  if v == nil then return "" end
  return tostring(v)
end

return _M
