-- Helpers shared by the benchmark programs of bench/ (each runs in its own process, started by run.lua).
-- The emulator's address and keys come from the environment run.lua sets (those of bin/batch-mock's mock.env).
local _M = {}

_M.env = setmetatable({}, { __index = function(_, k)
  local v = os.getenv(k)
  if not v then error("bench: " .. k .. " is not set (run the benchmarks with `make bench`)", 2) end
  return v
end })

-- One line of JSON on stdout: what run.lua reads back. Values are numbers, strings or booleans.
function _M.report(t)
  local keys = {}
  for k in pairs(t) do keys[#keys + 1] = k end
  table.sort(keys)
  local parts = {}
  for _, k in ipairs(keys) do
    local v = t[k]
    if type(v) == "string" then v = string.format("%q", v)
    elseif type(v) == "number" then v = string.format("%.17g", v)
    else v = tostring(v) end
    parts[#parts + 1] = string.format("%q: %s", k, v)
  end
  io.write("{", table.concat(parts, ", "), "}\n")
end

-- Peak and current resident memory of this process, in kB (/proc/self/status).
function _M.memory()
  local f = assert(io.open("/proc/self/status"))
  local s = f:read("*a")
  f:close()
  return tonumber(s:match("VmHWM:%s*(%d+)")), tonumber(s:match("VmRSS:%s*(%d+)"))
end

-- Resets the peak resident memory (VmHWM) to the current one (Linux: 5 to /proc/self/clear_refs), so the
-- peak of what follows can be read alone. Raises where the kernel does not offer it.
function _M.reset_peak()
  local f = assert(io.open("/proc/self/clear_refs", "w"))
  assert(f:write("5"))
  assert(f:close())
end

-- A client of the emulator's HTTPS listener.
function _M.client(extra)
  local batch = require "batch"
  local o = { base_url = _M.env.BATCH_MOCK_TLS_URL, ca_file = _M.env.BATCH_MOCK_CA,
              api_key = _M.env.BATCH_API_KEY, rest_key = _M.env.BATCH_REST_API_KEY,
              project_key = _M.env.BATCH_PROJECT_KEY }
  for k, v in pairs(extra or {}) do o[k] = v end
  return batch.new(o)
end

return _M
