-- The HTTP/1.1 reading and URL checks of the "ngx" transport's socket engine (batch.ngx_socket), fed
-- answers cut into pieces every way a network may cut them. spec/51 runs the engine on nginx's real
-- sockets; here the socket is a stand-in that hands out given pieces, so every split can be tried.
local ngx_socket = require "batch.transport.ngx_socket"

-- A Reader over a stand-in socket that answers receiveany with the given pieces, then "closed" (or err).
local function reader(pieces, opts)
  opts = opts or {}
  local i, clock = 0, 0
  local sock = {
    settimeout = function() end,
    receiveany = function(_, max)
      clock = clock + (opts.step or 0)
      i = i + 1
      local p = pieces[i]
      if not p then return nil, opts.err or "closed" end
      if #p > max then pieces[i] = p:sub(max + 1) i = i - 1 p = p:sub(1, max) end
      return p
    end,
  }
  return setmetatable({ sock = sock, buf = "", pos = 1, deadline = opts.deadline or 1e9,
                        now = function() return clock end, url = "https://api.example" }, ngx_socket.Reader)
end

-- The text cut into pieces of random sizes from 1 to `most` bytes.
local function cut(text, most)
  local out, pos = {}, 1
  while pos <= #text do
    local n = math.random(1, most)
    out[#out + 1] = text:sub(pos, pos + n - 1)
    pos = pos + n
  end
  return out
end

local GET = { method = "GET" }

describe("ngx_socket reading answers", function()
  setup(function() math.randomseed(20261123) end)

  local ANSWERS = {
    { "a Content-Length body",
      "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n{\"a\":\"b\\r\"}",
      200, '{"a":"b\\r"}', true },
    { "a chunked body with an extension and trailers",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4;x=y\r\n{\"a\"\r\n3\r\n:1}\r\n0\r\n"
      .. "T: 1\r\nU: 2\r\n\r\n",
      200, '{"a":1}', true },
    { "a chunked body without trailers",
      "HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n", 201, "{}", true },
    { "a body up to the close", "HTTP/1.1 200 OK\r\n\r\n[1,2,3]", 200, "[1,2,3]", false },
    { "a 204 with a stray length", "HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n", 204, "", true },
    { "two 100 Continue first", "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 100 Continue\r\n\r\n"
      .. "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}", 200, "{}", true },
    { "Connection: close", "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\n{}", 200, "{}", false },
    { "HTTP/1.0", "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\n{}", 200, "{}", false },
    { "both Transfer-Encoding and Content-Length",
      "HTTP/1.1 200 OK\r\nContent-Length: 99\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n",
      200, "{}", false },
  }
  for _, case in ipairs(ANSWERS) do
    local label, text, status, body, keep = case[1], case[2], case[3], case[4], case[5]
    it(label .. ", however the network cuts it", function()
      for _, most in ipairs{ 1, 2, 3, 7, 64, 100000 } do
        for _ = 1, most == 100000 and 1 or 30 do
          local s, headers, b, k = ngx_socket.read_response(reader(cut(text, most)), GET, 1024)
          assert.equal(status, s, label .. ": " .. tostring(headers and headers.message))
          assert.equal(body, b)
          assert.equal(keep, k)
        end
      end
    end)
  end

  it("keeps no connection that sent bytes after the body (nginx's pool closes one that sends them later)", function()
    local answer = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}HTTP/1.1"
    local s, _, body, keep = ngx_socket.read_response(reader{ answer }, GET, 1024)
    assert.equal(200, s)
    assert.equal("{}", body)
    assert.is_false(keep)
  end)

  it("lower-cases header names, joins repeats and trims blanks", function()
    local _, headers = ngx_socket.read_response(reader{
      "HTTP/1.1 200 OK\r\nX-A: 1 \r\nx-a:2\r\nSet-Cookie: c\r\nContent-Length: 0\r\n\r\n" }, GET, 10)
    assert.same({ ["x-a"] = "1, 2", ["set-cookie"] = "c", ["content-length"] = "0" }, headers)
  end)

  local BAD = {
    { "a chunk size with junk after it", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2zz\r\n{}\r\n0\r\n\r\n",
      "network" },
    { "a chunk not ended by CRLF", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}XX0\r\n\r\n",
      "network" },
    { "a Content-Length in hex", "HTTP/1.1 200 OK\r\nContent-Length: 0x10\r\n\r\n{}", "network" },
    { "two different lengths", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}", "network" },
    { "a status line that is not HTTP/1.x", "HTTP/2 200\r\n\r\n", "network" },
    { "a NUL in a header", "HTTP/1.1 200 OK\r\nX: a\0b\r\nContent-Length: 0\r\n\r\n", "network" },
    { "six 1xx answers", string.rep("HTTP/1.1 100 Continue\r\n\r\n", 6) .. "HTTP/1.1 200 OK\r\n\r\n",
      "network" },
    { "a body cut short", "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n{}", "network" },
    { "a head that never ends", "HTTP/1.1 200 OK\r\nX: y", "network" },
    { "a length over the limit", "HTTP/1.1 200 OK\r\nContent-Length: 2000\r\n\r\n", "too_large" },
    { "chunks over the limit", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" .. string.rep("100\r\n"
      .. string.rep("x", 256) .. "\r\n", 5) .. "0\r\n\r\n", "too_large" },
    { "a body to the close over the limit", "HTTP/1.1 200 OK\r\n\r\n" .. string.rep("x", 2000), "too_large" },
    { "a head over 64 KiB", "HTTP/1.1 200 OK\r\n" .. string.rep("X-Long: " .. string.rep("y", 990) .. "\r\n", 70)
      .. "\r\n", "too_large" },
  }
  for _, case in ipairs(BAD) do
    local label, text, want = case[1], case[2], case[3]
    it(label .. " is a " .. want .. ", sent", function()
      for _, most in ipairs{ 1, 5, 100000 } do
        local s, err = ngx_socket.read_response(reader(cut(text, most)), GET, 1024)
        assert.is_nil(s, label)
        assert.equal(want, err.kind, err.message)
        assert.is_true(err.sent)
        assert.matches("https://api.example", err.message, 1, true)
      end
    end)
  end

  it("gives TIMEOUT once the deadline has passed, however the bytes keep coming", function()
    local drip = {}
    for i = 1, 100 do drip[i] = "x" end
    table.insert(drip, 1, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n")
    local s, err = ngx_socket.read_response(reader(drip, { step = 0.1, deadline = 2 }), GET, 1024)
    assert.is_nil(s)
    assert.equal("timeout", err.kind)
  end)

  it("tells a socket error from the close that ends a body", function()
    local r = reader({ "HTTP/1.1 200 OK\r\n\r\n[1" }, { err = "connection reset by peer" })
    local s, err = ngx_socket.read_response(r, GET, 1024)
    assert.is_nil(s)
    assert.equal("network", err.kind)
    assert.matches("connection reset by peer", err.message)
  end)
end)

describe("ngx_socket.parse_url", function()
  it("splits what it may send", function()
    assert.same({ "https", "api.batch.com", "api.batch.com", 443, "/1.1/K/campaigns/x?a=1" },
                { ngx_socket.parse_url("https://api.batch.com/1.1/K/campaigns/x?a=1#frag") })
    assert.same({ "http", "Localhost:8080", "localhost", 8080, "/" }, { ngx_socket.parse_url("http://Localhost:8080") })
    assert.same({ "http", "[::1]:80", "[::1]", 80, "/x" }, { ngx_socket.parse_url("http://[::1]:80/x") })
  end)

  for _, url in ipairs{ "http://h/a b", "http://h/a\r\nX: y", "http://h\r\nX: y/", "http://u:p@h/", "http://h:0/",
                        "http://h:99999/", "http://h:x/", "http://h/\0", "http:///x", "ftp://h/" } do
    it("refuses " .. url:gsub("[%c]", "?"), function()
      local scheme, why = ngx_socket.parse_url(url)
      assert.is_nil(scheme)
      assert.is_string(why)
    end)
  end
end)
