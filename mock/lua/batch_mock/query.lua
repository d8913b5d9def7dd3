-- Query parameters of list and view routes. Each check returns the value, or nil, an error name
-- (MISSING_PARAMETER | MALFORMED_PARAMETER) and a message naming the parameter; the caller wraps
-- them in the 1.x or 2.x error body.
local ngx = ngx

local type, tonumber, find = type, tonumber, string.find

local _M = {}

local function malformed(name, want)
  return nil, "MALFORMED_PARAMETER", "Malformed parameter '" .. name .. "': " .. want
end
_M.malformed = malformed

-- The single value of a parameter ("" when given without a value), nil when absent, or nil,
-- name, message when it is given more than once.
function _M.arg(name)
  local v = ngx.req.get_uri_args(50)[name]
  if type(v) == "table" then return malformed(name, "given more than once") end
  if v == true then v = "" end
  return v
end

-- A required parameter: its non-empty value, or nil, name, message.
function _M.required(name)
  local v, e, m = _M.arg(name)
  if e then return nil, e, m end
  if v == nil or v == "" then return nil, "MISSING_PARAMETER", "Missing parameter '" .. name .. "'" end
  return v
end

-- An integer in min..max, `default` when absent or empty.
function _M.int(name, default, min, max)
  local v, e, m = _M.arg(name)
  if e then return nil, e, m end
  if v == nil or v == "" then return default end
  local n = find(v, "^%d+$") and #v <= 9 and tonumber(v)
  if not n or n < min or n > max then
    return malformed(name, "must be an integer in " .. min .. ".." .. max)
  end
  return n
end

-- `limit` of the lists: 1..100, default 10 (batch-api.md §15).
function _M.limit()
  return _M.int("limit", 10, 1, 100)
end

-- Cursors of the 2.x lists: the standard base64 of the id of the first record of the next page.
function _M.encode_cursor(id)
  return ngx.encode_base64(id)
end

-- The `from` cursor decoded: the id, false when absent, or nil, name, message.
function _M.cursor()
  local v, e, m = _M.arg("from")
  if e then return nil, e, m end
  if v == nil or v == "" then return false end
  local id = ngx.decode_base64(v)
  if not id or id == "" or find(id, "[%z\1-\31]") then
    return malformed("from", "not a cursor from next_from")
  end
  return id
end

return _M
