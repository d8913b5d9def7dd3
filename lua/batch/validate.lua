-- Argument checks shared by the resources. Wrong types raise (programmer errors); wrong values give
-- nil, INVALID_ARGUMENT so that nothing is sent.
local Error = require "batch.error"
local is_token = require("batch.core").is_token
local type, pairs, error, tostring = type, pairs, error, tostring
local find, format = string.find, string.format

local _M = {}

local MAX_TOKEN = 128
-- Words that are routes next to a token in the 1.1 paths (".../campaigns/list").
local RESERVED = { list = true, stats = true, create = true, update = true, delete = true }

-- Raises unless v has the Lua type `want` (or is nil when optional).
function _M.arg(fname, name, v, want, optional)
  if v == nil and optional then return end
  if type(v) ~= want then
    error(format("%s: %s must be a %s, got %s", fname, name, want, type(v)), 3)
  end
end

-- Raises on option names the method does not know.
function _M.known(fname, opts, known)
  for k in pairs(opts) do
    if not known[k] then error(format("%s: unknown option '%s'", fname, tostring(k)), 3) end
  end
end

local function invalid(message)
  return nil, Error.new{ name = "INVALID_ARGUMENT", message = message }
end
_M.invalid = invalid

-- Checks a campaign token. Returns true, or nil and an INVALID_ARGUMENT error (the token itself is
-- not echoed when it is long or holds control characters).
function _M.token(fname, token)
  -- the path of every call: one C check, then the checks below only to say what is wrong
  if type(token) == "string" and is_token(token) and #token <= MAX_TOKEN and not RESERVED[token] then return true end
  _M.arg(fname, "token", token, "string")
  if token == "" then return invalid(fname .. ": token is empty") end
  if #token > MAX_TOKEN then return invalid(format("%s: token is longer than %d characters", fname, MAX_TOKEN)) end
  if find(token, "[^%w_%-]") then
    return invalid(fname .. ": token may hold only letters, digits, '_' and '-'")
  end
  if RESERVED[token] then return invalid(format("%s: token '%s' is a route name", fname, token)) end
  return true
end

-- Checks an optional whole number within [lo, hi]. Returns true or nil, err.
function _M.int_range(fname, name, v, lo, hi)
  if v == nil then return true end
  _M.arg(fname, name, v, "number")
  if v % 1 ~= 0 or v < lo or (hi and v > hi) then
    if hi then return invalid(format("%s: %s must be a whole number from %d to %d", fname, name, lo, hi)) end
    return invalid(format("%s: %s must be a whole number >= %d", fname, name, lo))
  end
  return true
end

-- Per-call options every API method takes.
_M.CALL_OPTIONS = { deadline = true, timeout = true }

-- Checks a method's options table: nil or a table whose names are in `known` (default CALL_OPTIONS),
-- with `deadline` a number of seconds (0 or less: already passed) and `timeout` a number > 0.
-- Raises on anything else (programmer errors). Returns opts.
function _M.call_opts(fname, opts, known)
  if opts == nil then return nil end
  if type(opts) ~= "table" then error(format("%s: options must be a table, got %s", fname, type(opts)), 3) end
  _M.known(fname, opts, known or _M.CALL_OPTIONS)
  local d, t = opts.deadline, opts.timeout
  if d ~= nil and (type(d) ~= "number" or d ~= d) then
    error(format("%s: deadline must be a number of seconds, got %s", fname, type(d)), 3)
  end
  if t ~= nil and (type(t) ~= "number" or t ~= t or t <= 0) then
    error(format("%s: timeout must be a number of seconds > 0", fname), 3)
  end
  return opts
end

-- The absolute deadline (on client.now's clock) of a call's options, or nil.
function _M.deadline(client, opts)
  if opts and opts.deadline then return client.now() + opts.deadline end
end

return _M
