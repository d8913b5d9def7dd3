-- Starts and drives the bundled Batch API emulator (bin/batch-mock) from specs.
--
--   local mock = require "spec.support.mock"
--   local m = mock.start()            -- a fresh emulator in a new temp dir; waits until it answers
--   m.url, m.tls_url, m.ca_file       -- http://127.0.0.1:P, https://127.0.0.1:Q, the CA of the TLS port
--   m.keys                            -- api_key, other_api_key, dev_api_key, rest_key, project_key
--   m:reset(); m:fault{ path = "/campaigns/list", status = 429, retry_after = "7" }; m:clear_faults()
--   m:log() --> array; m:clear_log(); m:config{ latency = 0.02, log = false }
--   m:exports_config{ done_after = 0.2, rows = 50 }; m:expire_links(); m:worker_pids()
--   m:state() --> what clients wrote (GET /_mock/state); m:limits{ enabled = false } --> limits state
--   m:control(method, path, tbl) --> status, decoded body, raw body   (raw access to /_mock/*)
--   m:request(method, path, opts) --> status, decoded, raw, headers  (an API call with the documented
--                                     credentials of its family: see Mock:request)
--   m:stop()                          -- stops nginx and removes the temp dir; idempotent
--
-- Call m:stop() in teardown: busted runs teardown even when a test errors. As safety nets, the
-- emulator watches this process (bin/batch-mock --owner-pid) and stops within a second of its end,
-- mock.stop_all() stops every emulator still running, and on Lua 5.2+ a collected instance stops.
-- Works on Lua 5.1 to 5.4 and LuaJIT.
local http = require "socket.http"
local socket = require "socket"
local ltn12 = require "ltn12"
local cjson = require "cjson.safe"
local file_util = require "spec.support.files"

local M = {}

local running = {} -- instance -> true, until stopped

-- Single-quotes s for /bin/sh.
local q, read_cmd = file_util.quote, file_util.read_cmd

-- The content of a file, or "" when it cannot be read.
local function read_file(path) return file_util.read_all(path) or "" end

M.root = file_util.root
M.bin = M.root .. "/bin/batch-mock"

-- The emulator's fixed keys, as mock/README.md documents them (specs check the emulator reports these).
M.DOCUMENTED_KEYS = {
  api_key = "5E8A7C1D3F2B4A6908C7E1D2F3A4B5C6",
  other_api_key = "A1B2C3D4E5F60718293A4B5C6D7E8F90",
  dev_api_key = "DEV0C3D4E5F60718293A4B5C6D7E8F91",
  rest_key = "b2a5f8c91d3e4f6a7b8c9d0e1f2a3b4c",
  project_key = "project_0664hxvwffvbpn278gxdyhsadddqgna6",
}

-- KEY=VALUE lines of DIR/mock.env.
local function read_env(path)
  local env = {}
  for line in read_file(path):gmatch("[^\n]+") do
    local k, v = line:match("^([%w_]+)=(.*)$")
    if k then env[k] = v end
  end
  return env
end

local Mock = {}
Mock.__index = Mock

-- opts: workers (nginx worker processes, default 1), args (extra bin/batch-mock arguments, e.g.
-- "--fixtures FILE").
function M.start(opts)
  opts = opts or {}
  local dir = read_cmd('mktemp -d "${TMPDIR:-/tmp}/batch-mock-spec.XXXXXX"')
  assert(dir ~= "", "mock.start: mktemp failed")
  -- $PPID of the shell that io.popen runs is this Lua process: the emulator's owner.
  local owner = read_cmd("echo $PPID")
  -- BATCH_MOCK_HOME: the pointer to the last emulator started stays in this instance's own dir
  local cmd = "BATCH_MOCK_HOME=" .. q(dir) .. " " .. q(M.bin) .. " start --background --dir " .. q(dir)
    .. " --owner-pid " .. owner
  if opts.workers then cmd = cmd .. " --workers " .. tonumber(opts.workers) end
  if opts.args then cmd = cmd .. " " .. opts.args end
  local p = assert(io.popen(cmd .. " 2>" .. q(dir .. "/launcher.log")))
  local url = p:read("*l")
  p:close()
  if not url or not url:match("^http://127%.0%.0%.1:%d+$") then
    local why = read_file(dir .. "/launcher.log")
    os.execute("rm -rf " .. q(dir))
    error("mock.start: bin/batch-mock did not start:\n" .. why, 2)
  end
  local env = read_env(dir .. "/mock.env")
  local m = setmetatable({
    url = url,
    tls_url = env.BATCH_MOCK_TLS_URL,
    ca_file = env.BATCH_MOCK_CA,
    dir = dir,
    pid = tonumber(env.BATCH_MOCK_PID),
    env = env,
    keys = {
      api_key = env.BATCH_API_KEY,
      other_api_key = env.BATCH_MOCK_OTHER_API_KEY,
      dev_api_key = env.BATCH_MOCK_DEV_API_KEY,
      rest_key = env.BATCH_REST_API_KEY,
      project_key = env.BATCH_PROJECT_KEY,
    },
  }, Mock)
  running[m] = true
  return m
end

-- Stops every emulator started by this process and not stopped yet.
function M.stop_all()
  local list = {}
  for m in pairs(running) do list[#list + 1] = m end
  for _, m in ipairs(list) do m:stop() end
end

function Mock:stop()
  if self.stopped then return end
  self.stopped = true
  running[self] = nil
  os.execute("BATCH_MOCK_HOME=" .. q(self.dir) .. " " .. q(M.bin) .. " stop --dir " .. q(self.dir)
             .. " >/dev/null 2>&1")
  os.execute("rm -rf " .. q(self.dir))
end

-- Lua 5.2+: an instance that becomes garbage (or is alive when the state closes) stops its nginx.
Mock.__gc = function(self) self:stop() end

local function tcp_with_timeout()
  local s = socket.tcp()
  s:settimeout(10)
  return s
end

-- cjson 2.1.0 decodes every number as a float; on Lua 5.3+ give whole numbers back as integers
-- (seq, connection, ids, counts), so that they print and compare as integers.
local tointeger = math.tointeger
local function integers(v)
  if type(v) == "table" then
    for k, x in pairs(v) do v[k] = integers(x) end
  elseif tointeger and type(v) == "number" then
    return tointeger(v) or v
  end
  return v
end

-- Raw access to a control route: returns status, the decoded JSON body (nil if none) and the raw body.
function Mock:control(method, path, tbl)
  local body = tbl ~= nil and assert(cjson.encode(tbl)) or nil
  local chunks = {}
  local ok, status = http.request{
    url = self.url .. path,
    method = method,
    source = body and ltn12.source.string(body) or nil,
    headers = body and { ["content-type"] = "application/json", ["content-length"] = tostring(#body) } or nil,
    sink = ltn12.sink.table(chunks),
    create = tcp_with_timeout,
  }
  if not ok then error("batch-mock: " .. method .. " " .. path .. ": " .. tostring(status), 2) end
  local raw = table.concat(chunks)
  local decoded = nil
  if raw ~= "" then decoded = integers(cjson.decode(raw)) end
  return status, decoded, raw
end

-- One API request over a new connection (redirects not followed), with the credentials of its family:
-- X-Authorization on /1.x/, Authorization: Bearer and X-Batch-Project on /2.x/. path: the part after
-- the base URL (percent escapes are sent as written). opts: body (a string, or a table sent as JSON),
-- headers (added, or replacing), auth = false (no credentials). Returns the status, the decoded JSON
-- body (nil when it does not decode), the raw body and the response headers.
function Mock:request(method, path, opts)
  opts = opts or {}
  local headers = {}
  if opts.auth ~= false then
    if path:match("^/2%.") then
      headers["authorization"] = "Bearer " .. self.keys.rest_key
      headers["x-batch-project"] = self.keys.project_key
    else
      headers["x-authorization"] = self.keys.rest_key
    end
  end
  for k, v in pairs(opts.headers or {}) do headers[k:lower()] = v end
  local body = opts.body
  if type(body) == "table" then body = assert(cjson.encode(body)) end
  if body then
    headers["content-type"] = headers["content-type"] or "application/json"
    headers["content-length"] = tostring(#body)
  end
  local chunks = {}
  local ok, status, resp_headers = http.request{
    url = self.url .. path, method = method, headers = headers, sink = ltn12.sink.table(chunks),
    source = body and ltn12.source.string(body) or nil, redirect = false, create = tcp_with_timeout,
  }
  if not ok then error("batch-mock: " .. method .. " " .. path .. ": " .. tostring(status), 2) end
  local raw = table.concat(chunks)
  local decoded = raw ~= "" and cjson.decode(raw) or nil
  return status, integers(decoded), raw, resp_headers
end

-- Like control, but raises unless the status is the expected one.
local function expect(self, want, method, path, tbl)
  local status, decoded, raw = self:control(method, path, tbl)
  if status ~= want then
    error("batch-mock: " .. method .. " " .. path .. " gave " .. tostring(status) .. ": " .. raw, 3)
  end
  return decoded
end

function Mock:reset() expect(self, 200, "POST", "/_mock/reset") end

-- Adds a fault (see mock/README.md); returns its id. A wrong field raises.
function Mock:fault(spec) return expect(self, 201, "POST", "/_mock/faults", spec).id end

function Mock:faults() return expect(self, 200, "GET", "/_mock/faults") end

function Mock:clear_faults() expect(self, 200, "DELETE", "/_mock/faults") end

function Mock:log() return expect(self, 200, "GET", "/_mock/log") end

function Mock:clear_log() expect(self, 200, "DELETE", "/_mock/log") end

-- Changes settings ({ latency = seconds, log = boolean }); returns the whole config.
function Mock:config(tbl) return expect(self, 200, "POST", "/_mock/config", tbl or {}) end

-- Changes the settings of the exports created from now on (see mock/README.md, "Exports config"):
-- { pending_after, running_after, done_after, outcome, error_msg, rows, size, parts, link_ttl,
--   csv_edge_cases }; a key set to mock.null goes back to unset (size, error_msg). Returns them all.
function Mock:exports_config(tbl) return expect(self, 200, "POST", "/_mock/exports/config", tbl or {}) end

-- Every storage link handed out so far expires (403 "Request has expired" from /_storage/).
function Mock:expire_links() expect(self, 200, "POST", "/_mock/exports/expire_links") end

-- What clients wrote, per app and project (GET /_mock/state, decoded; see mock/README.md).
function Mock:state() return expect(self, 200, "GET", "/_mock/state") end

-- The rate limits: without tbl, their state (GET /_mock/limits: enabled, retry_after, rates,
-- accepted, rejected); with tbl, merges it first ({ enabled, retry_after, rates = { bucket =
-- { rate, burst } } }) and returns the new state.
function Mock:limits(tbl)
  if tbl == nil then return expect(self, 200, "GET", "/_mock/limits") end
  return expect(self, 200, "POST", "/_mock/limits", tbl)
end

-- The pids of the nginx worker processes (children of the master), e.g. to read their VmRSS.
function Mock:worker_pids()
  local f = io.open("/proc/" .. self.pid .. "/task/" .. self.pid .. "/children")
  local pids = {}
  if f then
    for p in f:read("*a"):gmatch("%d+") do pids[#pids + 1] = tonumber(p) end
    f:close()
  end
  return pids
end

M.null = cjson.null

return M
