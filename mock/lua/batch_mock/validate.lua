-- Checks of request parameters and bodies. Each check returns nothing when fine, else the error
-- name (MISSING_PARAMETER | MALFORMED_PARAMETER | MALFORMED_JSON_BODY) and a message naming the field.
local json = require "batch_mock.json"

local type, ipairs, tonumber, tostring = type, ipairs, tonumber, tostring
local find = string.find

local _M = {}

local function missing(field) return "MISSING_PARAMETER", "Missing parameter '" .. field .. "'" end
local function malformed(field, want)
  return "MALFORMED_PARAMETER", "Malformed parameter '" .. field .. "': " .. want
end

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
-- A JSON object body; returns it, or nil, name, message.
function _M.object_body(body)
  if body == nil or body == "" then return nil, "MALFORMED_JSON_BODY", "Malformed JSON body: empty body" end
  local v, err = json.decode(body)
  if v == nil then return nil, "MALFORMED_JSON_BODY", "Malformed JSON body: " .. tostring(err) end
  if not is_object(v) then return nil, "MALFORMED_JSON_BODY", "Malformed JSON body: not a JSON object" end
  return v
end

local TYPES = {
  string = function(v) return type(v) == "string", "must be a string" end,
  name = function(v) return type(v) == "string" and v ~= "", "must be a non-empty string" end,
  boolean = function(v) return type(v) == "boolean", "must be a boolean" end,
  object = function(v) return is_object(v), "must be an object" end,
  date = function(v) return type(v) == "string" and find(v, DATE) ~= nil, "must be a date YYYY-MM-DDTHH:MM:SS" end,
  push_time = function(v)
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
}

-- Per kind: the fields checked, in order, with their type, and the fields a create needs.
-- Only what batch-api.md documents is checked; any other field is stored as sent.
local SCHEMAS = {
  push = {
    fields = { { "name", "name" }, { "live", "boolean" }, { "push_time", "push_time" },
               { "messages", "messages" }, { "targeting", "object" }, { "gcm_collapse_key", "string" },
               { "deeplink", "string" } },
    required = { "name", "messages" },
  },
  in_app = {
    fields = { { "name", "name" }, { "live", "boolean" }, { "landing", "landing" }, { "trigger", "object" },
               { "targeting", "object" }, { "start_date", "date" }, { "local_start_date", "date" },
               { "end_date", "date" } },
    required = { "name", "landing" },
  },
}

-- Checks a create (creating = true) or update body of that kind.
function _M.campaign(kind, doc, creating)
  local schema = SCHEMAS[kind]
  if creating then
    for _, f in ipairs(schema.required) do
      if doc[f] == nil then return missing(f) end
    end
  end
  for _, ft in ipairs(schema.fields) do
    local v = doc[ft[1]]
    if v ~= nil then
      local ok, want = TYPES[ft[2]](v)
      if not ok then return malformed(ft[1], want) end
    end
  end
end

return _M
