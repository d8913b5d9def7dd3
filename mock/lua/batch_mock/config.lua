-- Run-time settings changed through POST /_mock/config, kept in the batch_mock_ctl shared dict
-- so that every worker applies them.
local ngx = ngx
local type, pairs = type, pairs

local _M = {}

local DEFAULTS = { latency = 0, log = true }

local CHECKS = {
  latency = function(v) return type(v) == "number" and v >= 0 and v <= 60, "a number of seconds in 0..60" end,
  log = function(v) return type(v) == "boolean", "a boolean" end,
}

local function ctl() return ngx.shared.batch_mock_ctl end

-- Seconds to wait before every API answer (0 when unset).
function _M.latency()
  return ctl():get("cfg:latency") or 0
end

-- Whether API requests go to the request log.
function _M.log_enabled()
  return ctl():get("cfg:log") ~= false
end

function _M.get()
  return { latency = _M.latency(), log = _M.log_enabled() }
end

-- Merges settings; rejects unknown names and wrong types (a typo should not pass silently).
function _M.set(t)
  for k, v in pairs(t) do
    local check = CHECKS[k]
    if not check then return nil, "unknown config key '" .. tostring(k) .. "'" end
    local ok, want = check(v)
    if not ok then return nil, "config key '" .. k .. "' must be " .. want end
  end
  for k, v in pairs(t) do ctl():set("cfg:" .. k, v) end
  return _M.get()
end

function _M.reset()
  for k, v in pairs(DEFAULTS) do ctl():set("cfg:" .. k, v) end
end

return _M
