-- A user function as a transport (tests, custom stacks): `function(req) -> res | nil, err`. It does one
-- exchange at a time, so request_many runs the requests one after the other, with progress after each.
local _M = {}

function _M.new(fn)
  local t = { parallel = false, decodes = false }

  t.request = fn

  function t.request_many(reqs, o)
    local results, failures, bytes = {}, {}, 0
    local on_progress = o and o.on_progress
    for i = 1, #reqs do
      local res, err = fn(reqs[i])
      results[i], failures[i] = res, err
      if res and res.bytes then bytes = bytes + res.bytes end
      if on_progress and on_progress(bytes) == false then return nil end
    end
    return results, failures
  end

  function t.close() end
  return t
end

return _M
