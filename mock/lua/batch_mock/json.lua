-- JSON for the emulator. cjson does the parsing; this module adds what
-- cjson 2.1.0 (Debian's, not OpenResty's fork) lacks: empty arrays survive a decode/encode round
-- trip ([] stays [], not {}), and object keys are sorted so stored answers are stable.
local cjson = require "cjson.safe"

local type, pairs, ipairs, tonumber = type, pairs, ipairs, tonumber
local find, sub, byte, format, gsub = string.find, string.sub, string.byte, string.format, string.gsub
local concat, sort, tostring = table.concat, table.sort, tostring
local getmetatable, setmetatable = getmetatable, setmetatable
local floor, huge = math.floor, math.huge

local _M = {}

local array_mt = { __name = "json.array" }
_M.array_mt = array_mt
_M.null = cjson.null

-- Marks t (default a new table) as a JSON array, so that it encodes as [] when empty.
function _M.array(t)
  return setmetatable(t or {}, array_mt)
end

function _M.is_array(t)
  return type(t) == "table" and getmetatable(t) == array_mt
end

-- What a decoded JSON value is: an object (a table that is no array; "{}" included) or a list (an
-- array, "[]" included). The one place for this test.
function _M.is_object(v)
  return type(v) == "table" and getmetatable(v) ~= array_mt and v[1] == nil
end

function _M.is_list(v)
  return type(v) == "table" and (getmetatable(v) == array_mt or v[1] ~= nil)
end

---------------------------------------------------------------------------------------------- decode
-- An empty array in the text becomes ["<MARK>"] before cjson sees it; after decoding, such a
-- one-element table becomes an empty table marked as an array. The mark cannot appear in normal
-- text (it starts with a NUL, which JSON can only carry escaped).
local MARK = "\0batch-mock:empty-array"
local MARK_JSON = '["\\u0000batch-mock:empty-array"]'

local function mark_empty_arrays(s)
  if not find(s, "%[[ \t\r\n]*%]") then return s end
  local out, n, pos, last = {}, 0, 1, 1
  while true do
    local i = find(s, '[%["]', pos)
    if not i then break end
    if byte(s, i) == 34 then
      -- a string: skip to its closing quote, honouring backslash escapes
      local j = i + 1
      while true do
        local k = find(s, '["\\]', j)
        if not k then return s end -- unterminated string: cjson will report it
        if byte(s, k) == 92 then
          j = k + 2
        else
          j = k + 1
          break
        end
      end
      pos = j
    else
      local _, e = find(s, "^%[[ \t\r\n]*%]", i)
      if e then
        n = n + 1; out[n] = sub(s, last, i - 1)
        n = n + 1; out[n] = MARK_JSON
        last, pos = e + 1, e + 1
      else
        pos = i + 1
      end
    end
  end
  n = n + 1; out[n] = sub(s, last)
  return concat(out, "", 1, n)
end

local function restore(v)
  if v[1] == MARK and v[2] == nil then
    v[1] = nil
    return setmetatable(v, array_mt)
  end
  for k, x in pairs(v) do
    if type(x) == "table" then v[k] = restore(x) end
  end
  return v
end

-- Returns the decoded value, or nil and a message.
function _M.decode(s)
  if type(s) ~= "string" then return nil, "not a string" end
  local v, err = cjson.decode(mark_empty_arrays(s))
  if v == nil and err then return nil, err end
  if type(v) == "table" then v = restore(v) end
  return v
end

---------------------------------------------------------------------------------------------- encode
local encode_value

-- Strings: quotes, backslashes and control characters escaped; "/" left alone (cjson writes "\/").
local ESCAPES = { ['"'] = '\\"', ["\\"] = "\\\\", ["\b"] = "\\b", ["\f"] = "\\f", ["\n"] = "\\n",
                  ["\r"] = "\\r", ["\t"] = "\\t" }
local function escape_char(c) return ESCAPES[c] or format("\\u%04x", byte(c)) end
local function encode_string(s)
  if find(s, '[%c"\\]') then s = gsub(s, '[%c"\\]', escape_char) end
  return '"' .. s .. '"'
end

local function is_sequence(t)
  local n = #t
  if n == 0 then return false end
  local count = 0
  for _ in pairs(t) do count = count + 1 end
  return count == n
end

local function encode_table(t, buf, n)
  if getmetatable(t) == array_mt or is_sequence(t) then
    n = n + 1; buf[n] = "["
    for i, x in ipairs(t) do
      if i > 1 then n = n + 1; buf[n] = "," end
      n = encode_value(x, buf, n)
    end
    n = n + 1; buf[n] = "]"
    return n
  end
  local keys, nk = {}, 0
  for k in pairs(t) do
    nk = nk + 1; keys[nk] = tostring(k)
  end
  sort(keys)
  n = n + 1; buf[n] = "{"
  for i = 1, nk do
    local k = keys[i]
    local x = t[k]
    if x == nil then x = t[tonumber(k)] end
    if i > 1 then n = n + 1; buf[n] = "," end
    n = n + 1; buf[n] = encode_string(k)
    n = n + 1; buf[n] = ":"
    n = encode_value(x, buf, n)
  end
  n = n + 1; buf[n] = "}"
  return n
end

function encode_value(v, buf, n)
  local t = type(v)
  if t == "string" then
    n = n + 1; buf[n] = encode_string(v)
  elseif t == "number" then
    if v ~= v or v == huge or v == -huge then error("json: cannot encode " .. tostring(v)) end
    n = n + 1
    if v == floor(v) and v > -2^53 and v < 2^53 then buf[n] = format("%d", v)
    else
      local s = format("%.14g", v) -- the short form when it reads back the same (0.3, not 0.29999999999999999)
      if tonumber(s) ~= v then s = format("%.17g", v) end
      buf[n] = s
    end
  elseif t == "boolean" then
    n = n + 1; buf[n] = v and "true" or "false"
  elseif t == "table" then
    n = encode_table(v, buf, n)
  elseif v == nil or v == cjson.null then
    n = n + 1; buf[n] = "null"
  else
    error("json: cannot encode a " .. t)
  end
  return n
end

function _M.encode(v)
  local buf = {}
  local n = encode_value(v, buf, 0)
  return concat(buf, "", 1, n)
end

-- Fast path for values known to hold no empty array and whose key order does not matter
-- (request log entries): plain cjson.
_M.fast_encode = cjson.encode

return _M
