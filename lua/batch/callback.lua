-- Calling the caller's callbacks (on_progress, on_poll, on_event, the queue's hooks). They must not
-- yield: a callback that yields would suspend a transfer halfway, its connection and files held. So each
-- runs in a coroutine of its own; a yield is turned into an error, and an error is raised again as it is,
-- to be handled like any raise by whoever started the transfer or the wait (which cleans up first).
local create, resume, status = coroutine.create, coroutine.resume, coroutine.status
local error = error

local _M = {}

-- fn(...) -> its first result; raises what fn raised, or "<what> must not yield".
function _M.call(what, fn, a, b, c)
  local co = create(fn)
  local ok, r = resume(co, a, b, c)
  if not ok then error(r, 0) end
  if status(co) ~= "dead" then error(what .. " must not yield", 0) end
  return r
end

return _M
