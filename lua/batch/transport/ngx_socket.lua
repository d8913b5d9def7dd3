-- The "ngx" transport's engine for API calls: one HTTP/1.1 exchange over an nginx cosocket
-- (ngx.socket.tcp). The calling coroutine yields on every wait, so the worker keeps serving. Connections
-- stay open in nginx's per-worker keep-alive pool, one pool per origin and TLS setting (verified or not),
-- shared by the clients of the worker: a connection is verified by the trust of where it was opened, so
-- `lua_ssl_trusted_certificate` belongs in `http {}`, once.
--
-- TLS is verified by nginx against `lua_ssl_trusted_certificate`, the host name included (SNI and
-- X509_check_host). nginx cannot check an IP address against a certificate, nor take a CA file per
-- connection: transport_ngx sends such requests (an https URL with an IP address, the options ca_file and
-- proxy, downloads) through nginx's thread pool and libcurl instead.
--
-- Every read goes through one buffer (receiveany) under the request's deadline: nginx's own socket
-- timeouts restart at each packet, so a server dripping a byte a second would otherwise never time out.
local tonumber, tostring, pairs, setmetatable, concat = tonumber, tostring, pairs, setmetatable, table.concat
local find, match, lower, sub = string.find, string.match, string.lower, string.sub
local max, min = math.max, math.min

local _M = {}

local POOL_SIZE = 64           -- idle keep-alive connections kept per worker and pool
local MAX_HEAD = 64 * 1024     -- a response's header block, as the C core limits it
local MAX_HEADERS = 1000       -- header lines of a response, as the C core limits them (core.http_head)
local MAX_LINE = 4096          -- a chunk-size line
local MAX_INTERIM = 5          -- 1xx answers before the real one
local READ_SIZE = 65536        -- at most this much per receive
local NO_LIMIT = 86400         -- what "no timeout" (0) becomes, in seconds
_M.NO_LIMIT = NO_LIMIT

local SEND_SLICE = 65536       -- a larger body is sent in slices, each under the deadline

-- origin url -> the connect options of its pools: kept, fresh; verified and not (made once per worker)
local pools = { [true] = {}, [false] = {} }

local function pool_options(verify, url, fresh)
  local p = pools[verify][url]
  if not p then
    local name = "lua-batch " .. (verify and "" or "noverify ") .. url
    p = { { pool = name, pool_size = POOL_SIZE }, { pool = name .. " fresh", pool_size = POOL_SIZE } }
    pools[verify][url] = p
  end
  return p[fresh and 2 or 1]
end

-- scheme, authority, host, port, target of an http(s) URL; nil and why when it is not one this engine
-- may send (a byte that would split the request line or the Host header, or user info).
function _M.parse_url(url)
  local scheme, authority, target = match(url, "^(https?)://([^/?#]*)(.*)$")
  if not scheme then return nil, "not an http(s) URL" end
  if find(authority, "@", 1, true) then return nil, "user info in a URL is not supported" end
  if find(target, "[%z\1-\32\127]") or not (find(authority, "^[%w._~%-]+:?%d*$")
                                              or find(authority, "^%[[%x:.]+%]:?%d*$")) then
    return nil, "the URL holds a space, a control character or an invalid host"
  end
  local host, port = match(authority, "^(%[[%x:.]+%])(.*)$")  -- an IPv6 literal keeps its brackets
  if not host then host, port = match(authority, "^([^:]+)(.*)$") end
  if port == "" then
    port = scheme == "https" and 443 or 80
  else
    port = tonumber(match(port, "^:(%d+)$"))
    if not port or port < 1 or port > 65535 then return nil, "an invalid port" end
  end
  if target == "" or sub(target, 1, 1) ~= "/" then target = "/" .. target end
  target = match(target, "^[^#]*")
  return scheme, authority, lower(host), port, target
end

-- Whether host is an IPv4 or bracketed IPv6 literal.
function _M.is_ip(host)
  return find(host, "^%d+%.%d+%.%d+%.%d+$") ~= nil or find(host, "^%[") ~= nil
end

local function fail(kind, sent, message)
  return nil, { kind = kind, sent = sent, message = message }
end

-- Header names and values found valid, so that a client's few headers are checked once, not per request
-- (these patterns are not compiled by LuaJIT); emptied when they hold many (values may be many).
local valid_name, valid_value, valid_count = {}, {}, 0

-- Whether a header name is a token and its value has no CR, LF or NUL; remembers both when they are.
local function check_header(name, value)
  if find(name, "[^%w!#$%%&'*+.^_`|~-]") or find(value, "[\r\n%z]") then return false end
  if valid_count >= 256 then valid_name, valid_value, valid_count = {}, {}, 0 end
  valid_name[name], valid_value[value], valid_count = true, true, valid_count + 1
  return true
end

-- The request's bytes: a list of what to pass to sock:send in turn (one table of pieces, or the head and
-- then slices of a large body).
local function request_pieces(req, authority, target, user_agent)
  local body = req.body
  local out = { req.method, " ", target, " HTTP/1.1\r\nHost: ", authority, "\r\nUser-Agent: ", user_agent,
                "\r\n" }
  local n = #out
  for name, value in pairs(req.headers or {}) do
    value = tostring(value)
    if not (valid_name[name] and valid_value[value]) and not check_header(name, value) then
      return nil, "the request header " .. tostring(name) .. " holds a line break or an invalid character"
    end
    out[n + 1], out[n + 2], out[n + 3], out[n + 4] = name, ": ", value, "\r\n"
    n = n + 4
  end
  if body or req.method == "POST" or req.method == "PUT" or req.method == "PATCH" then
    out[n + 1], out[n + 2] = "Content-Length: ", #(body or "")
    out[n + 3] = "\r\n"
    n = n + 3
  end
  out[n + 1] = "\r\n"
  if not body or body == "" then return { out } end
  if #body <= SEND_SLICE then
    out[n + 2] = body
    return { out }
  end
  local sends = { out }
  for i = 1, #body, SEND_SLICE do sends[#sends + 1] = sub(body, i, i + SEND_SLICE - 1) end
  return sends
end

-- The error fields of a response that breaks HTTP/1.1, and of one over a size limit.
local function malformed(url, what)
  return { kind = "network", sent = true, message = what .. " in the response of " .. url }
end

local function too_large(url, limit)
  return { kind = "too_large", sent = true,
           message = "the response of " .. url .. " is larger than " .. limit .. " bytes" }
end

-- A response being read: the socket, what was received and not used yet (buf from pos), the deadline.
local Reader = {}
Reader.__index = Reader
_M.Reader = Reader -- for spec/24, which feeds it chunks cut every way

-- Receives more (at most `want` bytes); false and the error fields on failure.
function Reader:fill(want)
  local left = self.deadline - self.now()
  local data, err = nil, "timeout" -- the deadline has passed: nothing more is read
  if left > 0 then
    self.sock:settimeout(max(1, left * 1000))
    data, err = self.sock:receiveany(want or READ_SIZE)
  end
  if not data then
    self.closed = err == "closed"
    if err == "timeout" then
      return false, { kind = "timeout", sent = true, message = self.url .. " did not answer in time" }
    end
    return false, { kind = "network", sent = true,
                    message = "reading the response of " .. self.url .. ": " .. tostring(err) }
  end
  self.got = true
  local pos = self.pos
  self.buf = pos > #self.buf and data or sub(self.buf, pos) .. data
  self.pos = 1
  return true
end

-- The bytes up to `sep` (which is consumed), at most `limit` of them; nil and the error fields (nil
-- when the limit was passed). What comes in is searched once: a head dripped a byte at a time costs
-- linear time.
function Reader:until_sep(sep, limit)
  local i = find(self.buf, sep, self.pos, true)
  if i then
    if i - self.pos > limit then return nil, nil end
    local text = sub(self.buf, self.pos, i - 1)
    self.pos = i + #sep
    return text
  end
  local first = sub(self.buf, self.pos)
  local parts, size, tail = { first }, #first, first
  self.buf, self.pos = "", 1
  while true do
    if size > limit then return nil, nil end
    local ok, err = self:fill()
    if not ok then return nil, err end
    local data = self.buf
    local carry = sub(tail, -(#sep - 1)) -- a separator may start in what came before
    local j = find(carry .. data, sep, 1, true)
    if j then
      local at = j - #carry -- where the separator starts in data (below 1: in what came before)
      if at > 1 then
        parts[#parts + 1] = sub(data, 1, at - 1)
      elseif at < 1 then
        local text = concat(parts)
        parts = { sub(text, 1, #text + at - 1) }
      end
      self.pos = at + #sep
      local text = concat(parts)
      if #text > limit then return nil, nil end
      return text
    end
    parts[#parts + 1] = data
    size = size + #data
    tail = #data >= #sep - 1 and data or sub(tail .. data, -(#sep - 1))
    self.buf = ""
  end
end

-- Exactly n bytes; nil, error fields.
function Reader:bytes(n)
  local have = #self.buf - self.pos + 1
  if have >= n then
    local s = sub(self.buf, self.pos, self.pos + n - 1)
    self.pos = self.pos + n
    return s
  end
  local parts, size = { sub(self.buf, self.pos) }, have
  self.buf, self.pos = "", 1
  while size < n do
    local ok, err = self:fill(min(READ_SIZE, n - size))
    if not ok then return nil, err end
    parts[#parts + 1] = self.buf
    size = size + #self.buf
    self.buf = ""
  end
  return concat(parts)
end

-- Everything up to the connection's end, at most limit bytes; nil, error fields.
function Reader:to_close(limit)
  local parts, size = { sub(self.buf, self.pos) }, #self.buf - self.pos + 1
  self.buf, self.pos = "", 1
  while true do
    if size > limit then return nil, too_large(self.url, limit) end
    local ok, err = self:fill()
    if not ok then
      if self.closed then return concat(parts) end
      return nil, err
    end
    parts[#parts + 1] = self.buf
    size = size + #self.buf
    self.buf = ""
  end
end

-- status, headers (lower-case names, repeats joined with ", ") of a header block; nil if malformed,
-- false when it has more than 1000 lines (MAX_HEADERS): core.http_head, in C (the Lua patterns it
-- replaces are not compiled by LuaJIT, and cost a tenth of a call inside nginx).
local parse_head = require("batch.core").http_head

-- A chunked body, at most limit bytes; nil, error fields.
local function read_chunked(r, url, limit)
  local parts, size = {}, 0
  while true do
    local line, err = r:until_sep("\r\n", MAX_LINE)
    if not line then return nil, err or malformed(url, "a chunk-size line over 4 KiB") end
    local hex, rest = match(line, "^(%x+)(.*)$") -- a size, then nothing, blanks, or ";extensions"
    local n = hex and #hex <= 15 and (rest == "" or find(rest, "^[ \t]*;") or find(rest, "^[ \t]*$"))
              and tonumber(hex, 16)
    if not n then return nil, malformed(url, "a malformed chunk") end
    if n == 0 then
      local seen = 0
      repeat -- trailer lines, up to an empty one
        line, err = r:until_sep("\r\n", MAX_HEAD - seen)
        if not line then return nil, err or too_large(url, MAX_HEAD) end
        seen = seen + #line + 2
      until line == ""
      return concat(parts)
    end
    size = size + n
    if size > limit then return nil, too_large(url, limit) end
    local data
    data, err = r:bytes(n + 2)
    if not data then return nil, err end
    if sub(data, -2) ~= "\r\n" then return nil, malformed(url, "a chunk not ended by CRLF") end
    parts[#parts + 1] = sub(data, 1, n)
  end
end

-- The body of a response; nil, error fields; and whether the connection may be kept.
local function read_body(r, req, status, headers, url, limit)
  if req.method == "HEAD" or status == 204 or status == 304 then return "", nil, true end
  local te, length = headers["transfer-encoding"], headers["content-length"]
  if te then -- Transfer-Encoding wins; with a Content-Length too, the connection is not kept after it
    if find(lower(te), "chunked%s*$") then
      local body, err = read_chunked(r, url, limit)
      return body, err, length == nil
    end
    local body, err = r:to_close(limit)
    return body, err, false
  end
  if length then
    local n = tonumber(match(length, "^%d+$"))
    if not n or #length > 15 then return nil, malformed(url, "a malformed Content-Length") end
    if n > limit then return nil, too_large(url, limit) end
    if n == 0 then return "", nil, true end
    local body, err = r:bytes(n)
    return body, err, true
  end
  local body, err = r:to_close(limit)
  return body, err, false
end

-- Reads a response from r (at most MAX_INTERIM 1xx answers skipped; a body of at most `limit` bytes).
-- Returns status, headers, body and whether the connection may be kept for another request; or nil and
-- the error fields.
function _M.read_response(r, req, limit)
  local head, status, headers, err
  for _ = 0, MAX_INTERIM do -- 1xx interim answers: the real one follows
    head, err = r:until_sep("\r\n\r\n", MAX_HEAD)
    if not head then return nil, err or too_large(r.url, MAX_HEAD) end
    status, headers = parse_head(head)
    if status == false then
      return nil, { kind = "too_large", sent = true,
                    message = "the response of " .. r.url .. " has more than " .. MAX_HEADERS .. " header lines" }
    end
    if not status then return nil, malformed(r.url, "a malformed status line or header") end
    if status >= 200 then break end
  end
  if status < 200 then return nil, malformed(r.url, "too many 1xx answers") end
  local body, keep
  body, err, keep = read_body(r, req, status, headers, r.url, limit)
  if not body then return nil, err end
  local conn = headers.connection
  keep = keep and r.pos > #r.buf and not (conn and find(lower(conn), "close", 1, true))
         and sub(head, 1, 8) ~= "HTTP/1.0"
  return status, headers, body, keep
end
local read_response = _M.read_response

-- new(opts, ngx) -> exchange(req, origin, address, path, deadline): the request over a pooled connection
-- to address:origin.port, origin = { scheme, authority, port, server_name, url } (shared by every request
-- to it, never changed). Returns res, or nil and the error fields.
function _M.new(opts, ngx)
  local tcp, now = ngx.socket.tcp, ngx.now
  local verify = opts.verify_tls ~= false
  local user_agent, max_body = opts.user_agent, opts.max_body

  -- A connected (and TLS-established) socket, and whether it came from the pool; nil, error fields.
  -- fresh skips the idle pool (writes: never resent on a connection the server may be closing).
  local function connect(t, address, fresh, deadline, connect_timeout)
    local url = t.url
    local left = deadline - now()
    if left <= 0 then return fail("timeout", false, "no time left to connect to " .. url) end
    local connected_by = now() + min(connect_timeout, left) -- the TCP and TLS handshakes, as libcurl
    local sock = tcp()
    sock:settimeout(max(1, (connected_by - now()) * 1000))
    local ok, err = sock:connect(address, t.port, pool_options(verify, url, fresh))
    if not ok then
      if err == "timeout" then return fail("timeout", false, "connecting to " .. url .. " timed out") end
      return fail("network", false, "connecting to " .. url .. ": " .. tostring(err))
    end
    local reused = sock:getreusedtimes() > 0
    if t.scheme == "https" and not reused then
      -- lua-resty-core 0.1.25 reports a handshake that fails after a wait (a refused certificate) as a
      -- success when no session is asked for, and raises an assertion when one is: so a session is
      -- asked for (never resumed: a resumed session skips the certificate check) and anything but a
      -- session is a failure.
      sock:settimeout(max(1, (connected_by - now()) * 1000))
      local called, session, why = pcall(sock.sslhandshake, sock, nil, t.server_name, verify)
      if not (called and session) then
        sock:close()
        if not called or not why then
          return fail("tls", false, "TLS handshake with " .. url .. " failed: the certificate was "
                      .. "refused: its CA is not in nginx's lua_ssl_trusted_certificate, or it is not valid for "
                      .. tostring(t.server_name) .. " (nginx's error.log says which)")
        end
        if why == "timeout" then return fail("timeout", false, "TLS handshake with " .. url .. " timed out") end
        local hint = ""
        if verify and not find(tostring(why), "mismatch", 1, true) then
          hint = " (inside nginx, certificates are checked against lua_ssl_trusted_certificate: set it to "
                 .. "your CA bundle, e.g. /etc/ssl/certs/ca-certificates.crt)"
        end
        return fail("tls", false, "TLS handshake with " .. url .. " failed: " .. tostring(why) .. hint)
      end
    end
    return sock, reused
  end

  -- One try over one connection. Returns res, or nil, the error fields, and whether a reused connection
  -- failed before any byte of the answer came (the server closed it while idle).
  local function exchange_once(req, t, address, pieces, fresh, deadline)
    local url = t.url
    local ct = req.connect_timeout
    local sock, reused = connect(t, address, fresh, deadline, (ct and ct > 0) and ct or NO_LIMIT)
    if not sock then return nil, reused end
    local ok, err = true, nil
    for i = 1, #pieces do -- one send, or the head then slices of a large body, each under the deadline
      if deadline - now() <= 0 then ok, err = nil, "timeout" break end
      sock:settimeout(max(1, (deadline - now()) * 1000))
      ok, err = sock:send(pieces[i])
      if not ok then break end
    end
    if not ok then
      sock:close()
      if err == "timeout" then return fail("timeout", true, "sending to " .. url .. " timed out") end
      local _, e = fail("network", true, "sending to " .. url .. ": " .. tostring(err))
      return nil, e, reused
    end
    local r = setmetatable({ sock = sock, buf = "", pos = 1, deadline = deadline, now = now, url = url }, Reader)
    local status, headers, body, keep = read_response(r, req, max_body)
    if not status then
      sock:close()
      return nil, headers, reused and not r.got and headers.kind == "network"
    end
    if fresh or not keep then
      sock:close()
    elseif not sock:setkeepalive() then -- idle up to lua_socket_keepalive_timeout (60 s by default)
      sock:close()
    end
    return { status = status, headers = headers, body = body, reused = reused }
  end

  return function(req, t, address, path, deadline)
    local pieces, perr = request_pieces(req, t.authority, path, user_agent)
    if not pieces then return fail("invalid", false, perr) end
    deadline = deadline or now() + (req.timeout and req.timeout > 0 and req.timeout or NO_LIMIT)
    local fresh = not (req.method == "GET" or req.method == "HEAD")
    local res, err, stale = exchange_once(req, t, address, pieces, fresh, deadline)
    if not res and stale then -- a kept connection the server had closed: once more on a new one
      res, err = exchange_once(req, t, address, pieces, true, deadline)
      if err then err.sent = true end -- the first try may have reached the server
    end
    return res, err
  end
end

return _M
