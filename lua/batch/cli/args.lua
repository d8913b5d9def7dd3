-- Command-line parsing for `batch`: splits argv into words and options, finds the command, checks and
-- converts each option's value. A mistake raises a usage error (a table with `usage = true`), which
-- the entry point turns into exit status 2.
--
-- Options are `--name value` or `--name=value`; a switch (`--all`) takes no value; `--` ends the options;
-- `-h` is `--help`. Options may come before or after the command words.
local type, tonumber, error, ipairs, pairs, setmetatable = type, tonumber, error, ipairs, pairs, setmetatable
local find, sub, match, gmatch, format = string.find, string.sub, string.match, string.gmatch, string.format
local concat, sort = table.concat, table.sort

local _M = {}

-- Options every command takes (the name without "--" -> type).
_M.GLOBAL = {
  ["api-key"] = "string", ["rest-key"] = "string", ["project-key"] = "string",
  ["base-url"] = "string", ["ca-file"] = "string",
  timeout = "number", ["request-timeout"] = "number", ["max-retries"] = "int",
  pretty = "switch", compact = "switch", help = "switch", version = "switch",
}

local UsageError = {}
UsageError.__index = UsageError
UsageError.__tostring = function(e) return e.message end

-- Raises a usage error; `command` (a command spec, optional) gives the usage line to print.
function _M.fail(message, command)
  error(setmetatable({ usage = true, message = message, command = command }, UsageError), 0)
end

function _M.is_usage_error(x)
  return type(x) == "table" and x.usage == true
end

-- Splits argv into words (positional) and options ({name = raw string or true}), in one pass.
-- `switches` is the set of option names that take no value.
function _M.split(argv, switches)
  local words, opts = {}, {}
  local i, n = 1, #argv
  local only_words = false
  while i <= n do
    local a = argv[i]
    if only_words or a == "-" or sub(a, 1, 1) ~= "-" then
      words[#words + 1] = a
    elseif a == "--" then
      only_words = true
    elseif a == "-h" then
      opts.help = true
    elseif sub(a, 1, 2) ~= "--" then
      _M.fail("unknown option " .. a)
    else
      local name, value = match(a, "^%-%-([^=]+)=(.*)$")
      name = name or sub(a, 3)
      if switches[name] then
        if value then _M.fail("option --" .. name .. " takes no value") end
        opts[name] = true
      elseif value then
        opts[name] = value
      else
        local nxt = argv[i + 1]
        if nxt == nil or (sub(nxt, 1, 2) == "--" and #nxt > 2) then
          -- Unknown options are reported as such later; a known one lacks its value.
          opts[name] = opts[name] or false
        else
          opts[name] = nxt
          i = i + 1
        end
      end
    end
    i = i + 1
  end
  return words, opts
end

-- Converts one option value to its type. `kind` is "string", "number" (>= 0), "int" (whole, >= 0),
-- "bool" (true|false), "list" (comma-separated, no empty item) or "switch".
local function convert(name, kind, raw, command)
  if kind == "switch" then return true end
  if raw == false then _M.fail("option --" .. name .. " needs a value", command) end
  if kind == "string" then
    if raw == "" then _M.fail("option --" .. name .. " is empty", command) end
    return raw
  elseif kind == "number" or kind == "int" then
    local v = tonumber(raw)
    if not v or v ~= v or v < 0 or v == math.huge or (kind == "int" and v % 1 ~= 0) then
      _M.fail(format("option --%s must be a %s, got '%s'", name,
                     kind == "int" and "whole number >= 0" or "number >= 0", raw), command)
    end
    if kind == "int" then v = math.floor(v) end
    return v
  elseif kind == "bool" then
    if raw == "true" then return true elseif raw == "false" then return false end
    _M.fail(format("option --%s must be true or false, got '%s'", name, raw), command)
  elseif kind == "list" then
    local items = {}
    for item in gmatch(raw, "[^,]+") do
      item = match(item, "^%s*(.-)%s*$")
      if item ~= "" then items[#items + 1] = item end
    end
    if #items == 0 then _M.fail("option --" .. name .. " needs at least one name (a,b,c)", command) end
    return items
  end
  error("args: unknown option type " .. tostring(kind))
end

-- Checks the raw options against the command's and the global ones. Returns a table of converted values
-- keyed by option name. A command's own option wins over a global one of the same name.
function _M.options(raw, command)
  local known = {}
  for k, v in pairs(_M.GLOBAL) do known[k] = v end
  for k, v in pairs(command and command.flags or {}) do known[k] = v end
  local names = {}
  for name in pairs(raw) do names[#names + 1] = name end
  sort(names)
  local out = {}
  for _, name in ipairs(names) do
    local kind = known[name]
    if not kind then _M.fail("unknown option --" .. name, command) end
    out[name] = convert(name, kind, raw[name], command)
  end
  return out
end

-- Every switch name of the given command specs and the global options.
function _M.switches(commands)
  local s = {}
  for k, v in pairs(_M.GLOBAL) do if v == "switch" then s[k] = true end end
  for _, c in ipairs(commands) do
    for k, v in pairs(c.flags or {}) do if v == "switch" then s[k] = true end end
  end
  return s
end

-- Finds the command named by the first words ("campaign list"). Returns the spec and the remaining
-- words, or nil and the group name when only a group matched ("campaign"), or nil.
function _M.find(commands, words)
  local two = words[1] and words[2] and (words[1] .. " " .. words[2])
  local group = false
  for _, c in ipairs(commands) do
    if two and c.name == two then
      local rest = {}
      for i = 3, #words do rest[#rest + 1] = words[i] end
      return c, rest
    end
    if words[1] and find(c.name, "^" .. words[1]:gsub("%p", "%%%0") .. " ") then group = words[1] end
  end
  return nil, group or nil
end

-- Checks the number of positional arguments against the spec's `args` ({"TOKEN"}, {"ID", "PATH"}).
function _M.positional(command, rest)
  local want = command.args or {}
  if #rest < #want then
    _M.fail("missing " .. concat(want, " ", #rest + 1), command)
  elseif #rest > #want then
    _M.fail("unexpected argument '" .. rest[#want + 1] .. "'", command)
  end
  for i, name in ipairs(want) do
    if rest[i] == "" then _M.fail(name .. " is empty", command) end
  end
  return rest
end

return _M
