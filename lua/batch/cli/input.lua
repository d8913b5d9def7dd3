-- What commands read besides their options: a body (`--data @FILE`, `--data -` for stdin, or the JSON
-- text itself), JSON Lines (one object per line, read as they come), ids given as `-` (read from
-- stdin: white-space separated tokens, or one custom ID per line), lists of values (`--custom-ids a,b`,
-- repeatable), `NAME=VALUE` pairs (`--query`, and `--value`/`--attr` whose values may be JSON).
-- Mistakes are usage errors (`fail(message)`), raised before any request.
--
-- The user's JSON is decoded by lua-cjson, which keeps JSON null (as cjson.null, encoded back as null):
-- a body sent to Batch must keep it (a null attribute removes that attribute). NaN, Infinity and
-- hexadecimal numbers are not JSON and are refused.
local cjson = require "cjson.safe"
local open, stdin = io.open, io.stdin
local type, tostring, ipairs, next = type, tostring, ipairs, next
local sub, match, gmatch, gsub, find = string.sub, string.match, string.gmatch, string.gsub, string.find

local codec = cjson.new()
codec.decode_invalid_numbers(false)
codec.decode_max_depth(128)

local _M = {}

-- The value of a JSON text, or nil and why.
function _M.decode(text)
  return codec.decode(text)
end

-- Reads all of stdin, once: a second reader would get nothing, so asking twice is a usage error.
local stdin_used = false
local function read_stdin(fail, what)
  if stdin_used then fail("stdin is read once: give " .. what .. " another way") end
  stdin_used = true
  return stdin:read("*a") or ""
end

-- For tests running several command lines in one process.
function _M.reset() stdin_used = false end

-- The text of a --data value: "@FILE" reads that file, "-" stdin, anything else is the text itself.
function _M.data_text(value, fail)
  if value == "-" then return read_stdin(fail, "--data") end
  if sub(value, 1, 1) == "@" then
    local path = sub(value, 2)
    if path == "-" then return read_stdin(fail, "--data") end
    local f, why = open(path, "rb")
    if not f then fail("cannot read --data " .. value .. ": " .. tostring(why)) end
    local text
    text, why = f:read("*a")
    f:close()
    if not text then fail("cannot read --data " .. value .. ": " .. tostring(why)) end
    return text
  end
  return value
end

-- A --data value that must be a JSON object (`want` "object", the default) or array ("array"):
-- returns the decoded table.
function _M.data_json(value, fail, want)
  want = want or "object"
  local text = _M.data_text(value, fail)
  local body, why = _M.decode(text)
  local is_array = type(body) == "table" and (body[1] ~= nil or (want == "array" and next(body) == nil))
  if type(body) ~= "table" or is_array ~= (want == "array") then
    fail("--data " .. (#value > 40 and "..." or value) .. " is not a JSON " .. want ..
         (why and (": " .. tostring(why)) or ""))
  end
  return body
end

function _M.data_object(value, fail)
  return _M.data_json(value, fail, "object")
end

-- The lines of a --data value, as they come: `for n, line in input.data_lines(value, fail)`, n the
-- line's number (from 1; a CR before the LF and a UTF-8 BOM at the start are dropped).
function _M.data_lines(value, fail)
  local next_line, f
  local function reader(stream)
    return function()
      local line, why = stream:read("*l")
      if line == nil and why then fail("cannot read --data " .. value .. ": " .. tostring(why)) end
      return line
    end
  end
  if value == "-" or value == "@-" then
    if stdin_used then fail("stdin is read once: give --data another way") end
    stdin_used = true
    next_line = reader(stdin)
  elseif sub(value, 1, 1) == "@" then
    local why
    f, why = open(sub(value, 2), "rb")
    if not f then fail("cannot read --data " .. value .. ": " .. tostring(why)) end
    next_line = reader(f)
  else
    next_line = gmatch(value .. "\n", "([^\n]*)\n")
  end
  local n = 0
  return function()
    local line = next_line()
    if line == nil then
      if f then f:close() f = nil end
      return nil
    end
    n = n + 1
    if n == 1 then line = gsub(line, "^\239\187\191", "") end
    return n, (gsub(line, "\r$", ""))
  end
end

-- JSON Lines: `for n, object, why in input.json_lines(value, fail)` gives each JSON object with its line
-- number, or n, nil and why for a line that is not one. Blank lines are skipped.
function _M.json_lines(value, fail)
  local lines = _M.data_lines(value, fail)
  return function()
    while true do
      local n, line = lines()
      if not n then return nil end
      if find(line, "%S") then
        local v, why = _M.decode(line)
        if type(v) ~= "table" or v[1] ~= nil then
          return n, nil, why and ("not JSON: " .. tostring(why)) or
                         "not a JSON object (JSON Lines: one object per line)"
        end
        return n, v
      end
    end
  end
end

-- The ids a word stands for: the word itself, or with "-" the words of stdin (at least one).
function _M.ids(word, fail, name)
  if word ~= "-" then return { word } end
  local ids = {}
  for id in gmatch(read_stdin(fail, name .. " -"), "%S+") do ids[#ids + 1] = id end
  if #ids == 0 then fail("no " .. name .. " on stdin") end
  return ids
end

-- The lines of stdin that hold something (white space around each is dropped): one custom ID, install
-- id or token per line, so that an id may hold any character but a line break.
local function stdin_lines(fail, what)
  local out = {}
  for line in gmatch(read_stdin(fail, what), "[^\n]+") do
    line = match(line, "^%s*(.-)%s*$")
    if line ~= "" then out[#out + 1] = line end
  end
  return out
end

-- The ids of positional words ("ID...", from words[first or 1] on): each word, and for "-" the lines of
-- stdin (at least one).
function _M.id_lines(words, fail, name, first)
  local out = {}
  for i = first or 1, #words do
    local w = words[i]
    if w == "-" then
      local got = stdin_lines(fail, name .. " -")
      if #got == 0 then fail("no " .. name .. " on stdin") end
      for _, id in ipairs(got) do out[#out + 1] = id end
    else
      out[#out + 1] = w
    end
  end
  return out
end

-- The items of a repeatable option of comma-separated lists (`--custom-ids a,b --custom-ids c`); the
-- value "-" stands for the lines of stdin (one item per line, commas kept). Returns the list (maybe empty).
function _M.list_values(values, fail, option)
  local out = {}
  for _, v in ipairs(values or {}) do
    if v == "-" then
      for _, id in ipairs(stdin_lines(fail, "--" .. option .. " -")) do out[#out + 1] = id end
    else
      for item in gmatch(v, "[^,]+") do
        item = match(item, "^%s*(.-)%s*$")
        if item ~= "" then out[#out + 1] = item end
      end
    end
  end
  return out
end

-- A value given on the command line: a JSON value when it is one (30, 1.5, true, null, "007",
-- ["a","b"]), else the text itself (a string).
function _M.value(text)
  local v = _M.decode(text)
  if v == nil then return text end
  return v
end

-- {name = value} from NAME=VALUE pairs of --`option` (values read by _M.value; a name given twice keeps
-- the last value); nil when there is none.
function _M.assignments(values, fail, option)
  if not values or #values == 0 then return nil end
  local t = {}
  for _, kv in ipairs(values) do
    local k, v = match(kv, "^([^=]+)=(.*)$")
    if not k then fail("--" .. option .. " " .. kv .. ": expected NAME=VALUE") end
    t[k] = _M.value(v)
  end
  return t
end

-- One id: the word, or the single word of stdin.
function _M.id(word, fail, name)
  local ids = _M.ids(word, fail, name)
  if #ids > 1 then fail("one " .. name .. " expected on stdin, got " .. #ids) end
  return ids[1]
end

-- {k = v} from --query NAME=VALUE values (a name given twice keeps the last value).
function _M.query(values, fail)
  local q = {}
  for _, kv in ipairs(values or {}) do
    local k, v = match(kv, "^([^=]+)=(.*)$")
    if not k then fail("--query " .. kv .. ": expected NAME=VALUE") end
    q[k] = v
  end
  return q
end

return _M
