-- What commands read besides their options: a body (`--data @FILE`, `--data -` for stdin, or the JSON
-- text itself), ids given as `-` (read from stdin, one or more separated by white space), and
-- `--query NAME=VALUE` pairs. Mistakes are usage errors (`fail(message)`), raised before any request.
local json = require "batch.json"
local open, stdin = io.open, io.stdin
local type, tostring, ipairs = type, tostring, ipairs
local sub, match, gmatch = string.sub, string.match, string.gmatch

local _M = {}

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
    local text = f:read("*a") or ""
    f:close()
    return text
  end
  return value
end

-- A --data value that must be a JSON object: returns the decoded table.
function _M.data_object(value, fail)
  local text = _M.data_text(value, fail)
  local body, why = json.decode(text)
  if type(body) ~= "table" or (#body > 0) then
    fail("--data " .. (#value > 40 and "..." or value) .. " is not a JSON object" ..
         (why and (": " .. tostring(why)) or ""))
  end
  return body
end

-- The ids a word stands for: the word itself, or with "-" the words of stdin (at least one).
function _M.ids(word, fail, name)
  if word ~= "-" then return { word } end
  local ids = {}
  for id in gmatch(read_stdin(fail, name .. " -"), "%S+") do ids[#ids + 1] = id end
  if #ids == 0 then fail("no " .. name .. " on stdin") end
  return ids
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
