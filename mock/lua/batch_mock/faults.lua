-- Injected faults (POST /_mock/faults), kept in the batch_mock_ctl shared dict:
--   f:<id>   the fault as JSON      fc:<id>  how many matching requests it still takes
--   f:first  the first id that may still be live      f:last  the last id given
-- Faults are matched in the order added; each matching request takes one from the count.
local ngx = ngx
local cjson = require "cjson.safe"

local type, pairs, tostring, floor = type, pairs, tostring, math.floor
local find = string.find

local _M = {}

local ACTIONS = { drop = true, truncate = true, bad_json = true, empty = true, stall = true }

local function ctl() return ngx.shared.batch_mock_ctl end

local function is_int(v) return type(v) == "number" and v == floor(v) end

local FIELDS = {
  path = function(v) return type(v) == "string", "a string" end,
  method = function(v) return type(v) == "string" and v ~= "", "a method name" end,
  count = function(v) return is_int(v) and v >= 1, "an integer >= 1" end,
  status = function(v) return is_int(v) and v >= 100 and v <= 599, "an HTTP status (100..599)" end,
  retry_after = function(v) return type(v) == "string" or type(v) == "number", "a string or a number" end,
  body = function(v) return type(v) == "string", "a string" end,
  headers = function(v)
    if type(v) ~= "table" then return false, "an object of header names to strings" end
    for k, x in pairs(v) do
      if type(k) ~= "string" or (type(x) ~= "string" and type(x) ~= "number") then
        return false, "an object of header names to strings"
      end
    end
    return true
  end,
  delay = function(v) return type(v) == "number" and v >= 0 and v <= 300, "a number of seconds in 0..300" end,
  action = function(v) return ACTIONS[v] ~= nil, "one of drop, truncate, bad_json, empty, stall" end,
}

-- Checks and stores a fault. Returns its id, or nil and a message.
function _M.add(spec)
  if type(spec) ~= "table" then return nil, "the fault must be a JSON object" end
  for k, v in pairs(spec) do
    local check = FIELDS[k]
    if not check then return nil, "unknown fault field '" .. tostring(k) .. "'" end
    if v ~= cjson.null then
      local ok, want = check(v)
      if not ok then return nil, "fault field '" .. k .. "' must be " .. want end
    end
  end
  local f = {}
  for k, v in pairs(spec) do
    if v ~= cjson.null then f[k] = v end
  end
  f.path = f.path or ""
  f.count = f.count or 1
  if f.method then f.method = f.method:upper() end
  if f.retry_after then f.retry_after = tostring(f.retry_after) end
  local d = ctl()
  local id = d:incr("f:last", 1, 0)
  f.id = id
  d:set("fc:" .. id, f.count)
  d:set("f:" .. id, cjson.encode(f))
  if not d:get("f:first") then d:set("f:first", id) end
  return id
end

-- The first live fault matching this request, with one use taken from it; nil when none.
function _M.take(method, uri)
  local d = ctl()
  local last = d:get("f:last")
  if not last then return nil end
  local first = d:get("f:first") or 1
  for id = first, last do
    local raw = d:get("f:" .. id)
    if raw then
      local f = cjson.decode(raw)
      if (not f.method or f.method == method) and find(uri, f.path, 1, true) then
        local left = d:incr("fc:" .. id, -1)
        if left and left >= 0 then return f end
      end
      if (d:get("fc:" .. id) or 0) <= 0 then
        -- used up: forget it, and move the start past it when it is the first
        d:delete("f:" .. id)
        d:delete("fc:" .. id)
      end
    end
    if id == first and not d:get("f:" .. id) then
      first = id + 1
      d:set("f:first", first)
    end
  end
  return nil
end

-- The live faults, in order, each with "remaining".
function _M.list()
  local d = ctl()
  local out = {}
  for id = d:get("f:first") or 1, d:get("f:last") or 0 do
    local raw = d:get("f:" .. id)
    local left = d:get("fc:" .. id)
    if raw and left and left > 0 then
      local f = cjson.decode(raw)
      f.remaining = left
      out[#out + 1] = f
    end
  end
  return out
end

function _M.clear()
  local d = ctl()
  local last = d:get("f:last") or 0
  for id = d:get("f:first") or 1, last do
    d:delete("f:" .. id)
    d:delete("fc:" .. id)
  end
  d:set("f:first", last + 1)
end

return _M
