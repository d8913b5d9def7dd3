-- Run-time settings changed through POST /_mock/config, kept in the batch_mock_ctl shared dict
-- so that every worker applies them.
local ngx = ngx
local type, pairs = type, pairs

local _M = {}

-- indexing_delay: seconds an indexing token (audiences, catalogs, custom audiences) stays IN_PROGRESS;
-- gdpr_delay: seconds a GDPR request stays pending. Both UNCONFIRMED (Batch documents no duration).
local DEFAULTS = { latency = 0, log = true, indexing_delay = 1, gdpr_delay = 2 }

local function seconds(max)
  return function(v) return type(v) == "number" and v >= 0 and v <= max, "a number of seconds in 0.." .. max end
end

local CHECKS = {
  latency = seconds(60),
  log = function(v) return type(v) == "boolean", "a boolean" end,
  indexing_delay = seconds(86400),
  gdpr_delay = seconds(86400),
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

-- A delay setting (indexing_delay, gdpr_delay).
function _M.delay(name)
  return ctl():get("cfg:" .. name) or DEFAULTS[name]
end

function _M.get()
  return { latency = _M.latency(), log = _M.log_enabled(), indexing_delay = _M.delay("indexing_delay"),
           gdpr_delay = _M.delay("gdpr_delay") }
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
