-- A short mutual exclusion between nginx workers, on a shared dict: `add` of the lock key is atomic,
-- so one worker at a time runs fn. The lock expires by itself after HOLD seconds, should a worker die
-- holding it. The critical sections are a few dict operations (they never yield), so a waiter spins
-- with 1 ms sleeps for a short while.
local ngx = ngx
local pcall, error = pcall, error

local _M = {}

local HOLD = 0.5

-- Runs fn(...) holding lock `key` of dict (default batch_mock_ctl); returns what fn returns.
function _M.with(key, fn, dict)
  local d = dict or ngx.shared.batch_mock_ctl
  local k = "lock:" .. key
  local waited = 0
  while not d:add(k, true, HOLD) do
    if waited > 2 then break end -- a lost lock (its holder died): expired by now, go on
    ngx.sleep(0.001)
    waited = waited + 0.001
  end
  local ok, a, b, c = pcall(fn)
  d:delete(k)
  if not ok then error(a, 0) end
  return a, b, c
end

return _M
