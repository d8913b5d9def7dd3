-- Attribute names and values: the rules of each API, in one place.
--   Trigger events (batch-api.md §9, TE-params, CONFIRMED): at most 15 attributes; names [a-z0-9_],
--     at most 30 characters, or typed "date(name)" / "url(name)"; values a string of at most 64
--     characters, an integer, a boolean or a float; dates RFC 3339 (no zone: UTC) or Unix time.
--   Catalog items (§13, CONFIRMED): names url(...), date(...) or [a-z0-9_]+; values a string of at most
--     10 000 characters, a number, a boolean, or an array of at most 15 strings of at most 64.
--   The rest borrows these rules (UNCONFIRMED, see mock/README.md): custom data values and custom
--     audience attributes as events (custom data also null and tag arrays), audience attributes
--     (§10.1: String, Number, Float, Date, Url, Array), profile attributes (§7).
-- problem(key, value, rules) gives the reason an attribute breaks `rules`, or nil.
local json = require "batch_mock.json"
local dates = require "batch_mock.dates"
local validate = require "batch_mock.validate"

local type, pairs, tostring, find, match = type, pairs, tostring, string.find, string.match

local _M = {}

local is_object, strings = json.is_object, validate.strings

local function is_url(v)
  return type(v) == "string" and #v <= 2048 and find(v, "^[Hh][Tt][Tt][Pp][Ss]?://[^%s/]+") ~= nil
end
_M.is_url = is_url

local function is_date(v)
  if type(v) == "number" then return v >= 0 end -- a Unix timestamp
  return dates.parse(v) ~= nil
end

-- The rule sets. name_max: characters of a name; string_max: of a string value; arrays: max items
-- and max characters of string arrays (nil: no arrays); null: null allowed (deletes); nested:
-- objects and arrays of objects allowed as values (profile events).
_M.EVENT = { max = 15, name_max = 30, string_max = 64 }
_M.CUSTOM_DATA = { max = 1000, name_max = 30, string_max = 64, arrays = { 10, 64 }, null = true }
_M.CATALOG = { max = 1000, name_max = 250, string_max = 10000, arrays = { 15, 64 } }
_M.AUDIENCE = { max = 15, name_max = 30, string_max = 300, arrays = { 25, 300 } }
_M.PROFILE = { max = 1000, name_max = 30, string_max = 300, arrays = { 25, 300 }, null = true, native = true,
               add_remove = true }
_M.PROFILE_EVENT = { max = 1000, name_max = 30, string_max = 300, arrays = { 25, 300 }, nested = true,
                     reserved = { ["$label"] = "string", ["$tags"] = "tags" } }

-- Native profile attributes and their values (§7; the formats are UNCONFIRMED guesses).
local MARKETING = { subscribed = true, unsubscribed = true }
local NATIVE = {
  ["$email_address"] = function(v) return type(v) == "string" and find(v, "^[^@%s]+@[^@%s]+$") ~= nil,
    "must be an email address" end,
  ["$email_marketing"] = function(v) return MARKETING[v] ~= nil, "must be subscribed or unsubscribed" end,
  ["$phone_number"] = function(v)
    return type(v) == "string" and find(v, "^%+[1-9]%d+$") ~= nil and #v <= 16,
      "must be an E.164 phone number (+33612345678)"
  end,
  ["$sms_marketing"] = function(v) return MARKETING[v] ~= nil, "must be subscribed or unsubscribed" end,
  ["$language"] = function(v) return type(v) == "string" and find(v, "^%l%l$") ~= nil,
    "must be a 2-letter language code (en)" end,
  ["$region"] = function(v) return type(v) == "string" and find(v, "^%u%u$") ~= nil,
    "must be a 2-letter region code (FR)" end,
  ["$timezone"] = function(v) return type(v) == "string" and (v == "UTC" or find(v, "^%a[%w_%-]*/[%w_%-/+]+$") ~= nil),
    "must be a time zone name (Europe/Paris)" end,
}

-- The base name and its type ("date", "url" or nil) of a key, or nil and a reason.
function _M.name(key, rules)
  if type(key) ~= "string" then return nil, "names are strings" end
  local kind, inner = match(key, "^(%a+)%((.*)%)$")
  if kind then
    if kind ~= "date" and kind ~= "url" then return nil, "the only typed names are date(...) and url(...)" end
    key = inner
  end
  if key == "" or #key > rules.name_max or not find(key, "^[a-z0-9_]+$") then
    return nil, "names are made of a-z, 0-9 and _, at most " .. rules.name_max .. " characters"
  end
  return key, kind
end

local function plain_value(v, rules)
  local t = type(v)
  if t == "string" then
    if #v > rules.string_max then return "strings are at most " .. rules.string_max .. " characters" end
    return nil
  end
  if t == "number" or t == "boolean" then return nil end
  if v == json.null then return (not rules.null) and "null is not a value here" or nil end
  if rules.nested and t == "table" then return nil end
  if rules.arrays and t == "table" and strings(v, rules.arrays[1], rules.arrays[2]) then return nil end
  if rules.arrays then
    return "values are strings, numbers, booleans or arrays of at most " .. rules.arrays[1] .. " strings of at most "
      .. rules.arrays[2] .. " characters"
  end
  return "values are strings, numbers or booleans"
end

-- The reason attribute key = value breaks rules, or nil.
function _M.problem(key, value, rules)
  if rules.reserved and rules.reserved[key] then
    local want = rules.reserved[key]
    if want == "string" and type(value) ~= "string" then return key .. " must be a string" end
    if want == "tags" and not strings(value, 10, 64) then return key .. " must be an array of at most 10 strings" end
    return nil
  end
  if rules.native and type(key) == "string" and find(key, "^%$") then
    local check = NATIVE[key]
    if not check then return "unknown native attribute " .. key end
    if value == json.null then return nil end
    local ok, want = check(value)
    return (not ok) and want or nil
  end
  local base, kind = _M.name(key, rules)
  if not base then return kind end
  if kind == "date" then
    if value == json.null and rules.null then return nil end
    return (not is_date(value)) and "date(...) values are RFC 3339 dates or Unix timestamps" or nil
  elseif kind == "url" then
    if value == json.null and rules.null then return nil end
    return (not is_url(value)) and "url(...) values are http(s) URLs" or nil
  end
  if rules.add_remove and is_object(value) then
    for op, list in pairs(value) do
      if (op ~= "$add" and op ~= "$remove") or not strings(list, rules.arrays[1], rules.arrays[2]) then
        return "an object value is {\"$add\": [strings]} or {\"$remove\": [strings]}"
      end
    end
    return nil
  end
  return plain_value(value, rules)
end

-- Checks a whole attributes object at path field: nil when fine, else the path of the first bad
-- attribute (or of the object) and the reason.
function _M.check(attrs, rules, field)
  if not is_object(attrs) then return field, "must be an object" end
  local n = 0
  for k, v in pairs(attrs) do
    n = n + 1
    local why = _M.problem(k, v, rules)
    if why then return field .. "." .. tostring(k), why end
  end
  if n > rules.max then return field, "at most " .. rules.max .. " attributes, got " .. n end
end

return _M
