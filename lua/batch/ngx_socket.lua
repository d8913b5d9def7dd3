-- The "ngx" transport's engine for API calls: one HTTP/1.1 exchange over an nginx cosocket
-- (ngx.socket.tcp). The calling coroutine yields on every wait, so the worker keeps serving; connections
-- stay open in nginx's per-worker keep-alive pool, one pool per (scheme, host, port, TLS settings), so a
-- connection verified one way is never reused another way.
--
-- TLS is verified by nginx against `lua_ssl_trusted_certificate`, the host name included (SNI and
-- X509_check_host). nginx cannot check an IP address against a certificate, and cannot take a CA file per
-- connection: transport_ngx sends such requests (an https URL with an IP address, the options ca_file and
-- proxy, downloads) through nginx's thread pool and libcurl instead.
local type, tonumber, tostring, pairs, concat = type, tonumber, tostring, pairs, table.concat
local find, match, gmatch, lower, sub = string.find, string.match, string.gmatch, string.lower, string.sub
local max = math.max

local _M = {}

local POOL_SIZE = 64           -- idle keep-alive connections kept per worker and pool
local MAX_HEAD = 64 * 1024     -- the C core's limit on a response's header block
local NO_LIMIT_MS = 86400000   -- what "no timeout" (0) becomes: nginx's own 0 means its 60 s default

-- scheme, authority, host, port, target of an http(s) URL; nil when it is not one.
function _M.parse_url(url)
  local scheme, authority, target = match(url, "^(https?)://([^/?#@]+)(.*)$")
  if not scheme then return nil end
  local host, port = match(authority, "^(%[[%x:.]+%])(.*)$")  -- an IPv6 literal keeps its brackets
  if not host then host, port = match(authority, "^([^:]+)(.*)$") end
  if port == "" then
    port = scheme == "https" and 443 or 80
  else
    port = tonumber(match(port, "^:(%d+)$"))
    if not port or port < 1 or port > 65535 then return nil end
  end
  if target == "" or sub(target, 1, 1) ~= "/" then target = "/" .. target end
  target = match(target, "^[^#]*")
  return scheme, authority, lower(host), port, target
end

-- Whether host is an IPv4 or bracketed IPv6 literal.
function _M.is_ip(host)
  return find(host, "^%d+%.%d+%.%d+%.%d+$") ~= nil or find(host, "^%[") ~= nil
end

local function fail(name, sent, message)
  return nil, { name = name, sent = sent, message = message }
end

-- The error of a failed socket operation; `what` says which one, `sent` whether the request may have
-- reached the server.
local function socket_error(what, err, sent, url)
  if err == "timeout" then return fail("TIMEOUT", sent, what .. " " .. url .. " timed out") end
  return fail("NETWORK_ERROR", sent, what .. " " .. url .. ": " .. tostring(err))
end

-- The request's bytes, as the table of pieces sock:send takes.
local function request_pieces(req, authority, target, user_agent)
  local body = req.body
  local out = { req.method, " ", target, " HTTP/1.1\r\nHost: ", authority, "\r\nUser-Agent: ", user_agent,
                "\r\n" }
  local n = #out
  for name, value in pairs(req.headers or {}) do
    value = tostring(value)
    if find(name, "[^%w!#$%%&'*+.^_`|~-]") or find(value, "[\r\n%z]") then
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
  if body and body ~= "" then out[n + 2] = body end
  return out
end

-- Reads a response's header block (up to the blank line). Returns the text, or nil and the error fields.
local function read_head(sock, url)
  local reader = sock:receiveuntil("\r\n\r\n")
  local parts, size = {}, 0
  while true do
    local data, err = reader(MAX_HEAD)
    if not data then
      if err then return socket_error("reading the response of", err, true, url) end
      return concat(parts)
    end
    size = size + #data
    if size > MAX_HEAD then
      return fail("RESPONSE_TOO_LARGE", true, "the response headers of " .. url .. " exceed 64 KiB")
    end
    parts[#parts + 1] = data
  end
end

-- status, headers (lower-case names, repeats joined with ", ") of a header block; nil if malformed.
local function parse_head(head)
  local status = tonumber(match(head, "^HTTP/1%.[01] (%d%d%d)"))
  if not status or find(head, "%z") then return nil end
  local headers = {}
  for name, value in gmatch(head, "\r\n([^:\r\n]+):[ \t]*([^\r\n]*)") do
    name = lower(name)
    if find(value, "[ \t]$") then value = match(value, "^(.-)[ \t]*$") end
    local old = headers[name]
    headers[name] = old and (old .. ", " .. value) or value
  end
  return status, headers
end

-- Reads a chunked body. Returns the body, or nil and the error fields.
local function read_chunked(sock, url, limit)
  local parts, size = {}, 0
  while true do
    local line, err = sock:receive("*l")
    if not line then return socket_error("reading the response of", err, true, url) end
    local hex = match(line, "^%s*(%x+)")
    local n = hex and tonumber(hex, 16)
    if not n then return fail("NETWORK_ERROR", true, "a malformed chunk in the response of " .. url) end
    if n == 0 then
      repeat -- trailers, up to the blank line
        line, err = sock:receive("*l")
        if not line then return socket_error("reading the response of", err, true, url) end
      until line == ""
      return concat(parts)
    end
    size = size + n
    if size > limit then return nil, "too large" end
    local data
    data, err = sock:receive(n)
    if not data then return socket_error("reading the response of", err, true, url) end
    parts[#parts + 1] = data
    data, err = sock:receive(2)
    if not data then return socket_error("reading the response of", err, true, url) end
  end
end

-- Reads a body that ends when the server closes the connection.
local function read_to_close(sock, url, limit)
  local parts, size = {}, 0
  while true do
    local data, err, partial = sock:receive(65536)
    data = data or partial
    size = size + #data
    if size > limit then return nil, "too large" end
    parts[#parts + 1] = data
    if err == "closed" then return concat(parts) end
    if err then return socket_error("reading the response of", err, true, url) end
  end
end

-- new(opts, ngx) -> exchange(req, origin, address, path): the request over a pooled connection to
-- address:origin.port, origin = { scheme, authority, port, server_name, pool, url } (shared by every
-- request to it, never changed). Returns res, or nil and the error fields.
function _M.new(opts, ngx)
  local tcp, now = ngx.socket.tcp, ngx.now
  local verify = opts.verify_tls ~= false
  local user_agent, max_body = opts.user_agent, opts.max_body
  local sessions = {} -- the last TLS session per pool: new connections resume it

  -- A connected (and TLS-established) socket; fresh skips the idle pool (writes: never resent on a
  -- connection the server may be closing).
  local function connect(t, address, fresh, ms, url)
    local sock = tcp()
    sock:settimeout(ms.connect)
    local pool = t.pool
    local ok, err = sock:connect(address, t.port, { pool = fresh and (pool .. "#fresh") or pool,
                                                      pool_size = POOL_SIZE })
    if not ok then return socket_error("connecting to", err, false, url) end
    local reused = sock:getreusedtimes() > 0
    if t.scheme == "https" and not reused then
      -- lua-resty-core 0.1.25 reports a handshake that fails after a wait (a refused certificate) as a
      -- success when no session is asked for, and raises an assertion when one is: so a session is
      -- always asked for, and anything but a session is a failure. The session resumes the next one.
      local called, session, why = pcall(sock.sslhandshake, sock, sessions[pool], t.server_name, verify)
      if not (called and session) then
        sock:close()
        sessions[pool] = nil
        if not called or not why then
          return fail("TLS_ERROR", false, "TLS handshake with " .. url .. " failed: the certificate was "
                      .. "refused: its CA is not in nginx's lua_ssl_trusted_certificate, or it is not valid for "
                      .. tostring(t.server_name) .. " (nginx's error.log says which)")
        end
        err = why
        if err == "timeout" then return fail("TIMEOUT", false, "TLS handshake with " .. url .. " timed out") end
        local hint = ""
        if verify and not find(tostring(err), "mismatch", 1, true) then
          hint = " (inside nginx, certificates are checked against lua_ssl_trusted_certificate: set it to "
                 .. "your CA bundle, e.g. /etc/ssl/certs/ca-certificates.crt)"
        end
        return fail("TLS_ERROR", false, "TLS handshake with " .. url .. " failed: " .. tostring(err) .. hint)
      end
      if type(session) == "cdata" then sessions[pool] = session end
    end
    return sock, reused
  end

  -- One try over one connection. Returns res, or nil, error fields, and whether a reused connection
  -- failed before any byte of the answer came (the server closed it while idle).
  local function exchange_once(req, t, address, pieces, fresh, ms, deadline)
    local url = t.url
    local sock, reused = connect(t, address, fresh, ms, url)
    if not sock then return nil, reused end
    sock:settimeout(max(1, (deadline - now()) * 1000))
    local ok, err = sock:send(pieces)
    if not ok then
      sock:close()
      local r, e = socket_error("sending to", err, true, url)
      return r, e, reused and err == "closed"
    end
    local head
    head, err = read_head(sock, url)
    if not head then
      sock:close()
      return nil, err, reused and err.name == "NETWORK_ERROR"
    end
    local status, headers = parse_head(head)
    while status and status >= 100 and status < 200 do -- 1xx interim answers: the real one follows
      head, err = read_head(sock, url)
      if not head then sock:close() return nil, err end
      status, headers = parse_head(head)
    end
    if not status then
      sock:close()
      return fail("NETWORK_ERROR", true, "the response of " .. url .. " is not well-formed HTTP/1.x")
    end
    sock:settimeout(max(1, (deadline - now()) * 1000))
    local body, keep = "", true
    local te, length = headers["transfer-encoding"], headers["content-length"]
    if req.method == "HEAD" or status == 204 or status == 304 then
      body = ""
    elseif te and find(lower(te), "chunked", 1, true) then
      body, err = read_chunked(sock, url, max_body)
    elseif length then
      local n = tonumber(match(length, "^%d+$"))
      if not n then
        body, err = nil, { name = "NETWORK_ERROR", sent = true, message = "a malformed Content-Length from " .. url }
      elseif n > max_body then
        body, err = nil, "too large"
      elseif n > 0 then
        body, err = sock:receive(n)
        if not body then body, err = socket_error("reading the response of", err, true, url) end
      end
    else
      body, err = read_to_close(sock, url, max_body)
      keep = false
    end
    if not body then
      sock:close()
      if err == "too large" then
        return fail("RESPONSE_TOO_LARGE", true, "the response of " .. url .. " is larger than max_body ("
                    .. max_body .. " bytes)")
      end
      return nil, err
    end
    local conn = headers.connection
    if fresh or not keep or (conn and find(lower(conn), "close", 1, true)) or find(head, "^HTTP/1%.0") then
      sock:close()
    else
      sock:setkeepalive(0, POOL_SIZE)
    end
    return { status = status, headers = headers, body = body, reused = reused }
  end

  return function(req, t, address, path)
    local pieces, perr = request_pieces(req, t.authority, path, user_agent)
    if not pieces then return fail("INVALID_ARGUMENT", false, perr) end
    local timeout = req.timeout and req.timeout > 0 and req.timeout or NO_LIMIT_MS / 1000
    local deadline = now() + timeout
    local ms = { connect = max(1, math.min(req.connect_timeout or timeout, timeout) * 1000) }
    local fresh = not (req.method == "GET" or req.method == "HEAD")
    local res, err, stale = exchange_once(req, t, address, pieces, fresh, ms, deadline)
    if not res and stale then -- a kept connection the server had closed: once more on a new one
      res, err = exchange_once(req, t, address, pieces, true, ms, deadline)
    end
    return res, err
  end
end

return _M
