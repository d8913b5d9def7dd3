-- batch.poll(check, opts): waits until `check` says done, with growing, jittered delays, one deadline,
-- cancellation from on_poll, and retryable failures that do not end the wait. The delays and the sleeps
-- are the engine's schedule (batch.engine.schedule); this module reads check's answers.
local Error = require "batch.error"
local engine = require "batch.engine"
local redact = require "batch.redact"
local callback = require "batch.callback"
local raise = require("batch.validate").raise

local type, pairs, ipairs, tostring = type, pairs, ipairs, tostring

local _M = {}

local KNOWN = { interval = true, max_interval = true, factor = true, jitter = true, timeout = true,
                on_poll = true, sleep = true, now = true }

local DEFAULTS = { interval = 1, max_interval = 30, factor = 1.5, jitter = 0.2, timeout = 1800 }

-- Raises on a bad option (programmer error); returns a completed copy.
local function check_options(opts, client)
  if opts ~= nil and type(opts) ~= "table" then raise("poll: options must be a table") end
  local o = {}
  for k, v in pairs(opts or {}) do
    if not KNOWN[k] then raise("poll: unknown option '" .. tostring(k) .. "'") end
    o[k] = v
  end
  for k, v in pairs(DEFAULTS) do
    if o[k] == nil then o[k] = v end
    if type(o[k]) ~= "number" or o[k] ~= o[k] or o[k] < 0 then
      raise("poll: option '" .. k .. "' must be a number >= 0")
    end
  end
  if o.factor < 1 then raise("poll: option 'factor' must be >= 1") end
  if o.jitter > 1 then raise("poll: option 'jitter' must be from 0 to 1") end
  for _, k in ipairs{ "on_poll", "sleep", "now" } do
    if o[k] ~= nil and type(o[k]) ~= "function" then raise("poll: option '" .. k .. "' must be a function") end
  end
  o.sleep = o.sleep or (client and client.sleep)
  o.now = o.now or (client and client.now)
  if not (o.sleep and o.now) then
    local core = require "batch.core"
    o.sleep, o.now = o.sleep or core.sleep, o.now or core.now
  end
  return o
end

-- What a wait's error carries of the last poll is redacted (a 1.0 info holds the API key in `uri`).
local function shown(client, err)
  if client and err.info then err.info = redact.tree(client, err.info) end
  return nil, err
end

-- check(remaining) is called once per poll with the seconds left before the deadline. It returns
--   true, value      done: poll returns value
--   false, info      not yet: info goes to on_poll and to WAIT_TIMEOUT's err.info
--   nil, err         a failure: a retryable err (err.retryable) keeps polling, any other ends the wait
-- Returns value, or nil and a batch.Error (WAIT_TIMEOUT, CANCELLED, or the error check gave).
function _M.poll(check, opts, client)
  if type(check) ~= "function" then raise("poll: check must be a function") end
  local o = check_options(opts, client)
  local s = engine.schedule(o)
  local last_info
  local on_event = client and client.opts and client.opts.on_event
  while true do
    local attempt = s:begin()
    local done, value = check(s:left())
    local failure
    if done == true then return value end
    if done == false then
      last_info = value
    elseif not (type(value) == "table" and value.retryable) then
      return nil, value
    else
      failure = value
    end
    local elapsed = s:elapsed()
    if on_event then
      engine.emit(client, { type = "poll", attempt = attempt, elapsed = elapsed,
                            status = type(last_info) == "table" and last_info.status or nil,
                            error = failure and failure.name or nil })
    end
    if o.on_poll and callback.call("on_poll", o.on_poll, last_info, attempt, elapsed) == false then
      return shown(client, Error.cancelled("the wait was cancelled by on_poll",
                                           { info = last_info, attempts = attempt }))
    end
    if not s:wait(failure) then
      return shown(client, Error.wait_timeout(last_info, attempt, ("still not done after %.1f s"):format(elapsed)))
    end
  end
end

return _M
