-- Checks of export requests (batch-api.md §3.1, §4.1). Each check returns the cleaned values when
-- fine, else nil, an error name (MISSING_PARAMETER | MALFORMED_PARAMETER | MALFORMED_JSON_BODY) and a
-- message naming the field.
local json = require "batch_mock.json"
local dates = require "batch_mock.dates"
local validate = require "batch_mock.validate"

local type, ipairs = type, ipairs
local find, floor = string.find, math.floor

local _M = {}

_M.PUSH_EVENTS = { push_sent = true, push_open = true, push_error = true }
_M.LOOKBACK = 90 * 86400
_M.REACHABILITY_SINCE = 1728518400 -- 2024-10-10T00:00:00Z
_M.MAX_ITEMS = 32                  -- ids, events, identifiers per request
_M.MAX_ATTRIBUTES = 100

local NAME = "^[%w_]+$"

local function missing(field) return nil, "MISSING_PARAMETER", "Missing parameter '" .. field .. "'" end
local function malformed(field, want)
  return nil, "MALFORMED_PARAMETER", "Malformed parameter '" .. field .. "': " .. want
end

local is_object = json.is_object

-- A non-empty array of at most max strings, each accepted by ok (optional).
local function string_array(v, max, ok)
  if type(v) ~= "table" or is_object(v) and next(v) ~= nil or v[1] == nil then return false end
  local n = 0
  for _ in pairs(v) do n = n + 1 end
  if n ~= #v or n > max then return false end
  for _, s in ipairs(v) do
    if type(s) ~= "string" or s == "" or #s > 256 or (ok and not ok(s)) then return false end
  end
  return true
end

_M.parse_date = dates.parse

local DATE_1_0 = "^%d%d%d%d%-%d%d%-%d%dT%d%d:%d%d:%d%d$"

---------------------------------------------------------------------------------------- 1.0
-- Body of POST /1.0/{key}/export/<kind>/{token}/<what>. kind: "campaign" | "inapp-campaign".
-- Returns the request as stored { from, to, events, ids }.
function _M.v1(doc, kind)
  for _, f in ipairs{ "from", "to", "events", "ids" } do
    if doc[f] == nil or doc[f] == json.null then return missing(f) end
  end
  for _, f in ipairs{ "from", "to" } do
    local v = doc[f]
    if type(v) ~= "string" or (v ~= "now" and not (find(v, DATE_1_0) and _M.parse_date(v))) then
      return malformed(f, "must be \"now\" or a date YYYY-MM-DDTHH:MM:SS")
    end
  end
  local event_ok
  if kind == "campaign" then
    event_ok = function(e) return _M.PUSH_EVENTS[e] ~= nil end
  else
    event_ok = function(e) return find(e, NAME) ~= nil end
  end
  if not string_array(doc.events, _M.MAX_ITEMS, event_ok) then
    return malformed("events", kind == "campaign" and "must be a non-empty array of push_sent, push_open, push_error"
      or "must be a non-empty array of event names")
  end
  if not string_array(doc.ids, _M.MAX_ITEMS, function(s) return find(s, NAME) ~= nil end) then
    return malformed("ids", "must be a non-empty array of identifier names (e.g. install_id, custom_id)")
  end
  return { from = doc.from, to = doc.to, events = json.array(doc.events), ids = json.array(doc.ids) }
end

---------------------------------------------------------------------------------------- 2.x
_M.SCOPES = {
  ATTRIBUTES = "PROFILE_ATTRIBUTES",
  EVENTS = "PROFILE_EVENTS",
  REACHABILITY_EVENTS = "PROFILE_REACHABILITY_EVENTS",
}

local function optional_array(doc, field, max)
  local v = doc[field]
  if v == nil or v == json.null then return true end
  if not string_array(v, max) then
    return malformed(field, "must be a non-empty array of at most " .. max .. " strings")
  end
  return true
end

-- Body of POST /2.x/profiles/export; now: unix seconds. Returns the export type and the first
-- event time (events exports), or nil, name, message.
function _M.v2(doc, now)
  local t = doc.export_type
  if t == nil or t == json.null then return missing("export_type") end
  if not _M.SCOPES[t] then
    return malformed("export_type", "must be one of ATTRIBUTES, EVENTS, REACHABILITY_EVENTS")
  end
  local ok, name, message = optional_array(doc, "identifiers", _M.MAX_ITEMS)
  if not ok then return nil, name, message end
  if t == "ATTRIBUTES" then
    ok, name, message = optional_array(doc, "attributes", _M.MAX_ATTRIBUTES)
    if not ok then return nil, name, message end
    local absent = validate.absent
    if absent(doc.attributes) and absent(doc.identifiers) then
      return nil, "MISSING_PARAMETER", "Missing parameter: at least one of 'attributes' and 'identifiers' is required"
    end
    local filter = doc.filter
    if filter ~= nil and (not is_object(filter) or (filter.segment ~= nil and type(filter.segment) ~= "string")) then
      return malformed("filter", "must be an object with an optional string 'segment'")
    end
    return t
  end
  ok, name, message = optional_array(doc, "events", _M.MAX_ITEMS)
  if not ok then return nil, name, message end
  local from, to
  for _, f in ipairs{ "from", "to" } do
    local v = doc[f]
    if v ~= nil and v ~= json.null then
      local ts = _M.parse_date(v)
      if not ts then return malformed(f, "must be an RFC 3339 date, e.g. 2024-10-10T00:00:00Z") end
      if f == "from" then from = ts else to = ts end
    end
  end
  if from then
    if t == "REACHABILITY_EVENTS" and from < _M.REACHABILITY_SINCE then
      return malformed("from", "reachability events exist since 2024-10-10T00:00:00Z")
    end
    if from < now - _M.LOOKBACK then
      return malformed("from", "is older than the lookback period of 90 days")
    end
  end
  if from and to and to < from then return malformed("to", "must not be before 'from'") end
  return t, from or (floor(now) - _M.LOOKBACK)
end

return _M
