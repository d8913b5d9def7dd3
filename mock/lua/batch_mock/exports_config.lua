-- Settings of the exports created from now on (POST /_mock/exports/config), kept as JSON in the
-- batch_mock_ctl shared dict so that every worker uses the same. Each export takes a copy when it is
-- created: changing them later does not change existing exports.
local ngx = ngx
local json = require "batch_mock.json"

local type, pairs, tostring, floor, min, max = type, pairs, tostring, math.floor, math.min, math.max

local _M = {}

local KEY = "exports:cfg"

_M.DEFAULTS = {
  pending_after = 1,      -- seconds after creation: CREATED -> PENDING
  running_after = 2,      -- 2.x only: PENDING -> RUNNING
  done_after = 3,         -- -> the outcome
  outcome = "SUCCESS",    -- SUCCESS | ERROR | EXPIRED (1.0; a 2.x export gets ERROR)
  error_msg = nil,        -- error_msg (1.0) / error_message (2.x) of a failed export; nil: a default text
  rows = 1000,            -- records of the file (1.0) or of all parts together (2.x)
  size = nil,             -- or a target size in bytes of the file / all parts together (wins over rows)
  parts = 1,              -- 2.x: number of files
  link_ttl = 1200,        -- seconds a signed storage link stays valid (20 min, batch-api.md §3.3, §4.4)
  csv_edge_cases = false, -- 1.0: BOM, CRLF, and 3 rows with ; "" and newlines in quoted fields
  id_field = "id",        -- 1.0 create answer: the request id as "id" or as "token" (UNCONFIRMED, §3.1)
}

local function is_int(v) return type(v) == "number" and v == floor(v) end
local function seconds(v) return type(v) == "number" and v >= 0 and v <= 86400, "a number of seconds in 0..86400" end

local CHECKS = {
  pending_after = seconds,
  running_after = seconds,
  done_after = seconds,
  outcome = function(v)
    return v == "SUCCESS" or v == "ERROR" or v == "EXPIRED", "one of SUCCESS, ERROR, EXPIRED"
  end,
  error_msg = function(v) return type(v) == "string", "a string or null" end,
  rows = function(v) return is_int(v) and v >= 0 and v < 1e10, "an integer in 0..9999999999" end,
  size = function(v) return is_int(v) and v >= 0 and v <= 1e12, "null or an integer of bytes in 0..1e12" end,
  parts = function(v) return is_int(v) and v >= 1 and v <= 100, "an integer in 1..100" end,
  link_ttl = function(v) return type(v) == "number" and v >= 0 and v <= 604800, "a number of seconds in 0..604800" end,
  csv_edge_cases = function(v) return type(v) == "boolean", "a boolean" end,
  id_field = function(v) return v == "id" or v == "token", '"id" or "token"' end,
}
-- Keys that may be set to null (back to "none").
local NULLABLE = { error_msg = true, size = true }

local function ctl() return ngx.shared.batch_mock_ctl end

local function copy(t)
  local c = {}
  for k, v in pairs(t) do c[k] = v end
  return c
end

-- The current settings, a fresh table (nil for error_msg and size when unset).
function _M.get()
  local raw = ctl():get(KEY)
  local cfg = raw and json.decode(raw) or copy(_M.DEFAULTS)
  for k, v in pairs(cfg) do
    if v == json.null then cfg[k] = nil end
  end
  return cfg
end

-- The settings as JSON, with null for the unset ones.
function _M.encode(cfg)
  local out = copy(cfg)
  for k in pairs(NULLABLE) do
    if out[k] == nil then out[k] = json.null end
  end
  return json.encode(out)
end

-- Merges t into the settings; rejects unknown keys and wrong types. Returns the new settings or
-- nil and a message.
-- Checks settings t (no dict involved: the fixtures check them before nginx starts). Returns true,
-- or nil and a message.
function _M.check(t)
  for k, v in pairs(t) do
    local check = CHECKS[k]
    if not check then return nil, "unknown exports config key '" .. tostring(k) .. "'" end
    if not (v == json.null and NULLABLE[k]) then
      local ok, want = check(v)
      if not ok then return nil, "exports config key '" .. k .. "' must be " .. want end
    end
  end
  return true
end

-- Settings t merged over cfg (a copy; null unsets).
function _M.merge(cfg, t)
  local out = copy(cfg)
  for k, v in pairs(t) do
    if v == json.null then out[k] = nil else out[k] = v end
  end
  return out
end

function _M.set(t)
  local checked, err = _M.check(t)
  if not checked then return nil, err end
  local cfg = _M.merge(_M.get(), t)
  ctl():set(KEY, _M.encode(cfg))
  return cfg
end

function _M.reset()
  ctl():set(KEY, _M.encode(_M.DEFAULTS))
end

-- The schedule of one export: the three times, made consistent (pending <= running <= done; a
-- pending_after or running_after beyond done_after is cut down to it).
function _M.schedule(cfg)
  local done = cfg.done_after
  local pending = min(cfg.pending_after, done)
  local running = min(max(cfg.running_after, pending), done)
  return pending, running, done
end

return _M
