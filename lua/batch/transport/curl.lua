-- The "curl" transport: the C core's handle (libcurl, blocking, keep-alive). One handle per client (its
-- for_app children share it): h:request for one exchange, the handle's pool for several at once
-- (stream_many, which makes each request as a slot frees up), and start_many / step_many for transfers
-- whose progress is reported.
local pcall, error = pcall, error

local _M = {}

local STEP = 0.25  -- seconds of transfer between two progress reports

-- Drives a started request_many, reporting progress; returns results, failures or nil when cancelled.
local function drive(h, on_progress)
  local seen = -1
  while true do
    local done, bytes, _, total = h:step_many(STEP)
    if done then break end
    if bytes ~= seen then
      seen = bytes
      if on_progress(bytes, total) == false then
        h:abort_many()
        return nil
      end
    end
  end
  return h:finish_many()
end

function _M.new(core, opts)
  local h = core.new{
    user_agent = opts.user_agent,
    timeout = opts.timeout, connect_timeout = opts.connect_timeout,
    verify_tls = opts.verify_tls, ca_file = opts.ca_file, proxy = opts.proxy,
    max_body = opts.max_body,
  }
  local t = { parallel = true, decodes = true }

  function t.request(req)
    return h:request(req)
  end

  function t.request_many(reqs, o)
    local conc = { concurrency = o and o.concurrency or 16 }
    local on_progress = o and o.on_progress
    if not on_progress then return h:request_many(reqs, conc) end
    h:start_many(reqs, conc)
    -- a callback that raises (or an interrupt) must not leave the handle busy: abort, then raise again
    local ok, results, failures = pcall(drive, h, on_progress)
    if not ok then
      h:abort_many()
      error(results, 0)
    end
    return results, failures
  end

  -- requests made as the pool has room, outcomes handed over as they come (see h:stream_many)
  function t.stream(next_req, on_done, o)
    h:stream_many(next_req, on_done, o)
  end

  function t.close()
    h:close()
  end

  t.handle = h  -- for the specs of the C core's connection reuse; nothing in lua/batch reads it
  return t
end

return _M
