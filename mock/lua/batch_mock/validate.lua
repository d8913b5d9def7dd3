-- Checks of request parameters and bodies, shared by every API. Each check returns nothing when
-- fine, else the error name (MISSING_PARAMETER | MALFORMED_PARAMETER | MALFORMED_JSON_BODY) and a
-- message naming the field (a path such as "[3].update.values" inside bulk bodies).
local json = require "batch_mock.json"

local type, ipairs, pairs, tonumber, tostring, floor = type, ipairs, pairs, tonumber, tostring, math.floor
local find = string.find

local _M = {}

local function missing(field) return "MISSING_PARAMETER", "Missing parameter '" .. field .. "'" end
local function malformed(field, want)
  return "MALFORMED_PARAMETER", "Malformed parameter '" .. field .. "': " .. want
end
_M.missing, _M.malformed = missing, malformed

-- A field the body leaves out or sets to null.
function _M.absent(v) return v == nil or v == json.null end

local is_object, is_array = json.is_object, json.is_list
local DATE = "^%d%d%d%d%-%d%d%-%d%dT%d%d:%d%d:%d%d$"

---------------------------------------------------------------------------------------- list query
local function query_int(args, name, default, min, max)
  local v = args[name]
  if v == nil or v == "" then return default end
  if type(v) ~= "string" or not find(v, "^%d+$") or #v > 9 then return nil end
  v = tonumber(v)
  if v < min or v > max then return nil end
  return v
end

local function query_bool(args, name)
  local v = args[name]
  if v == nil or v == "" then return nil, true end
  if v == "true" then return true, true end
  if v == "false" then return false, true end
  return nil, false
end

-- from (offset, default 0), limit (1..100, default 10), live and from_api (true|false, optional).
-- Returns a table of them, or nil, name, message.
function _M.list_args(args)
  local from = query_int(args, "from", 0, 0, 1e9)
  if not from then return nil, malformed("from", "must be an integer >= 0") end
  local limit = query_int(args, "limit", 10, 1, 100)
  if not limit then return nil, malformed("limit", "must be an integer in 1..100") end
  local live, ok = query_bool(args, "live")
  if not ok then return nil, malformed("live", "must be true or false") end
  local from_api, ok2 = query_bool(args, "from_api")
  if not ok2 then return nil, malformed("from_api", "must be true or false") end
  return { from = from, limit = limit, live = live, from_api = from_api }
end

---------------------------------------------------------------------------------------------- bodies
local function decode_body(body)
  if body == nil or body == "" then return nil, "MALFORMED_JSON_BODY", "Malformed JSON body: empty body" end
  local v, err = json.decode(body)
  if v == nil then return nil, "MALFORMED_JSON_BODY", "Malformed JSON body: " .. tostring(err) end
  return v
end

-- A JSON object body; returns it, or nil, name, message.
function _M.object_body(body)
  local v, name, message = decode_body(body)
  if v == nil then return nil, name, message end
  if not is_object(v) then return nil, "MALFORMED_JSON_BODY", "Malformed JSON body: not a JSON object" end
  return v
end

-- A JSON array body (bulk routes); returns it, or nil, name, message.
function _M.array_body(body)
  local v, name, message = decode_body(body)
  if v == nil then return nil, name, message end
  if not is_array(v) then return nil, "MALFORMED_JSON_BODY", "Malformed JSON body: not a JSON array" end
  return v
end

-- Any JSON object or array body.
function _M.json_body(body)
  local v, name, message = decode_body(body)
  if v == nil then return nil, name, message end
  if type(v) ~= "table" then return nil, "MALFORMED_JSON_BODY", "Malformed JSON body: not an object or array" end
  return v
end

-- The number of elements of a list (a JSON array decoded), or nil when v is not one.
function _M.length(v)
  if not is_array(v) then return nil end
  local n = 0
  for _ in pairs(v) do n = n + 1 end
  if n ~= #v then return nil end
  return n
end

-- A list of 1..max elements: its length, else nil, name, message (missing counts as malformed here:
-- callers check presence first).
function _M.list(v, field, max, what)
  local n = _M.length(v)
  if not n then return nil, malformed(field, "must be an array of " .. what) end
  if n == 0 then return nil, malformed(field, "is empty: give at least one of " .. what) end
  if n > max then return nil, malformed(field, "at most " .. max .. " " .. what .. " per call, got " .. n) end
  return n
end

local function is_int(v) return type(v) == "number" and v == floor(v) end
_M.is_int = is_int
_M.is_object, _M.is_array = is_object, is_array

local function strings(v, max_items, max_len)
  local n = _M.length(v)
  if not n or n > max_items then return false end
  for _, s in ipairs(v) do
    if type(s) ~= "string" or s == "" or #s > max_len then return false end
  end
  return true
end
_M.strings = strings

local TYPES = {
  string = function(v) return type(v) == "string", "must be a string" end,
  name = function(v) return type(v) == "string" and v ~= "", "must be a non-empty string" end,
  -- campaign names: "String - Min. 3 chars" (batch-api.md §1.3, §2)
  name3 = function(v) return type(v) == "string" and #v >= 3, "must be a string of at least 3 characters" end,
  boolean = function(v) return type(v) == "boolean", "must be a boolean" end,
  object = function(v) return is_object(v), "must be an object" end,
  date = function(v) return type(v) == "string" and find(v, DATE) ~= nil, "must be a date YYYY-MM-DDTHH:MM:SS" end,
  push_time = function(v)
    return type(v) == "string" and (v == "now" or find(v, DATE) ~= nil), "must be \"now\" or YYYY-MM-DDTHH:MM:SS"
  end,
  start_date = function(v)
    return type(v) == "string" and (v == "now" or find(v, DATE) ~= nil), "must be \"now\" or YYYY-MM-DDTHH:MM:SS"
  end,
  messages = function(v)
    if not is_array(v) or v[1] == nil then return false, "must be a non-empty array of messages" end
    for _, m in ipairs(v) do
      if not is_object(m) then return false, "must be an array of objects" end
      for _, f in ipairs{ "language", "title", "body" } do
        if m[f] ~= nil and type(m[f]) ~= "string" then return false, f .. " must be a string" end
      end
    end
    return true
  end,
  landing = function(v)
    if not is_object(v) then return false, "must be an object" end
    if v.contents ~= nil and not is_array(v.contents) then return false, "contents must be an array" end
    return true
  end,
  priority = function(v) return v == "normal" or v == "high", "must be \"normal\" or \"high\"" end,
  -- seconds, > 0, "Maximum: 28 days"
  time_to_live = function(v)
    return is_int(v) and v > 0 and v <= 28 * 86400, "must be an integer of seconds in 1..2419200 (28 days)"
  end,
  labels3 = function(v) return strings(v, 3, 256), "must be an array of at most 3 labels" end,
  -- an object on create ({"enabled", "key"}: the keys are UNCONFIRMED), a string on view
  gcm_collapse_key = function(v)
    return is_object(v) and (v.enabled == nil or type(v.enabled) == "boolean")
      and (v.key == nil or type(v.key) == "string"),
      "must be an object {\"enabled\": boolean, \"key\": string}"
  end,
}
_M.TYPES = TYPES

-- Checks the fields of doc listed in specs ({ { field, type }, ... }) that are present (a JSON null
-- counts as absent). prefix: the path of doc in the body ("" at the top).
function _M.fields(doc, specs, prefix)
  for _, ft in ipairs(specs) do
    local v = doc[ft[1]]
    if v ~= nil and v ~= json.null then
      local ok, want = TYPES[ft[2]](v)
      if not ok then return malformed((prefix or "") .. ft[1], want) end
    end
  end
end

-- The first of `required` missing from doc (null counts as missing): name, message.
function _M.required(doc, required, prefix)
  for _, f in ipairs(required) do
    if doc[f] == nil or doc[f] == json.null then return missing((prefix or "") .. f) end
  end
end

-- Per kind: the fields checked, in order, with their type, and the fields a create needs
-- (batch-api.md §1.3, §2 and their corrections). Any other field is stored as sent.
local SCHEMAS = {
  push = {
    fields = { { "name", "name3" }, { "live", "boolean" }, { "push_time", "push_time" },
               { "messages", "messages" }, { "targeting", "object" }, { "gcm_collapse_key", "gcm_collapse_key" },
               { "deeplink", "string" }, { "priority", "priority" }, { "time_to_live", "time_to_live" },
               { "labels", "labels3" } },
    required = { "name", "live", "messages" },
  },
  in_app = {
    fields = { { "name", "name3" }, { "live", "boolean" }, { "landing", "landing" }, { "trigger", "object" },
               { "targeting", "object" }, { "start_date", "start_date" }, { "local_start_date", "date" },
               { "end_date", "date" }, { "local_end_date", "date" }, { "labels", "labels3" } },
    required = { "name", "live", "trigger", "landing" },
  },
}

-- Checks a create (creating = true) or update body of that kind.
function _M.campaign(kind, doc, creating)
  local schema = SCHEMAS[kind]
  if creating then
    local name, message = _M.required(doc, schema.required)
    if name then return name, message end
  end
  return _M.fields(doc, schema.fields)
end

return _M
