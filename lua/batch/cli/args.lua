-- Command-line parsing for `batch`: splits argv into words and options, finds the command, checks and
-- converts each option's value. A mistake raises a usage error (a table with `usage = true`), which
-- the entry point turns into exit status 2.
--
-- Options are `--name value` or `--name=value`; a switch (`--all`) takes no value; `--` ends the options;
-- `-h` is `--help`; a lone `-` is a word (stdin or stdout). Options may come before or after the command
-- words. An option given twice keeps its last value, except a "multi" one (`--field a --field b`), which
-- keeps them all in order.
local type, tonumber, error, ipairs, pairs, setmetatable = type, tonumber, error, ipairs, pairs, setmetatable
local sub, match, gmatch, format = string.sub, string.match, string.gmatch, string.format
local concat, sort = table.concat, table.sort

local _M = {}

-- Options every command takes (the name without "--" -> type), and what each means (for help and
-- completion: the value's name, or false for a switch, then the text).
_M.GLOBAL = {
  ["api-key"] = "string", ["rest-key"] = "string", ["project-key"] = "string",
  ["base-url"] = "string", ["ca-file"] = "string", profile = "string",
  timeout = "number", ["request-timeout"] = "number", ["max-retries"] = "int",
  pretty = "switch", compact = "switch", field = "multi", csv = "switch", crlf = "switch",
  debug = "switch", help = "switch", version = "switch",
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

-- Splits argv into words (positional) and options ({name = {raw value, ...}}; a switch's value is
-- true, a value-taking option missing its value false), in one pass. `switches` is the set of option
-- names that take no value; `lenient`: a switch given a value (--all=x) is no error (yet).
function _M.split(argv, switches, lenient)
  local words, opts = {}, {}
  local function add(name, value)
    local list = opts[name] or {}
    list[#list + 1] = value
    opts[name] = list
  end
  local i, n = 1, #argv
  local only_words = false
  while i <= n do
    local a = argv[i]
    if only_words or a == "-" or sub(a, 1, 1) ~= "-" then
      words[#words + 1] = a
    elseif a == "--" then
      only_words = true
    elseif a == "-h" then
      add("help", true)
    elseif sub(a, 1, 2) ~= "--" then
      _M.fail("unknown option " .. a)
    else
      local name, value = match(a, "^%-%-([^=]+)=(.*)$")
      name = name or sub(a, 3)
      if switches[name] then
        if value and not lenient then _M.fail("option --" .. name .. " takes no value") end
        add(name, true)
      elseif value then
        add(name, value)
      else
        local nxt = argv[i + 1]
        if nxt == nil or (sub(nxt, 1, 2) == "--" and #nxt > 2) then
          add(name, false)  -- unknown options are reported as such later; a known one lacks its value
        else
          add(name, nxt)
          i = i + 1
        end
      end
    end
    i = i + 1
  end
  return words, opts
end

-- Converts one option value to its type. `kind` is "string", "number" (>= 0), "int" (whole, >= 0),
-- "bool" (true|false), "list" (comma-separated, no empty item), "multi" (a string; repeatable) or
-- "switch".
local function convert(name, kind, raw, command)
  if kind == "switch" then return true end
  if raw == false then _M.fail("option --" .. name .. " needs a value", command) end
  if kind == "string" or kind == "multi" then
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

-- The option names and types a command takes: the global ones and its own (its own win).
function _M.known(command)
  local known = {}
  for k, v in pairs(_M.GLOBAL) do known[k] = v end
  for k, v in pairs(command and command.flags or {}) do known[k] = v end
  return known
end

-- Checks the raw options against the command's and the global ones. Returns a table of converted values
-- keyed by option name (a "multi" option: an array of its values).
function _M.options(raw, command)
  local known = _M.known(command)
  local names = {}
  for name in pairs(raw) do names[#names + 1] = name end
  sort(names)
  local out = {}
  for _, name in ipairs(names) do
    local kind = known[name]
    if not kind then _M.fail("unknown option --" .. name, command) end
    local values = raw[name]
    if kind == "multi" then
      local list = {}
      for i, v in ipairs(values) do list[i] = convert(name, kind, v, command) end
      out[name] = list
    else
      out[name] = convert(name, kind, values[#values], command)
    end
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

-- The switch names of one command: the global ones and its own, less those it gives a value
-- (`custom-audience list --version 1.0`, where `--version` alone is the global switch).
local function command_switches(command)
  local s = {}
  for k, v in pairs(_M.known(command)) do if v == "switch" then s[k] = true end end
  return s
end

-- The group of a command name ("campaign list" -> "campaign"), or nil for a one-word command.
local function group_of(name)
  return match(name, "^(%S+) ")
end
_M.group_of = group_of

-- Finds the command named by the first words ("campaign list", or a one-word command such as "api").
-- Returns the spec and the remaining words, or nil and the group name when only a group matched
-- ("campaign"), or nil.
function _M.find(commands, words)
  local two = words[1] and words[2] and (words[1] .. " " .. words[2])
  local group = false
  for _, c in ipairs(commands) do
    if (two and c.name == two) or c.name == words[1] then
      local skip = c.name == words[1] and 1 or 2
      local rest = {}
      for i = skip + 1, #words do rest[#rest + 1] = words[i] end
      return c, rest
    end
    if words[1] and group_of(c.name) == words[1] then group = words[1] end
  end
  return nil, group or nil
end

-- Splits argv as split does, with the switches of the command the words name: a first pass with every
-- command's switches finds the command, a second one (when a command was found) uses its own.
function _M.split_for(argv, commands)
  local all = _M.switches(commands)
  local command = _M.find(commands, (_M.split(argv, all, true)))
  return _M.split(argv, command and command_switches(command) or all)
end

-- Checks the number of positional arguments against the spec's `args` ({"TOKEN"}, {"ID", "PATH"});
-- a name ending in "..." takes any number (at least one); a last name in brackets ("[CUSTOM_ID]") may
-- be left out.
function _M.positional(command, rest)
  local want = command.args or {}
  local last = want[#want]
  local many = last and match(last, "%.%.%.$")
  local required = (last and match(last, "^%[")) and #want - 1 or #want
  if #rest < required then
    _M.fail("missing " .. concat(want, " ", #rest + 1, required), command)
  elseif #rest > #want and not many then
    _M.fail("unexpected argument '" .. rest[#want + 1] .. "'", command)
  end
  for i, word in ipairs(rest) do
    if word == "" then _M.fail((want[i] or last) .. " is empty", command) end
  end
  return rest
end

return _M
