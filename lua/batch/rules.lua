-- Batch's documented rules for the values of the write APIs (batch-api.md §6-§15), checked before anything
-- is sent. Each check returns true, or nil and INVALID_ARGUMENT naming the rule and where it was broken.
-- A wrong Lua type where a table or string is required raises (a programmer error). What Batch does not
-- document is left to Batch: send, and let it answer.
local validate = require "batch.validate"
local raise = validate.raise
local timeutil = require "batch.timeutil"

local type, pairs, ipairs, tostring, next = type, pairs, ipairs, tostring, next
local find, match, format, floor = string.find, string.match, string.format, math.floor
local date = os.date

local invalid = validate.invalid

local _M = { invalid = invalid }

-- Raises unless v is a table (a programmer error), naming where it is.
local function need_table(fname, what, v)
  if type(v) ~= "table" then raise(format("%s: %s must be a table, got %s", fname, what, type(v))) end
end
_M.need_table = need_table

-- Raises unless v is a string.
local function need_string(fname, what, v)
  if type(v) ~= "string" then raise(format("%s: %s must be a string, got %s", fname, what, type(v))) end
end
_M.need_string = need_string

-- A required field of a body: missing is INVALID_ARGUMENT (nothing sent), of another type raises.
function _M.required(fname, what, v, want)
  if v == nil then return invalid(format("%s: %s is required", fname, what)) end
  if type(v) ~= want then raise(format("%s: %s must be a %s, got %s", fname, what, want, type(v))) end
  return true
end

local function is_array(v) return type(v) == "table" and (next(v) == nil or v[1] ~= nil) end
_M.is_array = is_array

-- A non-empty array (INVALID_ARGUMENT when empty; raises when not a table).
function _M.nonempty_array(fname, what, v)
  need_table(fname, what, v)
  if #v == 0 then return invalid(format("%s: %s is empty", fname, what)) end
  return true
end

-- At most max items.
function _M.cap(fname, what, n, max)
  if n > max then return invalid(format("%s: at most %d %s per call (got %d)", fname, max, what, n)) end
  return true
end

-- Custom IDs and other user identifiers: any non-empty string (they go into paths percent-encoded).
function _M.custom_id(fname, what, v)
  need_string(fname, what, v)
  if v == "" then return invalid(format("%s: %s is empty", fname, what)) end
  return true
end

-- A name of letters, digits, '_' and '-' of 1 to max characters (audiences, custom audiences, group ids).
function _M.name(fname, what, v, max)
  need_string(fname, what, v)
  if v == "" then return invalid(format("%s: %s is empty", fname, what)) end
  if find(v, "[^%w_%-]") then
    return invalid(format("%s: %s may hold only letters, digits, '_' and '-'", fname, what))
  end
  if max and #v > max then return invalid(format("%s: %s is longer than %d characters", fname, what, max)) end
  return true
end

-- One of the strings of the set `allowed` (a list, for the message).
function _M.one_of(fname, what, v, allowed)
  if v == nil then return invalid(format("%s: %s is required", fname, what)) end
  need_string(fname, what, v)
  for _, a in ipairs(allowed) do if v == a then return true end end
  local quoted = {}
  for i, a in ipairs(allowed) do quoted[i] = "'" .. a .. "'" end
  return invalid(format("%s: %s must be %s (got '%s')", fname, what, table.concat(quoted, " or "), v))
end

-- The checks of route parameters and query values, by kind (the route table names them):
-- check(fname, name, value) -> true | nil, err. Each may raise on a wrong Lua type. nil values are the
-- route's business (required or not).
_M.kinds = {
  token = function(fname, name, v) return validate.token(fname, v, name ~= "token" and name or nil) end,
  id = function(fname, name, v) return validate.id(fname, v, name) end,
  offset = function(fname, name, v) return validate.int_range(fname, name, v, 0) end,
  limit = function(fname, name, v) return validate.int_range(fname, name, v, 1, 100) end,
  boolean = function(fname, name, v) validate.arg(fname, name, v, "boolean", true) return true end,
  cursor = function(fname, name, v) validate.arg(fname, name, v, "string", true) return true end,
  string = function(fname, name, v) validate.arg(fname, name, v, "string", true) return true end,
  custom_id = function(fname, name, v) return _M.custom_id(fname, name, v) end,
  name = function(fname, name, v) return _M.name(fname, name, v, 255) end,
  day = function(fname, name, v)
    local t, err = _M.day(fname, name, v)
    return t and true, err
  end,
  fixed = function() return true end, -- a value the resource itself chose
}

------------------------------------------------------------------------------------------------------
-- Trigger events (batch-api.md §9: TE-params)
------------------------------------------------------------------------------------------------------

local MAX_ATTRIBUTES, MAX_TAGS, MAX_LABEL, MAX_TEXT, MAX_ATTR_NAME = 15, 10, 200, 64, 30
local WINDOW = 24 * 3600 -- "events that happened in the last 24 hours, and no events in the future"

-- An attribute name: [a-z0-9_], 1 to 30 characters, or typed as date(name) or url(name).
local function attribute_name(fname, where, k)
  if type(k) ~= "string" then
    return invalid(format("%s: %s has an attribute whose name is not a string", fname, where))
  end
  local inner = match(k, "^date%((.*)%)$") or match(k, "^url%((.*)%)$") or k
  if inner == "" or #inner > MAX_ATTR_NAME or find(inner, "[^a-z0-9_]") then
    return invalid(format("%s: %s: attribute name '%s' must be 1 to %d characters of [a-z0-9_] (or typed "
                          .. "date(name) or url(name))", fname, where, k, MAX_ATTR_NAME))
  end
  return true
end
_M.attribute_name = attribute_name

-- The time of an event, as Batch takes it ("YYYY-MM-ddTHH:mm:ss", UTC) from that string or a Unix time.
-- Returns the string, or nil and the error.
local function event_time(fname, where, t, now)
  local epoch
  if type(t) == "number" then
    epoch = floor(t)
    t = date("!%Y-%m-%dT%H:%M:%S", epoch)
  elseif type(t) == "string" then
    epoch = find(t, "^%d%d%d%d%-%d%d%-%d%dT%d%d:%d%d:%d%d") and timeutil.parse(t)
    if not epoch then
      return invalid(format("%s: %s.time must be a UTC time like 2024-05-01T12:00:00 or a Unix time", fname, where))
    end
  else
    raise(format("%s: %s.time must be a string or a number, got %s", fname, where, type(t)))
  end
  if epoch > now then return invalid(format("%s: %s.time is in the future", fname, where)) end
  if epoch < now - WINDOW then
    return invalid(format("%s: %s.time is older than 24 hours (Batch takes the last 24 hours only)", fname, where))
  end
  return t
end

-- Checks one event. Returns the event as it is sent (a copy, its Unix time put in Batch's form), or nil
-- and the error.
function _M.event(fname, where, ev, now)
  need_table(fname, where, ev)
  local ok, err = _M.required(fname, where .. ".name", ev.name, "string")
  if not ok then return nil, err end
  if ev.name == "" then return invalid(format("%s: %s.name is empty", fname, where)) end
  local out = {}
  for k, v in pairs(ev) do out[k] = v end
  if ev.time ~= nil then
    local t
    t, err = event_time(fname, where, ev.time, now)
    if not t then return nil, err end
    out.time = t
  end
  if ev.label ~= nil then
    need_string(fname, where .. ".label", ev.label)
    if #ev.label > MAX_LABEL then
      return invalid(format("%s: %s.label is longer than %d characters", fname, where, MAX_LABEL))
    end
  end
  if ev.attributes ~= nil then
    need_table(fname, where .. ".attributes", ev.attributes)
    local n = 0
    for k, v in pairs(ev.attributes) do
      n = n + 1
      ok, err = attribute_name(fname, where, k)
      if not ok then return nil, err end
      if type(v) == "string" and #v > MAX_TEXT and not match(k, "^url%(") then
        return invalid(format("%s: %s: attribute '%s' is longer than %d characters", fname, where, k, MAX_TEXT))
      end
    end
    if n > MAX_ATTRIBUTES then
      return invalid(format("%s: %s has %d attributes (at most %d)", fname, where, n, MAX_ATTRIBUTES))
    end
  end
  if ev.tags ~= nil then
    need_table(fname, where .. ".tags", ev.tags)
    if #ev.tags > MAX_TAGS then
      return invalid(format("%s: %s has %d tags (at most %d)", fname, where, #ev.tags, MAX_TAGS))
    end
    for i, tag in ipairs(ev.tags) do
      need_string(fname, format("%s.tags[%d]", where, i), tag)
      if #tag > MAX_TEXT then
        return invalid(format("%s: %s.tags[%d] is longer than %d characters", fname, where, i, MAX_TEXT))
      end
    end
  end
  return out
end

-- Checks a list of events (`prefix` names it in messages). Returns the list as it is sent, or nil and
-- the error.
function _M.events(fname, prefix, events, now)
  local ok, err = _M.nonempty_array(fname, prefix, events)
  if not ok then return nil, err end
  local out = {}
  for i, ev in ipairs(events) do
    out[i], err = _M.event(fname, format("%s[%d]", prefix, i), ev, now)
    if not out[i] then return nil, err end
  end
  return out
end

------------------------------------------------------------------------------------------------------
-- Dates of stats windows (batch-api.md §6.2, §11.5)
------------------------------------------------------------------------------------------------------

local SIX_MONTHS = 183 * 86400

-- A "YYYY-MM-DD" day; returns its Unix time or nil and the error.
function _M.day(fname, what, v)
  need_string(fname, what, v)
  local t = find(v, "^%d%d%d%d%-%d%d%-%d%d$") and timeutil.parse(v)
  if not t then return invalid(format("%s: %s must be a day like 2024-05-01 (got '%s')", fname, what, v)) end
  return t
end

-- A stats window: from required, before to (when given), at most six months long (`since_limit`: from
-- no older than six months ago instead). Returns true or nil, err.
function _M.window(fname, from, to, now, from_not_older)
  if from == nil then return invalid(fname .. ": from is required (a day like 2024-05-01)") end
  local f, err = _M.day(fname, "from", from)
  if not f then return nil, err end
  local t = now
  if to ~= nil then
    t, err = _M.day(fname, "to", to)
    if not t then return nil, err end
    if t < f then return invalid(fname .. ": from must come before to") end
  end
  if from_not_older then
    if f < now - SIX_MONTHS then return invalid(fname .. ": from cannot be earlier than 6 months ago") end
  elseif t - f > SIX_MONTHS then
    return invalid(fname .. ": the window from .. to is at most 6 months")
  end
  return true
end

-- Whether a table's keys are all in `known` (names the first other one).
function _M.known_fields(fname, what, t, known)
  for k in pairs(t) do
    if not known[k] then return invalid(format("%s: %s has an unknown field '%s'", fname, what, tostring(k))) end
  end
  return true
end

return _M
