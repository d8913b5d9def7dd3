-- Output of `batch`, the same whatever stdout is (a terminal, a pipe, a file):
-- - JSON: a value is one line; a list is one JSON object per line (JSON Lines); `pretty` indents each
--   (a list then is indented values one after the other, as `jq .` prints a stream). Object keys are
--   sorted, so output is stable; an empty table prints as {} (Lua cannot tell an empty array from an
--   empty object); whole numbers print without a fraction.
-- - fields (`--field PATH`, repeatable): the raw values at those paths, tab-separated, one line per item
--   (fields.lua).
-- - CSV (`--csv`): comma-separated, a header line, LF line ends (CRLF with `crlf`, as RFC 4180 says); a
--   field holding a comma, a double quote, CR or LF is quoted and its quotes doubled. Nested objects are
--   flattened into dotted columns ("identifiers.custom_id"); arrays are written as compact JSON in one
--   field. With fields, the columns are those paths.
-- Every key is replaced by *** in what is written. A write that fails (a full disk, a closed pipe)
-- raises an output error (is_output_error), which the entry point turns into one line and exit 1.
local type, pairs, ipairs, tostring, next, setmetatable, getmetatable, error =
  type, pairs, ipairs, tostring, next, setmetatable, getmetatable, error
local format, gsub, byte, find, rep = string.format, string.gsub, string.byte, string.find, string.rep
local concat, sort = table.concat, table.sort
local unpack = table.unpack or unpack  -- luacheck: ignore 143
local core = require "batch.core"
local fields = require "batch.cli.fields"

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
  return fields.number(v)
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

local function csv_line(values, eol)
  local parts = {}
  for i = 1, values.n or #values do parts[i] = field(values[i]) end
  return concat(parts, ",") .. eol
end

------------------------------------------------------------------------------------------------------
-- Writers
------------------------------------------------------------------------------------------------------
local OutputError = { __tostring = function(e) return e.message end }

-- True when x is the error a failed write raises.
function _M.is_output_error(x)
  return type(x) == "table" and getmetatable(x) == OutputError
end

local function output_failed(why)
  error(setmetatable({ message = "cannot write the output: " .. tostring(why or "write failed") }, OutputError), 0)
end

local Out = {}
Out.__index = Out

-- output.new{ stream = io.stdout, pretty = bool, secrets = { key, ... }, fields = { "a.b", ... } | nil,
--             csv = bool, crlf = bool }
function _M.new(o)
  local self = setmetatable({ stream = o.stream or io.stdout, pretty = o.pretty, secrets = o.secrets or {},
                              csv = o.csv, eol = o.crlf and "\r\n" or "\n" }, Out)
  if o.fields and #o.fields > 0 then
    self.fields = {}
    for i, path in ipairs(o.fields) do self.fields[i] = { path = path, segs = fields.parse(path) } end
  end
  return self
end

-- Checks the --field paths; returns nil, or the first bad one.
function _M.bad_field(paths)
  for _, path in ipairs(paths or {}) do
    if not fields.parse(path) then return path end
  end
end

-- Writes s as it is (no redaction: a downloaded file, a response body the caller redacted).
function Out:raw(s)
  local ok, why = self.stream:write(s)
  if not ok then output_failed(why) end
end

-- Writes s with every key replaced by "***": Batch's own fields (an export's uri, file_url) hold the
-- API key in their paths, and stdout often ends up in logs.
function Out:write(s)
  if #self.secrets > 0 then s = core.redact(s, unpack(self.secrets)) end
  self:raw(s)
end

function Out:flush()
  local ok, why = self.stream:flush()
  if not ok then output_failed(why) end
end

-- The tab-separated line of the --field values of v.
function Out:field_line(v)
  local parts = {}
  for i, f in ipairs(self.fields) do parts[i] = fields.raw(fields.get(v, f.path, f.segs), _M.json) end
  return concat(parts, "\t") .. "\n"
end

-- A CSV writer: w:add(record), then w:close(). Columns: the --field paths; else `columns` when given
-- (records are then rows keyed by those names); else the flattened keys of the first `sample` records
-- (default 1000; `first` names and their dotted sub-columns go first, the others sorted), which are held
-- until then. Keys first seen after the sample are left out.
function Out:csv_writer(columns, first, sample)
  local out, eol = self, self.eol
  sample = sample or 1000
  local w = {}
  if out.fields then
    local header = {}
    for i, f in ipairs(out.fields) do header[i] = f.path end
    out:write(csv_line(header, eol))
    function w.add(_, record)
      local values = { n = #out.fields }
      for i, f in ipairs(out.fields) do values[i] = fields.get(record, f.path, f.segs) end
      out:write(csv_line(values, eol))
    end
    function w.close() out:flush() end
    return w
  end
  local held, cols = {}, columns
  local function emit(rec)
    local values = { n = #cols }
    for i, c in ipairs(cols) do values[i] = rec[c] end
    out:write(csv_line(values, eol))
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
    out:write(csv_line(cols, eol))
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
    out:flush()
  end
  return w
end

-- One value (a result object): one line of JSON (indented with pretty), of --field values, or a
-- one-row CSV.
function Out:value(v)
  if self.csv then
    local w = self:csv_writer()
    w:add(type(v) == "table" and v or { value = v })
    w:close()
    return
  end
  if self.fields then
    self:write(self:field_line(v))
  else
    self:write(_M.json(v, self.pretty) .. "\n")
  end
  self:flush()
end

-- A list writer: w:add(item) for each item, then w:close(). Items are printed as they come: one line
-- each (JSON Lines, or --field values), indented values with pretty, or CSV rows (o.columns, o.first:
-- see csv_writer). o.bulk (rows of a file): flushed at the end only, not after each item.
function Out:list(o)
  o = o or {}
  if self.csv then return self:csv_writer(o.columns, o.first) end
  local out, bulk = self, o.bulk
  local w = {}
  function w.add(_, item)
    if out.fields then
      out:write(out:field_line(item))
    else
      out:write(_M.json(item, out.pretty) .. "\n")
    end
    if not bulk then out:flush() end
  end
  function w.close() out:flush() end
  return w
end

return _M
