-- The exit status of `batch`, decided here only. Cron and scripts tell "try again later" (75, as
-- sendmail's EX_TEMPFAIL) from "failed" (1) and from "the command line is wrong" (2).
local type = type

local _M = {
  OK = 0,
  FAILED = 1,     -- an API error, an export that failed or expired, a file that cannot be written
  USAGE = 2,      -- unknown command or option, a missing argument or key, an unreadable config file,
                  -- a value refused before it was sent (INVALID_ARGUMENT)
  TEMPFAIL = 75,  -- a timeout, the network, 429, 5xx, a wait past its --timeout: nothing was applied
  SIGNALS = { INT = 130, TERM = 143, HUP = 129 },  -- 128 + the signal's number, as a shell reports it
}

-- The table `batch help` prints.
_M.TABLE = [[
  0    success
  1    permanent failure: an API error, an export that failed (EXPORT_FAILED) or expired
       (EXPORT_EXPIRED), a write whose outcome is unknown (said on stderr), an output that cannot
       be written (a full disk, a closed pipe)
  2    usage: unknown command or option, a missing argument or key, a config file refused, a
       value the library refused before sending it (INVALID_ARGUMENT)
  75   temporary failure, try again later: a timeout, the network, 429, 5xx, a wait past its
       --timeout (WAIT_TIMEOUT); for a write, only when Batch surely did not apply it, or
       when the queue's --timeout passed first (QUEUE_CLOSED: the lines named go again)
  130  interrupted (SIGINT, Ctrl-C); 143 terminated (SIGTERM); 129 hung up (SIGHUP); partial
       files are removed first]]

local function is_read(method)
  return method == nil or method == "GET" or method == "HEAD"
end

-- The status of a failed call, and a second line to print when the outcome of a write is unknown.
-- The library's err.retryable is the one rule of what may be tried again: for a read, a 429, a 5xx, a
-- timeout or a network failure; for a write, only a request that never reached Batch (err.sent ==
-- false) or a 429/503, which Batch answers before doing anything.
function _M.of_error(err)
  if type(err) ~= "table" then return _M.FAILED end
  -- The library refused a value before sending anything: the command line (or its input) is wrong.
  if err.name == "INVALID_ARGUMENT" then return _M.USAGE end
  if err.name == "WAIT_TIMEOUT" then return _M.TEMPFAIL end
  if err.retryable then return _M.TEMPFAIL end
  if not is_read(err.method) then
    local unknown = (err.status and err.status >= 500) or
                    ((err.name == "TIMEOUT" or err.name == "NETWORK_ERROR") and err.sent ~= false)
    if unknown then
      return _M.FAILED, "the outcome of this " .. err.method .. " is unknown: Batch may have applied it; " ..
                        "check before sending it again"
    end
  end
  return _M.FAILED
end

return _M
