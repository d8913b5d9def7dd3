-- Where an export is in its life, computed from its creation time and its schedule (a copy of the
-- exports config taken at creation); nothing runs in the background.
--   1.0: CREATED -> PENDING -> SUCCESS | ERROR | EXPIRED
--   2.x: CREATED -> PENDING -> RUNNING -> SUCCESS | ERROR (the EXPIRED outcome gives ERROR)
local ngx = ngx
local exports_config = require "batch_mock.exports_config"

local _M = {}

-- Returns status, start time (2.x RUNNING and after, else nil), completion time (final, else nil).
function _M.of(rec, now)
  now = now or ngx.now()
  local pending, running, done = exports_config.schedule(rec.cfg)
  local age = now - rec.created
  local v1 = rec.api == "1.0"
  if age < pending then return "CREATED" end
  if v1 then
    if age < done then return "PENDING" end
  else
    if age < running then return "PENDING" end
    if age < done then return "RUNNING", rec.created + running end
  end
  local outcome = rec.cfg.outcome
  if not v1 and outcome ~= "SUCCESS" then outcome = "ERROR" end
  return outcome, (not v1) and rec.created + running or nil, rec.created + done
end

return _M
