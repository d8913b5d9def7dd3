-- batch.core on its own: the C transfer (status, headers, body, keep-alive, timeouts, network and
-- TLS failures, body cap, sink files, the incremental start/step/finish API), and its pure helpers
-- (map_error, redact, auth_headers). Runs against the bundled emulator; a few header edge cases the
-- emulator cannot produce are played by a raw socket in this process.
local core = require "batch.core"
local mock = require "spec.support.mock"
local socket = require "socket"
local file_util = require "spec.support.files"
local exists, read_all = file_util.exists, file_util.read_all

-- pcall(fn, ...) must fail with a message containing `text` (plain); returns the message.
local function raises(text, fn, ...)
  local ok, msg = pcall(fn, ...)
  assert.is_false(ok, "expected an error containing: " .. text)
  msg = tostring(msg)
  assert(msg:find(text, 1, true), "error '" .. msg .. "' does not contain '" .. text .. "'")
  return msg
end

-- A TCP port on 127.0.0.1 where nothing listens.
local function closed_port()
  local s = assert(socket.bind("127.0.0.1", 0))
  local _, port = s:getsockname()
  s:close()
  return port
end

describe("batch.core", function()
  local m, keys, tmp
  local function url(path) return m.url .. "/1.1/" .. keys.api_key .. path end
  local function auth() return core.auth_headers("1", keys.rest_key) end

  setup(function()
    m = mock.start()
    keys = m.keys
    local p = assert(io.popen('mktemp -d "${TMPDIR:-/tmp}/batch-core-spec.XXXXXX"'))
    tmp = p:read("*l")
    p:close()
  end)
  teardown(function()
    m:stop()
    os.execute("rm -rf '" .. tmp .. "'")
  end)
  before_each(function() m:reset() end)

  describe("module", function()
    it("has the version of src/version.h and libcurl's version", function()
      local v = read_all("src/version.h"):match('#define BATCH_VERSION "([^"]+)"')
      assert.equal(v, core.version)
      assert.matches("^%d+%.%d+%.%d+", core.curl_version)
    end)

    it("ignores SIGPIPE once loaded (NOSIGNAL stops libcurl from doing it)", function()
      local status = io.open("/proc/self/status")
      local lua = arg and arg[-1]
      if not status or not lua then return end -- Linux only, and needs the interpreter's name
      status:close()
      -- a child inherits an ignored SIGPIPE (LuaSocket ignores it in this process): env restores it
      local probe = [[package.cpath = %q
        %s
        local s = io.open("/proc/self/status"):read("*a")
        print(tonumber(s:match("SigIgn:%%s*(%%x+)"), 16) %% 0x2000 >= 0x1000)]]
      local function run(code)
        local script = probe:format(package.cpath, code):gsub("'", "'\\''")
        local p = assert(io.popen("env --default-signal=PIPE " .. lua .. " -e '" .. script .. "' 2>&1"))
        local out = p:read("*a")
        p:close()
        return out:match("^%a+")
      end
      local before = run("")
      if before ~= "false" then return end -- no env --default-signal (coreutils < 8.31)
      assert.equal("true", run('require "batch.core"'))
    end)

    it("builds the User-Agent from its parts", function()
      local lua = jit and jit.version:gsub(" ", "/") or _VERSION:gsub(" ", "/")
      local want = "lua-batch/" .. core.version .. " libcurl/" .. core.curl_version .. " "
      assert.equal(want, core.user_agent:sub(1, #want))
      assert.equal(lua, core.user_agent:sub(#want + 1, #want + #lua)) -- "Lua/5.4" of "Lua/5.4.4"
      assert.matches("^lua%-batch/[%d.]+ libcurl/[%d.]+ Lua[JIT]*/%d[%w.-]*$", core.user_agent)
    end)
  end)

  describe("request", function()
    it("returns status, lower-cased headers, body, bytes and reused", function()
      local h = core.new{}
      local res = assert(h:request{ url = url("/campaigns/list"), headers = auth() })
      assert.equal(200, res.status)
      assert.equal("application/json", res.headers["content-type"])
      assert.is_nil(res.headers["Content-Type"])
      for name in pairs(res.headers) do assert.equal(name:lower(), name) end
      assert.equal("[", res.body:sub(1, 1))
      assert.equal(#res.body, res.bytes)
      assert.equal(tostring(#res.body), res.headers["content-length"])
      assert.is_false(res.reused)
      h:close()
    end)

    it("sends the method, body and headers given, plus the User-Agent, a JSON Content-Type and no Expect",
      function()
        local h = core.new{}
        local body = '{"name":"core spec","live":true,"messages":[{"language":"en","title":"Hi","body":"Hello"}]}'
        local headers = auth()
        headers["X-Custom"] = "yes"
        headers["X-Number"] = 42
        headers["X-Empty"] = ""
        local res = assert(h:request{ method = "POST", url = url("/campaigns/create"), headers = headers, body = body })
        assert.equal(201, res.status)
        assert.matches('"campaign_token"', res.body)
        local e = m:log()[1]
        assert.equal("POST", e.method)
        assert.equal("/1.1/" .. keys.api_key .. "/campaigns/create", e.path)
        assert.equal(body, e.body)
        assert.equal("application/json", e.headers["content-type"])
        assert.equal(tostring(#body), e.headers["content-length"])
        assert.equal(keys.rest_key, e.headers["x-authorization"])
        assert.equal(core.user_agent, e.headers["user-agent"])
        assert.equal("yes", e.headers["x-custom"])
        assert.equal("42", e.headers["x-number"])
        assert.equal("", e.headers["x-empty"])
        assert.is_nil(e.headers["expect"])
        h:close()
      end)

    it("keeps a Content-Type given, sends PUT/DELETE/HEAD, and resets the method between requests", function()
      local h = core.new{ user_agent = "spec-agent/1" }
      local u = url("/campaigns/list")
      assert(h:request{ method = "PUT", url = u, body = "x=1", headers = { ["content-type"] = "text/plain" } })
      assert(h:request{ method = "DELETE", url = u })
      local head = assert(h:request{ method = "HEAD", url = u, headers = auth() })
      assert(h:request{ url = u, headers = auth() })
      assert(h:request{ method = "POST", url = u })
      local log = m:log()
      assert.same({ "PUT", "DELETE", "HEAD", "GET", "POST" },
        { log[1].method, log[2].method, log[3].method, log[4].method, log[5].method })
      assert.equal("text/plain", log[1].headers["content-type"])
      assert.equal("x=1", log[1].body)
      assert.equal("", log[2].body)
      assert.equal("", log[4].body)
      assert.is_nil(log[4].headers["content-length"])
      assert.equal("0", log[5].headers["content-length"])
      assert.equal("spec-agent/1", log[1].headers["user-agent"])
      assert.is_number(head.status)
      assert.equal("", head.body) -- even when the answer announces a length
      h:close()
    end)

    it("runs 100 sequential requests on one keep-alive connection", function()
      local h = core.new{}
      local reused = 0
      for i = 1, 100 do
        local res = assert(h:request{ url = url("/campaigns/list?limit=1"), headers = auth() })
        assert.equal(200, res.status)
        if res.reused then reused = reused + 1 else assert.equal(1, i) end
      end
      h:close()
      assert.equal(99, reused)
      local log = m:log()
      assert.equal(100, #log)
      for i, e in ipairs(log) do
        assert.equal(log[1].connection, e.connection)
        assert.equal(i, e.connection_requests)
      end
    end)

    it("returns the error status and body of the server as a result", function()
      local h = core.new{}
      local res = assert(h:request{ url = url("/campaigns/list"), headers = { ["X-Authorization"] = "wrong" } })
      assert.equal(401, res.status)
      assert.same({ "AUTHENTICATION_INVALID", 10, "Authentication invalid: wrong REST API key" },
        { core.map_error(res.status, res.body) })
      h:close()
    end)

    it("times out with TIMEOUT (sent = true) using the handle's or the request's timeout", function()
      m:fault{ path = "/campaigns/list", delay = 1.5, count = 2 }
      local h = core.new{ timeout = 0.3 }
      local t0 = socket.gettime()
      local res, err = h:request{ url = url("/campaigns/list"), headers = auth() }
      assert.is_nil(res)
      assert.equal("TIMEOUT", err.name)
      assert.equal(28, err.curl_code)
      assert.is_true(err.sent)
      assert.is_string(err.message)
      assert.is_true(socket.gettime() - t0 < 1.2)
      h:close()
      h = core.new{}
      t0 = socket.gettime()
      res, err = h:request{ url = url("/campaigns/list"), headers = auth(), timeout = 0.2 }
      assert.is_nil(res)
      assert.equal("TIMEOUT", err.name)
      assert.is_true(socket.gettime() - t0 < 1.2)
      h:close()
    end)

    it("reports a refused connection as NETWORK_ERROR with sent = false", function()
      local h = core.new{}
      local res, err = h:request{ url = "http://127.0.0.1:" .. closed_port() .. "/x" }
      assert.is_nil(res)
      assert.equal("NETWORK_ERROR", err.name)
      assert.equal(7, err.curl_code) -- CURLE_COULDNT_CONNECT
      assert.is_false(err.sent)
      assert.matches("127.0.0.1", err.message) -- the error buffer, more precise than curl_easy_strerror
      h:close()
    end)

    it("reports a connection dropped without an answer as NETWORK_ERROR with sent = true", function()
      m:fault{ path = "/campaigns/list", action = "drop" }
      local h = core.new{}
      local res, err = h:request{ url = url("/campaigns/list"), headers = auth() }
      assert.is_nil(res)
      assert.equal("NETWORK_ERROR", err.name)
      assert.is_true(err.sent)
      -- the handle still works after the failure
      assert.equal(200, assert(h:request{ url = url("/campaigns/list"), headers = auth() }).status)
      h:close()
    end)

    it("refuses a server whose CA is unknown with TLS_ERROR (sent = false), trusts it with ca_file", function()
      local h = core.new{}
      local res, err = h:request{ url = m.tls_url .. "/1.1/" .. keys.api_key .. "/campaigns/list", headers = auth() }
      assert.is_nil(res)
      assert.equal("TLS_ERROR", err.name)
      assert.is_false(err.sent)
      h:close()
      assert.equal(0, #m:log())

      h = core.new{ ca_file = m.ca_file }
      res = assert(h:request{ url = m.tls_url .. "/1.1/" .. keys.api_key .. "/campaigns/list", headers = auth() })
      assert.equal(200, res.status)
      assert.equal("https", m:log()[1].scheme)
      h:close()

      h = core.new{ verify_tls = false }
      assert.equal(200, assert(h:request{ url = m.tls_url .. "/1.1/" .. keys.api_key .. "/campaigns/list",
                                          headers = auth() }).status)
      h:close()
    end)

    it("stops a body larger than max_body with RESPONSE_TOO_LARGE", function()
      local h = core.new{ max_body = 100 }
      local res, err = h:request{ url = url("/campaigns/list"), headers = auth() }
      assert.is_nil(res)
      assert.equal("RESPONSE_TOO_LARGE", err.name)
      assert.is_true(err.sent)
      assert.matches("100", err.message)
      -- a request's max_body overrides the handle's
      res = assert(h:request{ url = url("/campaigns/list"), headers = auth(), max_body = 1024 * 1024 })
      assert.equal(200, res.status)
      h:close()
      h = core.new{}
      res, err = h:request{ url = url("/campaigns/list"), headers = auth(), max_body = 10 }
      assert.is_nil(res)
      assert.equal("RESPONSE_TOO_LARGE", err.name)
      h:close()
    end)

    it("streams a 2xx body to the sink file: no body in the result, bytes counted", function()
      local h = core.new{}
      local mem = assert(h:request{ url = url("/campaigns/list"), headers = auth() }).body
      local path = tmp .. "/list.json"
      local res = assert(h:request{ url = url("/campaigns/list"), headers = auth(), sink = path, max_body = 10 })
      assert.equal(200, res.status)
      assert.is_nil(res.body)
      assert.equal(#mem, res.bytes)
      assert.equal(mem, read_all(path))
      os.remove(path)
      h:close()
    end)

    it("keeps a non-2xx body in memory and creates no sink file", function()
      local h = core.new{}
      local path = tmp .. "/denied.json"
      local res = assert(h:request{ url = url("/campaigns/list"), headers = { ["X-Authorization"] = "wrong" },
                                    sink = path })
      assert.equal(401, res.status)
      assert.matches('"code":10', res.body)
      assert.is_false(exists(path))
      -- a file already there is left alone
      local f = assert(io.open(path, "wb"))
      f:write("old")
      f:close()
      assert(h:request{ url = url("/campaigns/list"), headers = { ["X-Authorization"] = "wrong" }, sink = path })
      assert.equal("old", read_all(path))
      os.remove(path)
      h:close()
    end)

    it("reports an unwritable sink as IO_ERROR with the path, and leaves no file", function()
      local h = core.new{}
      local path = tmp .. "/no/such/dir/x.part"
      local res, err = h:request{ url = url("/campaigns/list"), headers = auth(), sink = path }
      assert.is_nil(res)
      assert.equal("IO_ERROR", err.name)
      assert.matches(path, err.message, 1, true)
      assert.matches("No such file or directory", err.message, 1, true)
      assert.is_false(exists(path))
      h:close()
    end)

    it("removes the sink file of a transfer cut short", function()
      m:fault{ path = "/campaigns/list", action = "truncate" }
      local h = core.new{}
      local path = tmp .. "/cut.json"
      local res, err = h:request{ url = url("/campaigns/list"), headers = auth(), sink = path }
      assert.is_nil(res)
      assert.equal("NETWORK_ERROR", err.name)
      assert.is_false(exists(path))
      h:close()
    end)
  end)

  describe("start/step/finish", function()
    it("reports progress while the body arrives, and finish returns the result", function()
      local full = assert(core.new{}:request{ url = url("/campaigns/list"), headers = auth() }).body
      m:fault{ path = "/campaigns/list", action = "stall", delay = 0.6 }
      local h = core.new{}
      assert.is_true(h:start{ url = url("/campaigns/list"), headers = auth() })
      local seen_partial, steps = false, 0
      while true do
        local t0 = socket.gettime()
        local done, now, total = h:step(0.1)
        steps = steps + 1
        assert.is_true(socket.gettime() - t0 < 0.5)
        if done then break end
        if now > 0 then
          seen_partial = true
          assert.is_true(now < #full)
          assert.equal(#full, total)
        end
      end
      assert.is_true(seen_partial)
      assert.is_true(steps > 2)
      assert.same({ true, #full, #full }, { h:step(0) }) -- step after the end keeps answering
      local res = assert(h:finish())
      assert.equal(200, res.status)
      assert.equal(full, res.body)
      raises("no transfer started", h.step, h)
      raises("no transfer started", h.finish, h)
      h:close()
    end)

    it("allows one transfer at a time, and finish drives an unfinished one to its end", function()
      local h = core.new{}
      assert.is_true(h:start{ url = url("/campaigns/list"), headers = auth() })
      raises("already running", h.start, h, { url = url("/campaigns/list") })
      raises("already running", h.request, h, { url = url("/campaigns/list") })
      local res = assert(h:finish())
      assert.equal(200, res.status)
      assert.is_true(h:start{ url = url("/campaigns/list"), headers = auth() })
      assert.equal(200, assert(h:finish()).status)
      h:close()
    end)

    it("keeps the request body alive while Lua runs between start and the end", function()
      local h = core.new{}
      local size = 2 * 1024 * 1024
      collectgarbage()
      collectgarbage()
      local before = collectgarbage("count")
      -- the only reference to the body is the request table, garbage once start returns
      local function start() return h:start{ method = "POST", url = url("/campaigns/create"), headers = auth(),
                                             body = ("x"):rep(size) .. "!" } end
      assert.is_true(start())
      collectgarbage()
      collectgarbage()
      assert.is_true(collectgarbage("count") - before > size / 1024) -- still held by the handle
      local res = assert(h:finish())
      assert.equal(400, res.status) -- not JSON: the emulator's MALFORMED_JSON_BODY
      assert.equal(("x"):rep(size) .. "!", m:log()[1].body)
      collectgarbage()
      collectgarbage()
      assert.is_true(collectgarbage("count") - before < size / 1024) -- and let go after the transfer
      h:close()
    end)

    it("returns start errors as nil, err and step/finish errors from finish", function()
      local h = core.new{}
      assert.is_true(h:start{ url = "http://127.0.0.1:" .. closed_port() .. "/" })
      local done
      repeat done = h:step(0.1) until done
      local res, err = h:finish()
      assert.is_nil(res)
      assert.equal("NETWORK_ERROR", err.name)
      assert.is_false(err.sent)
      h:close()
    end)

    it("a transfer slower than low_speed_limit for low_speed_time is a TIMEOUT, without a total timeout", function()
      m:fault{ path = "/campaigns/list", delay = 3 }  -- the server says nothing for 3 s
      local h = core.new{}
      local t0 = socket.gettime()
      local res, err = h:request{ url = url("/campaigns/list"), headers = auth(), timeout = 0,
                                  low_speed_time = 1, low_speed_limit = 1 }
      local took = socket.gettime() - t0
      h:close()
      assert.is_nil(res)
      assert.equal("TIMEOUT", err.name)
      assert.is_true(took >= 0.9 and took < 2.9, "took " .. took)
    end)

    it("abort cancels the transfer, removes the partial sink file, and the handle goes on", function()
      m:fault{ path = "/campaigns/list", action = "stall", delay = 1 }
      local h = core.new{}
      local path = tmp .. "/aborted.json"
      assert.is_true(h:start{ url = url("/campaigns/list"), headers = auth(), sink = path })
      local now = 0
      local deadline = socket.gettime() + 5
      while now == 0 and socket.gettime() < deadline do
        local done
        done, now = h:step(0.05)
        assert.is_false(done)
      end
      assert.is_true(now > 0)
      assert.is_true(exists(path))
      assert.is_true(h:abort())
      assert.is_false(exists(path))
      assert.is_true(h:abort()) -- nothing to cancel: a no-op
      local res = assert(h:request{ url = url("/campaigns/list"), headers = auth() })
      assert.equal(200, res.status)
      assert.is_false(res.reused) -- the aborted connection was not kept
      h:close()
    end)

    it("the garbage collector cancels a started transfer and removes its partial sink file", function()
      m:fault{ path = "/campaigns/list", action = "stall", delay = 1 }
      local path = tmp .. "/collected.json"
      do
        local h = core.new{}
        assert.is_true(h:start{ url = url("/campaigns/list"), headers = auth(), sink = path })
        local now, deadline = 0, socket.gettime() + 5
        while now == 0 and socket.gettime() < deadline do
          local _
          _, now = h:step(0.05)
        end
        assert.is_true(exists(path))
      end
      collectgarbage()
      collectgarbage()
      assert.is_false(exists(path))
    end)
  end)

  -- Responses the emulator cannot produce, played by a raw socket: h:start/h:step drive libcurl while
  -- this Lua code accepts the connection and answers, in one thread.
  describe("response parsing", function()
    local function exchange(response, req)
      local server = assert(socket.bind("127.0.0.1", 0))
      local _, port = server:getsockname()
      server:settimeout(0)
      local h = core.new{}
      req = req or {}
      req.url = "http://127.0.0.1:" .. port .. "/raw"
      assert.is_true(h:start(req))
      local conn, deadline = nil, socket.gettime() + 5
      while not conn and socket.gettime() < deadline do
        h:step(0.01)
        conn = server:accept()
      end
      assert(conn, "no connection")
      conn:settimeout(0)
      local head = ""
      while not head:find("\r\n\r\n", 1, true) and socket.gettime() < deadline do
        h:step(0.01)
        local data, err, partial = conn:receive(4096)
        head = head .. (data or partial or "")
        assert(err ~= "closed", "client closed the connection")
      end
      conn:settimeout(5)
      assert(conn:send(response))
      conn:close()
      server:close()
      local done, _, total
      repeat done, _, total = h:step(0.1) until done or socket.gettime() > deadline
      local res, err = h:finish()
      h:close()
      return res, err, head, total
    end

    it("keeps only the final response's headers, joins repeated names with ', ' and unfolds values", function()
      local res, err, head = exchange(table.concat({
        "HTTP/1.1 100 Continue", "X-Interim: yes", "",
        "HTTP/1.1 200 OK", "Content-Type: text/plain", "X-Dup: one", "x-DUP: two", "X-Folded: first",
        "  second", "X-Spaces:   padded value  ", "Content-Length: 5", "", "hello",
      }, "\r\n"))
      assert.is_nil(err)
      assert.equal(200, res.status)
      assert.equal("hello", res.body)
      assert.is_nil(res.headers["x-interim"])
      assert.equal("one, two", res.headers["x-dup"])
      assert.equal("first second", res.headers["x-folded"])
      assert.equal("padded value", res.headers["x-spaces"])
      assert.equal("text/plain", res.headers["content-type"])
      assert.matches("^GET /raw HTTP/1.1\r\n", head)
    end)

    it("reports total = nil when the length is unknown", function()
      local res, _, _, total = exchange("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nabc")
      assert.equal("abc", res.body)
      assert.is_nil(total)
    end)

    it("does not follow redirects: a 302 is a result with its Location", function()
      local res = assert(exchange("HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1:1/file.csv\r\n"
        .. "Content-Length: 0\r\n\r\n"))
      assert.equal(302, res.status)
      assert.equal("http://127.0.0.1:1/file.csv", res.headers.location)
    end)

    it("a timeout before the request went out (TLS handshake never answered) has sent = false", function()
      local server = assert(socket.bind("127.0.0.1", 0))
      local _, port = server:getsockname()
      server:settimeout(0)
      local h = core.new{ timeout = 0.3 }
      assert.is_true(h:start{ url = "https://127.0.0.1:" .. port .. "/" })
      local conn, done
      repeat
        done = h:step(0.02)
        conn = conn or server:accept()
      until done
      local res, err = h:finish()
      assert.is_nil(res)
      assert.equal("TIMEOUT", err.name)
      assert.is_false(err.sent)
      assert.is_not_nil(conn) -- the TCP connection was made: only the request never left
      conn:close()
      server:close()
      h:close()
    end)

    it("creates an empty sink file for a 2xx without a body", function()
      local path = tmp .. "/empty.out"
      local res = assert(exchange("HTTP/1.1 204 No Content\r\n\r\n", { sink = path }))
      assert.equal(204, res.status)
      assert.is_nil(res.body)
      assert.equal(0, res.bytes)
      assert.equal("", read_all(path))
      os.remove(path)
    end)
  end)

  describe("new and request arguments", function()
    it("raise on a wrong type, naming the option; unknown options are ignored", function()
      raises("'timeout'", core.new, { timeout = "10" })
      raises("'connect_timeout'", core.new, { connect_timeout = -1 })
      raises("'verify_tls'", core.new, { verify_tls = "yes" })
      raises("'ca_file'", core.new, { ca_file = 1 })
      raises("'proxy'", core.new, { proxy = true })
      raises("'user_agent'", core.new, { user_agent = {} })
      raises("'max_body'", core.new, { max_body = "big" })
      raises("table expected", core.new, "x")
      assert.is_userdata(core.new{ no_such_option = 1 })
      assert.is_userdata(core.new())
    end)

    it("raise on a malformed request, never quoting a header value", function()
      local h = core.new{}
      raises("'url' is required", h.request, h, {})
      raises("'url'", h.request, h, { url = 1 })
      raises("method", h.request, h, { url = m.url, method = "GET /x" })
      raises("'body'", h.request, h, { url = m.url, body = {} })
      raises("'timeout'", h.request, h, { url = m.url, timeout = "x" })
      raises("'sink'", h.request, h, { url = m.url, sink = "" })
      raises("'headers'", h.request, h, { url = m.url, headers = "x" })
      raises("HEAD", h.request, h, { url = m.url, method = "HEAD", body = "x" })
      local msg = raises("X-Key", h.request, h, { url = m.url, headers = { ["X-Key"] = "secret\r\nX-Evil: 1" } })
      assert.is_nil(msg:find("secret", 1, true))
      raises("not a valid token", h.request, h, { url = m.url, headers = { ["Bad Name"] = "v" } })
      raises("must be a string", h.request, h, { url = m.url, headers = { ["X-A"] = true } })
      -- the handle is still usable after those raises
      assert.equal(200, assert(h:request{ url = url("/campaigns/list"), headers = auth() }).status)
      h:close()
    end)
  end)

  describe("close", function()
    it("is idempotent, and a method call on a closed handle raises", function()
      local h = core.new{}
      h:close()
      h:close()
      assert.matches("closed", tostring(h))
      for _, name in ipairs{ "request", "start", "step", "finish", "abort" } do
        raises("batch.core: handle is closed", h[name], h, { url = m.url })
      end
    end)

    it("runs when a <close> variable goes out of scope (Lua 5.4)", function()
      if not _VERSION:find("5.4", 1, true) then return end
      local h = core.new{}
      local chunk = assert(load("local h = ... do local x <close> = h end"))
      chunk(h)
      raises("batch.core: handle is closed", h.request, h, { url = m.url })
    end)
  end)

  describe("map_error", function()
    it("returns nil for a 2xx status", function()
      assert.same({ nil }, { core.map_error(200, '{"code":10}') })
      assert.is_nil(core.map_error(204))
    end)

    it("reads the 1.x shape {code, message}", function()
      assert.same({ "AUTHENTICATION_INVALID", 10, "Wrong key" },
        { core.map_error(401, '{"code":10,"message":"Wrong key"}') })
      assert.same({ "MALFORMED_PARAMETER", 31, "Bad 'name'" },
        { core.map_error(400, ' {"message":"Bad \'name\'", "code": 31} ') })
      assert.same({ "SERVER_ERROR", 1, "boom" }, { core.map_error(500, '{"code":1,"message":"boom"}') })
      assert.same({ "SERVER_ERROR", 0, "boom" }, { core.map_error(500, '{"code":0,"message":"boom"}') })
      assert.same({ "MAINTENANCE_ERROR", 2, "later" }, { core.map_error(503, '{"code":2,"message":"later"}') })
      assert.same({ "TOO_MANY_REQUESTS", 60, "slow" }, { core.map_error(429, '{"code":60,"message":"slow"}') })
      assert.same({ "API_MISUSE", 12 }, { core.map_error(403, '{"code":12}') })
      assert.same({ "ROUTE_NOT_FOUND", 20 }, { core.map_error(404, '{"code":20}') })
      assert.same({ "MISSING_PARAMETER", 30 }, { core.map_error(400, '{"code":30}') })
      assert.same({ "MALFORMED_JSON_BODY", 32 }, { core.map_error(400, '{"code":32}') })
    end)

    it("reads the 2.x shape {error_code, error_message}", function()
      assert.same({ "AUTHENTICATION_INVALID", 10, "Invalid key" },
        { core.map_error(401, '{"error_code":"AUTHENTICATION_INVALID","error_message":"Invalid key"}') })
      assert.same({ "MISSING_PARAMETER", 30, "x" },
        { core.map_error(400, '{"error_message":"x","error_code":"MISSING_PARAMETER"}') })
      assert.same({ "TOO_MANY_REQUESTS", 60 }, { core.map_error(429, '{"error_code":"60"}') })
      -- message wins over error_message when both are there
      assert.same({ "API_MISUSE", 12, "a" }, { core.map_error(403, '{"error_message":"b","message":"a","code":12}') })
    end)

    it("takes the name from the body's code even when the status says otherwise", function()
      assert.same({ "TOO_MANY_REQUESTS", 60, "m" }, { core.map_error(400, '{"code":60,"message":"m"}') })
    end)

    it("falls back to the status for unknown codes, keeping the body's number", function()
      assert.same({ "SERVER_ERROR", 99, "odd" }, { core.map_error(500, '{"code":99,"message":"odd"}') })
      assert.same({ "HTTP_ERROR", 99 }, { core.map_error(418, '{"code":99}') })
      assert.same({ "AUTHENTICATION_INVALID", 10 }, { core.map_error(401, '{"error_code":"SOMETHING_NEW"}') })
      assert.same({ "HTTP_ERROR", nil, "nope" }, { core.map_error(400, '{"error_code":"INVALID","message":"nope"}') })
    end)

    it("maps statuses without a usable body", function()
      local cases = { [401] = { "AUTHENTICATION_INVALID", 10 }, [403] = { "API_MISUSE", 12 },
                      [404] = { "ROUTE_NOT_FOUND", 20 }, [429] = { "TOO_MANY_REQUESTS", 60 },
                      [500] = { "SERVER_ERROR", 0 }, [503] = { "MAINTENANCE_ERROR", 2 } }
      for status, want in pairs(cases) do
        assert.same(want, { core.map_error(status) })
        assert.same(want, { core.map_error(status, "") })
      end
      for _, status in ipairs{ 400, 302, 307, 409, 502, 504, 0 } do
        assert.same({ "HTTP_ERROR" }, { core.map_error(status, "<html>bad gateway</html>") })
      end
    end)

    it("decodes escapes in messages", function()
      local _, _, msg = core.map_error(400, [[{"code":31,"message":"a\"b\\c\/d\n\u00e9\ud83d\ude00\u0041"}]])
      assert.equal('a"b\\c/d\n\195\169\240\159\152\128A', msg)
      _, _, msg = core.map_error(400, [[{"code":31,"message":"lone \ud800 surrogate"}]])
      assert.equal("lone \239\191\189 surrogate", msg)
    end)

    it("skips nested values and ignores nested codes", function()
      local body = '{"detail":{"code":10,"message":"inner","list":[1,"]}",{"x":[]}]},"code":20,"ok":true,'
        .. '"n":null,"f":-1.5e3}'
      assert.same({ "ROUTE_NOT_FOUND", 20 }, { core.map_error(404, body) })
      assert.same({ "HTTP_ERROR" }, { core.map_error(400, '{"detail":{"code":10}}') })
    end)

    it("treats garbage as no body, without crashing", function()
      local garbage = {
        "", "   ", "null", "[]", '[{"code":10}]', '"code"', "{", "}", '{"code":10', '{"code":10,}',
        '{"code":10}x', '{"code" 10}', '{code:10}', '{"code":10,"message":"unterminated}',
        '{"code":"\\x"}', '{"code":010}', '{"code":1e}', '{"message":"\1"}', "\0\0\0", ("{"):rep(10000),
        ("["):rep(10000), '{"a":' .. ("["):rep(5000) .. ("]"):rep(5000) .. ',"code":10}',
        '{"code":10.5}', '{"code":99999999999999999999}', '{"code":true}', '{"code":null}',
        "\239\187{\"code\":12}",
      }
      for _, body in ipairs(garbage) do
        local name = core.map_error(401, body)
        assert.equal("AUTHENTICATION_INVALID", name)
      end
      -- a BOM and deep nesting are fine when the object is well formed
      assert.same({ "API_MISUSE", 12 }, { core.map_error(418, "\239\187\191{\"code\":12}") })
      assert.same({ "ROUTE_NOT_FOUND", 20 },
        { core.map_error(418, '{"a":' .. ("["):rep(5000) .. ("]"):rep(5000) .. ',"code":20}') })
      -- non-integer or absurd codes are not codes
      assert.same({ "HTTP_ERROR" }, { core.map_error(418, '{"code":10.5}') })
      assert.same({ "HTTP_ERROR" }, { core.map_error(418, '{"code":99999999999999999999}') })
      -- a repeated member keeps its last value, as JSON decoders do
      assert.same({ "API_MISUSE", 12 }, { core.map_error(418, '{"code":10,"code":12}') })
    end)

    it("checks its arguments", function()
      raises("bad argument #1", core.map_error, "x")
      raises("bad argument #2", core.map_error, 400, {})
    end)
  end)

  describe("redact", function()
    it("replaces every occurrence of each non-empty secret", function()
      assert.equal("GET /1.1/***/campaigns/*** ***", core.redact("GET /1.1/KEY/campaigns/KEY tok", "KEY", "tok"))
      assert.equal("a *** b", core.redact("a secret b", nil, "", "secret", nil))
      assert.equal("nothing here", core.redact("nothing here", "KEY"))
      assert.equal("nothing here", core.redact("nothing here"))
      assert.equal("", core.redact("", "KEY"))
      assert.equal("******", core.redact("KEYKEY", "KEY"))
      assert.equal("*** ***", core.redact("abcdef abc", "abc", "abcdef")) -- the longest match wins
      assert.equal("x***y", core.redact("x\0k\0y", "\0k\0"))
      assert.equal("n=***", core.redact("n=12345", 12345))
    end)

    it("raises on a non-string argument", function()
      raises("bad argument #1", core.redact, nil, "x")
      raises("bad argument #3", core.redact, "s", "x", {})
    end)
  end)

  describe("now and sleep", function()
    it("sleep blocks for the time asked on a monotonic clock", function()
      local t0, w0 = core.now(), socket.gettime()
      core.sleep(0.12)
      local elapsed = core.now() - t0
      assert.is_true(elapsed >= 0.12 and elapsed < 0.5, elapsed)
      assert.is_true(math.abs(elapsed - (socket.gettime() - w0)) < 0.05)
      t0 = core.now()
      core.sleep(0)
      core.sleep(-1)
      core.sleep(0 / 0)
      assert.is_true(core.now() - t0 < 0.05)
      raises("bad argument #1", core.sleep, "x")
    end)
  end)

  describe("csv_new", function()
    -- Feeds data in chunks of `size` bytes; returns every record, or nil, err.
    local function split(data, size, sep)
      local p, out = core.csv_new(sep or ";"), {}
      for i = 1, #data, size do
        local records, err = p:feed(data:sub(i, i + size - 1))
        if not records then return nil, err end
        for _, r in ipairs(records) do out[#out + 1] = r end
      end
      local records, err = p:finish()
      if not records then return nil, err end
      for _, r in ipairs(records) do out[#out + 1] = r end
      return out
    end

    it("splits Batch's export format whatever the chunk size: BOM, CRLF, quotes, ; and line breaks", function()
      local data = "\239\187\191custom_id;install_id;event_type\r\n"
        .. '"semi;colon;value";id-1;push_sent\r\n'
        .. '"say ""hello""";id-2;push_open\r\n'
        .. '"line one\nline two\r\nline three";id-3;push_sent\r\n'
        .. "\r\n"
        .. "user-4;;\n"
        .. '"";id-5;"push_open"\n'
        .. "last;row"
      local want = {
        { "custom_id", "install_id", "event_type" },
        { "semi;colon;value", "id-1", "push_sent" },
        { 'say "hello"', "id-2", "push_open" },
        { "line one\nline two\r\nline three", "id-3", "push_sent" },
        { "user-4", "", "" },
        { "", "id-5", "push_open" },
        { "last", "row" },
      }
      for _, size in ipairs{ 1, 2, 3, 7, 64, #data } do
        assert.same(want, assert(split(data, size)))
      end
    end)

    it("returns nothing for blank input, keeps a partial byte order mark as data, takes ',' by default", function()
      assert.same({}, assert(split("", 10)))
      assert.same({}, assert(split("\n\r\n", 10)))
      assert.same({ { "\239\187" } }, assert(split("\239\187", 1)))
      assert.same({ { "\239x" } }, assert(split("\239x\n", 1)))
      local p = core.csv_new()
      assert.same({ { "a", "b;c" } }, assert(p:feed("a,b;c\n")))
    end)

    it("reports malformed input with its line, stays failed, and checks its use", function()
      local records, err = split('a;b\n"x"y;z\n', 4)
      assert.is_nil(records)
      assert.equal("line 2: unexpected character after a closing quote", err)
      records, err = split('a;b\n"open', 4)
      assert.is_nil(records)
      assert.equal("line 2: unterminated quoted field", err)
      local p = core.csv_new(";")
      assert.is_nil(p:feed('"a"b'))
      assert.is_nil(p:feed("c\n"))
      assert.is_nil(p:finish())
      raises("finished", p.feed, p, "x")
      raises("finished", p.finish, p)
      raises("separator", core.csv_new, ";;")
      raises("separator", core.csv_new, '"')
      raises("bad argument #1", p.feed, core.new{}, "x")
    end)
  end)

  describe("auth_headers", function()
    it("builds the 1.x and 2.x credential headers", function()
      assert.same({ ["X-Authorization"] = "rest" }, core.auth_headers("1", "rest"))
      assert.same({ ["X-Authorization"] = "rest" }, core.auth_headers("1.1", "rest", "ignored"))
      assert.same({ Authorization = "Bearer rest", ["X-Batch-Project"] = "project_1" },
        core.auth_headers("2", "rest", "project_1"))
      assert.same({ Authorization = "Bearer rest", ["X-Batch-Project"] = "project_1" },
        core.auth_headers("2.4", "rest", "project_1"))
    end)

    it("raises on a missing or unsafe key, without quoting the key", function()
      raises("rest_key is required", core.auth_headers, "1")
      raises("rest_key is required", core.auth_headers, "1", "")
      raises("rest_key must be a string", core.auth_headers, "1", 12)
      raises("project_key is required", core.auth_headers, "2", "rest")
      for _, bad in ipairs{ "sec\rret", "sec\nret", "sec\0ret" } do
        assert.is_nil(raises("rest_key contains", core.auth_headers, "1", bad):find("sec", 1, true))
        assert.is_nil(raises("project_key contains", core.auth_headers, "2", "rest", bad):find("sec", 1, true))
      end
      raises("API family", core.auth_headers, "3", "rest")
      raises("API family", core.auth_headers, "12", "rest")
    end)

    it("are accepted by the emulator", function()
      local h = core.new{}
      assert.equal(200, assert(h:request{ url = url("/campaigns/list"), headers = auth() }).status)
      h:close()
    end)
  end)

  describe("resolve", function()
    it("gives a name's addresses (IPv4 first, IPv6 in brackets, each once), and an address as itself", function()
      local a = assert(core.resolve("localhost"))
      assert.equal("127.0.0.1", a[1])
      local seen = {}
      for _, addr in ipairs(a) do
        assert.is_nil(seen[addr], "listed twice: " .. addr)
        seen[addr] = true
        assert.is_truthy(addr:find("^%d+%.%d+%.%d+%.%d+$") or addr:find("^%[[%x:]+%]$"), addr)
      end
      assert.same({ "10.1.2.3" }, core.resolve("10.1.2.3"))
      assert.same({ "[::1]" }, core.resolve("::1"))
    end)

    it("answers nil and a message naming the host it could not resolve", function()
      local a, err = core.resolve("no-such-host.invalid")
      assert.is_nil(a)
      assert.matches("could not resolve host no%-such%-host%.invalid", err)
    end)

    it("raises on what is not a host name", function()
      raises("not a host name", core.resolve, "")
      raises("not a host name", core.resolve, "a\0b")
      raises("not a host name", core.resolve, string.rep("a", 300))
    end)
  end)
end)
