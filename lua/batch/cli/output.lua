-- Output of `batch`: JSON (indented for a terminal, one line per value otherwise) and CSV (RFC 4180).
--
-- JSON: object keys are sorted, so output is stable; an empty table prints as {} (Lua cannot tell an
-- empty array from an empty object); whole numbers print without a fraction.
-- A list prints one JSON object per line (JSON Lines), or on a terminal one indented JSON array.
-- CSV: comma-separated, CRLF line ends, a header line; a field holding a comma, a double quote, CR or LF
-- is quoted and its quotes doubled (RFC 4180). Nested objects are flattened into dotted columns
-- ("identifiers.custom_id"); arrays are written as compact JSON in one field.
local type, pairs, ipairs, tostring, next, setmetatable = type, pairs, ipairs, tostring, next, setmetatable
local format, gsub, byte, find, rep = string.format, string.gsub, string.byte, string.find, string.rep
local concat, sort = table.concat, table.sort
local math_type = math.type  -- nil before Lua 5.3
local unpack = table.unpack or unpack  -- luacheck: ignore 143
local core = require "batch.core"

local _M = {}

local ESCAPES = { ['"'] = '\\"', ["\\"] = "\\\\", ["\b"] = "\\b", ["\f"] = "\\f", ["\n"] = "\\n",
                  ["\r"] = "\\r", ["\t"] = "\\t" }

local function quote(s)
  return '"' .. gsub(s, '[%c"\\]', function(c)
    return ESCAPES[c] or format("\\u%04x", byte(c))
  end) .. '"'
end

local function number(v)
  if v ~= v or v == math.huge or v == -math.huge then return "null" end
  if math_type then
    if math_type(v) == "integer" then return format("%d", v) end
  end
  if v % 1 == 0 and v > -2^53 and v < 2^53 then return format("%.0f", v) end
  return format("%.14g", v)
end

-- A sequence 1..n with nothing else (n > 0).
local function is_array(t)
  local n = #t
  if n == 0 then return false end
  local count = 0
  for _ in pairs(t) do count = count + 1 end
  return count == n
end

local function sorted_keys(t)
  local keys = {}
  for k in pairs(t) do keys[#keys + 1] = k end
  sort(keys, function(a, b)
    local ta, tb = type(a), type(b)
    if ta ~= tb then return ta < tb end
    return a < b
  end)
  return keys
end

-- JSON text of v; indent is nil (one line) or a string per level.
local function encode(v, indent, level, out)
  local t = type(v)
  if t == "string" then
    out[#out + 1] = quote(v)
  elseif t == "number" then
    out[#out + 1] = number(v)
  elseif t == "boolean" then
    out[#out + 1] = tostring(v)
  elseif t == "table" then
    if next(v) == nil then out[#out + 1] = "{}" return end
    local array = is_array(v)
    local nl = indent and ("\n" .. rep(indent, level + 1)) or ""
    local sep = indent and ": " or ":"
    out[#out + 1] = array and "[" or "{"
    local keys = array and nil or sorted_keys(v)
    for i = 1, array and #v or #keys do
      if i > 1 then out[#out + 1] = "," end
      out[#out + 1] = nl
      if array then
        encode(v[i], indent, level + 1, out)
      else
        out[#out + 1] = quote(tostring(keys[i]))
        out[#out + 1] = sep
        encode(v[keys[i]], indent, level + 1, out)
      end
    end
    if indent then out[#out + 1] = "\n" .. rep(indent, level) end
    out[#out + 1] = array and "]" or "}"
  else
    out[#out + 1] = "null"
  end
end

-- batch.cli.output.json(v, pretty) --> JSON text (no trailing newline).
function _M.json(v, pretty)
  local out = {}
  encode(v, pretty and "  " or nil, 0, out)
  return concat(out)
end

------------------------------------------------------------------------------------------------------
-- CSV
------------------------------------------------------------------------------------------------------

-- One CSV field (RFC 4180 quoting).
local function field(v)
  if v == nil then return "" end
  if type(v) == "table" then v = _M.json(v) else v = tostring(v) end
  if find(v, '[,"\r\n]') then return '"' .. gsub(v, '"', '""') .. '"' end
  return v
end
_M.csv_field = field

-- Flattens nested objects into dotted keys; arrays and empty tables stay values (written as JSON).
local function flatten(t, prefix, out)
  for k, v in pairs(t) do
    local key = prefix .. tostring(k)
    if type(v) == "table" and next(v) ~= nil and not is_array(v) then
      flatten(v, key .. ".", out)
    else
      out[key] = v
    end
  end
  return out
end
_M.flatten = flatten

local function csv_line(values)
  local parts = {}
  for i, v in ipairs(values) do parts[i] = field(v) end
  -- ipairs stops at a nil: fill the holes.
  for i = #parts + 1, values.n or #values do parts[i] = field(values[i]) end
  return concat(parts, ",") .. "\r\n"
end

------------------------------------------------------------------------------------------------------
-- Writers
------------------------------------------------------------------------------------------------------
local Out = {}
Out.__index = Out

-- output.new{ stream = io.stdout, pretty = bool, secrets = { key, ... } }
function _M.new(o)
  return setmetatable({ stream = o.stream or io.stdout, pretty = o.pretty, secrets = o.secrets or {} }, Out)
end

-- Writes s with every key replaced by "***": Batch's own fields (an export's uri, file_url) hold the
-- API key in their paths, and stdout often ends up in logs.
function Out:write(s)
  if #self.secrets > 0 then s = core.redact(s, unpack(self.secrets)) end
  self.stream:write(s)
end

-- One value (a result object).
function Out:value(v)
  self:write(_M.json(v, self.pretty) .. "\n")
  self.stream:flush()
end

-- A list writer: w:add(item) for each item, then w:close(). Items are printed as they come.
function Out:list()
  local out, n = self, 0
  local w = {}
  function w.add(_, item)
    n = n + 1
    if out.pretty then
      local text = gsub(_M.json(item, true), "\n", "\n  ")
      out:write((n == 1 and "[\n  " or ",\n  ") .. text)
    else
      out:write(_M.json(item) .. "\n")
      out.stream:flush()
    end
  end
  function w.close()
    if out.pretty then out:write(n == 0 and "[]\n" or "\n]\n") end
    out.stream:flush()
  end
  return w
end

-- A CSV writer: w:add(record), then w:close(). Columns are `columns` when given; otherwise the flattened
-- keys of the first `sample` records (default 1000; `first` names and their dotted sub-columns go first, the
-- others sorted), which
-- are held until then. Keys first seen after the sample are left out.
function Out:csv(columns, first, sample)
  local out = self
  sample = sample or 1000
  local held, cols = {}, columns
  local w = {}
  local function emit(rec)
    local values = { n = #cols }
    for i, c in ipairs(cols) do values[i] = rec[c] end
    out:write(csv_line(values))
  end
  local function start()
    if not cols then
      local seen, rest = {}, {}
      for _, rec in ipairs(held) do
        for k in pairs(rec) do if not seen[k] then seen[k] = true rest[#rest + 1] = k end end
      end
      sort(rest)
      cols = {}
      -- A name of `first` also brings its flattened columns ("identifiers" -> "identifiers.custom_id").
      for _, f in ipairs(first or {}) do
        for _, k in ipairs(rest) do
          if seen[k] and (k == f or k:sub(1, #f + 1) == f .. ".") then cols[#cols + 1] = k seen[k] = false end
        end
      end
      for _, k in ipairs(rest) do if seen[k] then cols[#cols + 1] = k end end
    end
    out:write(csv_line(cols))
    for _, rec in ipairs(held) do emit(rec) end
    held = nil
  end
  function w.add(_, record)
    local rec = columns and record or flatten(record, "", {})
    if held then
      held[#held + 1] = rec
      if columns or #held >= sample then start() end
    else
      emit(rec)
    end
  end
  function w.close()
    if held and (#held > 0 or cols) then start() end
    out.stream:flush()
  end
  return w
end

return _M
