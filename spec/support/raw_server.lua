-- A tiny hostile HTTP server for specs (spec/70-hostile_spec.lua, spec/71-secrets_spec.lua): it answers
-- what the emulator cannot (broken framing, drip-feeds, huge headers) and records what it was sent.
--
--   local raw = require("spec.support.raw_server").start()   -- a child process on 127.0.0.1:<free port>
--   raw.url                     -- "http://127.0.0.1:P"
--   raw:requests() --> { { method, path, query, headers = { lower-name = value }, head = "raw head" }, ... }
--   raw:clear(); raw:stop()     -- stop is idempotent (teardown)
--
-- The answer depends on the last path segment (or query value) that names a scenario (see SCENARIOS
-- below), so that a campaign token ("/1.1/KEY/campaigns/huge-length"), an export id ("?id=echo") or a
-- storage path ("/files/drip") selects it. Every answer closes the connection. Run as a script, it serves
-- until killed: `lua raw_server.lua serve LOGFILE` (the first line it prints is its port).
local M = {}

local function q(s) return "'" .. tostring(s):gsub("'", "'\\''") .. "'" end

-- One log record per line: the fields percent-encoded, separated by spaces.
local function enc(s) return (s:gsub("[^%w%-_.:/]", function(ch) return ("%%%02X"):format(ch:byte()) end)) end
local function dec(s) return (s:gsub("%%(%x%x)", function(h) return string.char(tonumber(h, 16)) end)) end

local SCENARIOS = {}

-- Sends s, ignoring a peer that went away; returns false once the peer is gone.
local function send(c, s)
  local ok = c:send(s)
  return ok ~= nil
end

local function answer(c, status, headers, body)
  local lines = { "HTTP/1.1 " .. status }
  for _, h in ipairs(headers or {}) do lines[#lines + 1] = h end
  if body then lines[#lines + 1] = "Content-Length: " .. #body end
  lines[#lines + 1] = "Connection: close"
  send(c, table.concat(lines, "\r\n") .. "\r\n\r\n" .. (body or ""))
end

-- A CSV served as a storage file (the other host of a signed link).
SCENARIOS.file = function(c) answer(c, "200 OK", { "Content-Type: text/csv" }, "a;b\n1;2\n") end
-- Whether the peer closed the connection (the server serves one connection at a time: it must not
-- keep feeding a client that left).
local function gone(c)
  c:settimeout(0)
  local _, err = c:receive(1)
  c:settimeout(10)
  return err == "closed"
end

-- 1 byte every 1.5 s of an announced 100 000: far below any sane rate.
SCENARIOS.drip = function(c, socket)
  send(c, "HTTP/1.1 200 OK\r\nContent-Type: text/csv\r\nContent-Length: 100000\r\nConnection: close\r\n\r\n")
  for _ = 1, 40 do
    if not send(c, "x") then return end
    for _ = 1, 15 do
      if gone(c) then return end
      socket.sleep(0.1)
    end
  end
end
-- An announced length of about 100 TB, two bytes, then the connection closes.
SCENARIOS["huge-length"] = function(c)
  send(c, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 99999999999999\r\n"
          .. "Connection: close\r\n\r\n{}")
end
-- One header line of 100 KB.
SCENARIOS["big-header"] = function(c)
  answer(c, "200 OK", { "X-Big: " .. string.rep("a", 100 * 1024) }, '{"campaign_token":"abc"}')
end
-- 2 MB of header lines, each short.
SCENARIOS["many-headers"] = function(c)
  local h = {}
  for i = 1, 40000 do h[i] = ("X-H%d: %s"):format(i, string.rep("b", 40)) end
  answer(c, "200 OK", h, '{"campaign_token":"abc"}')
end
-- A CSV with an unterminated quoted field, and a "JSON" part that is not JSON.
SCENARIOS["bad-csv"] = function(c) answer(c, "200 OK", { "Content-Type: text/csv" }, 'a;b\n"open;1\n') end
SCENARIOS["bad-ndjson"] = function(c) answer(c, "200 OK", {}, '{"identifiers":{}}\nnot json\n') end
SCENARIOS["bad-status"] = function(c) send(c, "HTTP/1.1 abc\r\n\r\n") end
SCENARIOS["not-http"] = function(c) send(c, "SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n") end
SCENARIOS["bad-length"] = function(c)
  send(c, "HTTP/1.1 200 OK\r\nContent-Length: -5\r\nConnection: close\r\n\r\n{}")
end
SCENARIOS["bad-chunk"] = function(c)
  send(c, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\nzz\r\n{}\r\n")
end
SCENARIOS["nul-header"] = function(c)
  send(c, "HTTP/1.1 200 OK\r\nX-A: a\0b\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}")
end
-- A campaign in four chunks, with a chunk extension and a trailer.
SCENARIOS.chunked = function(c)
  send(c, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n"
          .. "Connection: close\r\n\r\n5;ext=1\r\n{\"cam\r\n13\r\npaign_token\":\"chunk\r\n"
          .. "3\r\ned\"\r\n1\r\n}\r\n0\r\nX-Trailer: t\r\n\r\n")
end
-- A 100 Continue before the answer.
SCENARIOS.continue = function(c)
  send(c, "HTTP/1.1 100 Continue\r\n\r\n")
  answer(c, "200 OK", { "Content-Type: application/json" }, '{"campaign_token":"continue"}')
end
-- An answer that says nothing of closing (so a client may keep the connection), then the server closes:
-- the client's next request on that connection finds it dead.
SCENARIOS["keep-then-close"] = function(c)
  local body = '{"campaign_token":"keep-then-close"}'
  send(c, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " .. #body .. "\r\n\r\n" .. body)
end
-- Ten 100 Continue, then nothing more.
SCENARIOS["continue-forever"] = function(c)
  for _ = 1, 10 do send(c, "HTTP/1.1 100 Continue\r\n\r\n") end
end
-- A storage that redirects to itself, forever.
SCENARIOS.loop = function(c, _, req) answer(c, "302 Found", { "Location: " .. req.path }, "") end
-- An API that redirects a GET elsewhere (credentials must not follow).
SCENARIOS["redirect-away"] = function(c, _, req)
  answer(c, "302 Found", { "Location: http://localhost:" .. req.port .. "/files/file" }, "")
end
-- A 200 carrying no body at all and no length: the end is the connection closing.
SCENARIOS["close-delimited"] = function(c) send(c, "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n[1,2") end
-- JSON 127 levels deep (inside the 128-level cap), 31 members at each level (34 KB): more than LuaJIT's
-- and Lua 5.1's C stack would hold if the decoder kept every member on it. A campaign that decodes.
SCENARIOS["deep-wide-json"] = function(c)
  local parts = {}
  for _ = 1, 126 do
    local members = {}
    for m = 1, 30 do members[m] = ('"k%d":%d'):format(m, m) end
    parts[#parts + 1] = "{" .. table.concat(members, ",") .. ',"next":'
  end
  local body = '{"campaign_token":"deep",' .. table.concat(parts):sub(2) .. "{}" .. string.rep("}", 126)
  answer(c, "200 OK", { "Content-Type: application/json" }, body)
end
-- 200 levels of arrays: past the cap.
SCENARIOS["too-deep-json"] = function(c)
  answer(c, "200 OK", { "Content-Type: application/json" }, string.rep("[", 200) .. string.rep("]", 200))
end
-- A header block that never ends: header lines, one after the other, up to 1 MB, then a close.
SCENARIOS["endless-head"] = function(c)
  send(c, "HTTP/1.1 200 OK\r\n")
  for i = 1, 20000 do
    if not send(c, ("X-Line-%d: %s\r\n"):format(i, string.rep("z", 40))) then return end
  end
end
-- A status line and a close: no blank line after the headers, no body.
SCENARIOS["truncated-head"] = function(c) send(c, "HTTP/1.1 200 OK\r\nContent-Type: application/json") end
-- A body far over the client's max_body (the spec sets a small one), sent until the client gives up.
SCENARIOS["huge-body"] = function(c)
  if not send(c, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 8388608\r\n"
                 .. "Connection: close\r\n\r\n[") then return end
  local chunk = string.rep("1,", 32768)
  for _ = 1, 128 do if not send(c, chunk) then return end end
end
-- A JSON answer gzip-compressed though the client did not ask for it (no Accept-Encoding).
SCENARIOS["gzip-unasked"] = function(c)
  -- gzip of '{"campaign_token":"gz"}' (the 10-byte header, raw deflate, CRC-32 and size)
  local gz = "\31\139\8\0\0\0\0\0\0\3\171\86\74\78\204\45\72\204\76\207\139\47\201\207\78\205"
             .. "\83\178\82\74\175\82\170\5\0\53\12\174\237\23\0\0\0"
  answer(c, "200 OK", { "Content-Type: application/json", "Content-Encoding: gzip" }, gz)
end
-- A Content-Length that promises more than comes, for a file: 100 bytes announced, 10 sent, then a close.
SCENARIOS["lying-length"] = function(c)
  send(c, "HTTP/1.1 200 OK\r\nContent-Type: text/csv\r\nContent-Length: 100\r\nConnection: close\r\n\r\n"
          .. "a;b\n1;2\n3;")
end
-- The keys the client sent, echoed in header names and values of a 500 (spec/73).
SCENARIOS["echo-in-names"] = function(c, _, req)
  local h = { "Content-Type: application/json" }
  for name, v in pairs(req.headers) do
    h[#h + 1] = "X-" .. v:gsub("[^%w%-]", "-") .. ": " .. name .. " " .. v
  end
  answer(c, "500 Internal Server Error", h, '{"code":0,"message":"echo"}')
end
-- Echoes the request's head in a JSON error body and in headers (spec/71-secrets_spec.lua).
SCENARIOS.echo = function(c, _, req)
  local h = { "Content-Type: application/json" }
  for name, v in pairs(req.headers) do h[#h + 1] = "X-Echo-" .. name .. ": " .. v end
  h[#h + 1] = "X-Echo-Path: " .. req.path
  local body = ('{"code":31,"message":"bad request %s %s"}'):format(req.path,
    (req.head:gsub("[\r\n\"\\]", " ")))
  answer(c, "400 Bad Request", h, body)
end

local function serve(logfile)
  local socket = require "socket"
  local server = assert(socket.bind("127.0.0.1", 0))
  local _, port = server:getsockname()
  io.stdout:write(port, "\n")
  io.stdout:flush()
  while true do
    local c = server:accept()
    if c then
      c:settimeout(10)
      local line = c:receive("*l")
      local head, headers = {}, {}
      while line and line ~= "" do
        head[#head + 1] = line
        line = c:receive("*l")
        if line and line ~= "" then
          local name, value = line:match("^([^:]+):%s*(.-)%s*$")
          if name then headers[name:lower()] = value end
        end
      end
      local method, target = (head[1] or ""):match("^(%S+)%s+(%S+)")
      local req = { method = method, path = target and target:match("^[^?]*") or "",
                    query = target and target:match("%?(.*)$") or "", headers = headers,
                    head = table.concat(head, "\r\n"), port = port }
      local n = tonumber(headers["content-length"] or "")
      if n and n > 0 then c:receive(n) end
      local f = io.open(logfile, "ab")
      if f then
        f:write(enc(req.method or ""), " ", enc(req.path), " ", enc(req.query), " ", enc(req.head), "\n")
        f:close()
      end
      local name
      for seg in req.path:gmatch("[^/]+") do if SCENARIOS[seg] then name = seg end end
      for v in req.query:gmatch("=([^&]+)") do if SCENARIOS[v] then name = v end end
      if name then
        SCENARIOS[name](c, socket, req)
      else
        answer(c, "404 Not Found", { "Content-Type: application/json" }, '{"code":20,"message":"no scenario"}')
      end
      c:close()
    end
  end
end

local Raw = {}
Raw.__index = Raw

-- Starts the server as a child process of the same Lua as this one.
function M.start()
  local interp = require "spec.support.interp"
  local src = debug.getinfo(1, "S").source:gsub("^@", "")
  local log = os.tmpname()
  local cmd = "echo $$; exec " .. interp .. " " .. q(src) .. " serve " .. q(log) .. " 2>/dev/null"
  local p = assert(io.popen("exec sh -c " .. q(cmd)))
  local pid = p:read("*l")
  local port = p:read("*l")
  assert(tonumber(pid) and tonumber(port), "raw_server did not start")
  return setmetatable({ pid = pid, port = tonumber(port), url = "http://127.0.0.1:" .. port, log = log,
                        pipe = p }, Raw)
end

function Raw:requests()
  local out = {}
  local f = io.open(self.log, "rb")
  if not f then return out end
  for line in f:lines() do
    local method, path, query, head = line:match("^(%S*) (%S*) (%S*) (%S*)$")
    method, path, query, head = dec(method), dec(path), dec(query), dec(head)
    local headers = {}
    for l in head:gmatch("[^\r\n]+") do
      local name, value = l:match("^([^:]+):%s*(.-)%s*$")
      if name then headers[name:lower()] = value end
    end
    out[#out + 1] = { method = method, path = path, query = query, head = head, headers = headers }
  end
  f:close()
  return out
end

function Raw:clear()
  local f = io.open(self.log, "wb")
  if f then f:close() end
end

function Raw:stop()
  if self.stopped then return end
  self.stopped = true
  os.execute("kill " .. self.pid .. " 2>/dev/null")
  self.pipe:close()
  os.remove(self.log)
end

M.SCENARIOS = SCENARIOS

if arg and arg[1] == "serve" and arg[0] and arg[0]:find("raw_server%.lua$") then
  serve(arg[2])
end

return M
