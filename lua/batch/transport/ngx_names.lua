-- Host names for the "ngx" transport's sockets, per nginx worker. A name is resolved by an ngx.timer
-- (which calls the thread pool: getaddrinfo, so /etc/hosts counts and no `resolver` directive is needed),
-- not by the request that needs it: a request that is aborted or times out can leave nothing half done.
-- Callers wait for the timer on a semaphore, each until its own deadline. One resolution per host at a
-- time; an answer is kept TTL seconds, a failure FAIL_TTL.
local pcall, tostring = pcall, tostring

local _M = {}

local TTL, FAIL_TTL = 60, 1

local entries = {} -- host -> { addresses, err, expires, pending, done (a semaphore) }

local function failure(kind, message)
  return { kind = kind, sent = false, message = message }
end

-- Starts the timer that resolves host into entry e with resolve(host) -> addresses | nil, error fields.
local function start(ngx, host, e, resolve)
  local now = ngx.now
  return ngx.timer.at(0, function(premature)
    local addresses, err
    if premature then
      err = failure("network", "nginx is exiting: " .. host .. " was not resolved")
    else
      local ran
      ran, addresses, err = pcall(resolve, host)
      if not ran then
        addresses, err = nil, failure("network", "resolving " .. host .. ": " .. tostring(addresses))
      end
    end
    e.addresses, e.err, e.pending = addresses, err, false
    e.expires = now() + (addresses and TTL or FAIL_TTL)
    local waiters = -e.done:count()
    if waiters > 0 then e.done:post(waiters) end
  end)
end

-- The addresses of host (an array), or nil and the error fields; waits at most until deadline.
function _M.addresses(ngx, host, deadline, resolve)
  local now = ngx.now
  local e = entries[host]
  if e and not e.pending and e.expires > now() then
    if e.addresses then return e.addresses end
    return nil, e.err
  end
  if not (e and e.pending) then
    local ok, semaphore = pcall(require, "ngx.semaphore")
    if not ok then return nil, failure("network", "resolving host names needs lua-resty-core") end
    e = { pending = true, done = semaphore.new(0), expires = 0 }
    entries[host] = e
    local started, terr = start(ngx, host, e, resolve)
    if not started then
      entries[host] = nil
      return nil, failure("network", "cannot start the timer that resolves " .. host .. ": " .. tostring(terr))
    end
  end
  local left = deadline - now()
  if left > 0 then e.done:wait(left) end
  if e.pending then
    return nil, failure("timeout", "resolving " .. host .. " took longer than the time left")
  end
  if e.addresses then return e.addresses end
  return nil, e.err
end

-- Drops what is known of host (it may have moved), unless a resolution is running.
function _M.forget(host)
  local e = entries[host]
  if e and not e.pending then entries[host] = nil end
end

return _M
