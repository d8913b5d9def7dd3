-- Argument checks. A wrong Lua type raises (a programmer error); a value Batch documents as invalid
-- gives nil and INVALID_ARGUMENT, so that nothing is sent. Batch's rules for values are batch.rules.
local Error = require "batch.error"
local is_token = require("batch.core").is_token
local type, pairs, error, tostring = type, pairs, error, tostring
local find, format, gsub, byte = string.find, string.format, string.gsub, string.byte

local _M = {}

-- The level, for error(), of the first caller outside lua-batch (a file under a "batch/" folder): a
-- programmer error names the user's line, however deep in the library the check ran; 0 (no position)
-- when the whole stack is the library's (an iterator's coroutine).
local getinfo = debug.getinfo
local function caller_level()
  local level = 3 -- the caller of the function that called raise
  while true do
    local info = getinfo(level, "S")
    if not info then return 0 end
    local src = info.source
    if not (find(src, "/batch/", 1, true) or find(src, "^@batch/")) then return level - 1 end
    level = level + 1
  end
end

-- Raises msg as a programmer error (a wrong type, an unknown option), positioned at the user's call.
function _M.raise(msg)
  error(msg, caller_level())
end
local raise = _M.raise

local MAX_TOKEN = 128
-- Words that are routes next to a token in the 1.1 paths (".../campaigns/list").
local RESERVED = { list = true, stats = true, create = true, update = true, delete = true }

-- Raises unless v has the Lua type `want` (or is nil when optional). `level` is where the error points:
-- the caller of the method that called this (3) by default.
function _M.arg(fname, name, v, want, optional)
  if v == nil and optional then return end
  if type(v) ~= want then
    raise(format("%s: %s must be a %s, got %s", fname, name, want, type(v)))
  end
end

-- Raises on option names the method does not know.
function _M.known(fname, opts, known)
  for k in pairs(opts) do
    if not known[k] then raise(format("%s: unknown option '%s'", fname, tostring(k))) end
  end
end

local function invalid(message)
  return nil, Error.invalid_argument(message)
end
_M.invalid = invalid

-- A campaign token or an id of Batch's making: non-empty, [A-Za-z0-9_-], at most 128 characters, not a
-- route word. The value itself is not echoed when it is long or holds control characters.
function _M.token(fname, token, what)
  -- the path of every call: one C check, then the checks below only to say what is wrong
  if is_token(token, MAX_TOKEN) and not RESERVED[token] then return true end
  what = what or "token"
  _M.arg(fname, what, token, "string", false)
  if token == "" then return invalid(fname .. ": " .. what .. " is empty") end
  if #token > MAX_TOKEN then return invalid(format("%s: %s is longer than %d characters", fname, what, MAX_TOKEN)) end
  if find(token, "[^%w_%-]") then
    return invalid(fname .. ": " .. what .. " may hold only letters, digits, '_' and '-'")
  end
  return invalid(format("%s: %s '%s' is a route name", fname, what, token))
end

-- An export or request id: [A-Za-z0-9_-], 1 to 128 characters.
function _M.id(fname, id, what)
  _M.arg(fname, what or "id", id, "string", false)
  if id == "" or #id > MAX_TOKEN or find(id, "[^%w_%-]") then
    return invalid(fname .. ": " .. (what or "id") .. " may hold only letters, digits, '_' and '-'")
  end
  return true
end

-- A whole number within [lo, hi] (hi optional), or nil.
function _M.int_range(fname, name, v, lo, hi)
  if v == nil then return true end
  _M.arg(fname, name, v, "number", false)
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
  if type(opts) ~= "table" then raise(format("%s: options must be a table, got %s", fname, type(opts))) end
  _M.known(fname, opts, known or _M.CALL_OPTIONS)
  local d, t = opts.deadline, opts.timeout
  if d ~= nil and (type(d) ~= "number" or d ~= d) then
    raise(format("%s: deadline must be a number of seconds, got %s", fname, type(d)))
  end
  if t ~= nil and (type(t) ~= "number" or t ~= t or t <= 0) then
    raise(format("%s: timeout must be a number of seconds > 0", fname))
  end
  return opts
end

-- The absolute deadline (on client.now's clock) of a call's options, or nil.
function _M.deadline(client, opts)
  if opts and opts.deadline then return client.now() + opts.deadline end
end

-- A whole number of at most `max` (raises on another type): the concurrency of a parallel call.
function _M.concurrency(fname, v, max)
  if type(v) ~= "number" or v % 1 ~= 0 or v < 1 or v > max then
    raise(fname .. ": concurrency must be a whole number from 1 to " .. max)
  end
  return v
end

-- Percent-encodes a path segment or a query value (RFC 3986 unreserved characters stay as they are).
function _M.escape(s)
  return (gsub(s, "[^%w%-%._~]", function(c) return format("%%%02X", byte(c)) end))
end

return _M
