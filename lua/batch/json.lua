-- JSON through cjson.safe, with the contract's conventions: JSON null becomes nil, and on Lua 5.3+
-- integral numbers become integers (Debian's cjson 2.1.0 decodes 754 as 754.0).
local cjson = require "cjson.safe"
local pairs, type = pairs, type
local tointeger = math.tointeger  -- nil before Lua 5.3

local codec = cjson.new()
codec.decode_max_depth(128)
codec.encode_max_depth(128)
codec.encode_sparse_array(false)
codec.encode_number_precision(14)

local null = codec.null

local _M = { null = null }

-- Replaces nulls by nil and integral floats by integers, in place.
local function normalize(t)
  for k, v in pairs(t) do
    if v == null then
      t[k] = nil
    elseif type(v) == "table" then
      normalize(v)
    elseif tointeger and type(v) == "number" then
      local i = tointeger(v)
      if i then t[k] = i end
    end
  end
  return t
end

-- Returns the decoded value, or nil, message.
function _M.decode(s)
  local v, err = codec.decode(s)
  if v == nil then return nil, err end
  if v == null then return nil, "JSON null at top level" end
  if type(v) == "table" then return normalize(v) end
  if tointeger and type(v) == "number" then return tointeger(v) or v end
  return v
end

-- Returns the JSON text, or nil, message.
function _M.encode(v)
  return codec.encode(v)
end

return _M
