-- batch.core on its own: the C transfer (status, headers, body, keep-alive, timeouts, failure kinds, the
-- body cap, sink files created exclusively), runs of many requests driven step by step, hostile answers
-- (huge or endless header blocks, a head cut short), signals that end a wait (in child processes), and the
-- pure helpers (redact, clocks, random names, commit, CSV, resolve). Runs against the bundled emulator;
-- answers the emulator cannot give are played by a raw socket in this process.
local core = require "batch.core"
local mock = require "spec.support.mock"
local socket = require "socket"
local file_util = require "spec.support.files"
local interp = require "spec.support.interp"
local exists, read_all, read_cmd, q = file_util.exists, file_util.read_all, file_util.read_cmd, file_util.quote

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

-- The permission bits of a file ("600", "644"...).
local function mode_of(path)
  return read_cmd("stat -c %a " .. q(path))
end

-- How many times `text` occurs in s (plain).
local function count(s, text)
  local n, at = 0, 1
  while true do
    local i = s:find(text, at, true)
    if not i then return n end
    n, at = n + 1, i + #text
  end
end

describe("batch.core", function()
  local m, keys, tmp
  local function url(path) return m.url .. "/1.1/" .. keys.api_key .. path end
  local function auth() return { ["X-Authorization"] = keys.rest_key } end

  setup(function()
    m = mock.start()
    keys = m.keys
    tmp = file_util.tmpdir()
  end)
  teardown(function()
    m:stop()
    file_util.remove_tree(tmp)
  end)
  before_each(function() m:reset() end)

  describe("module", function()
    it("has the version of src/version.h and libcurl's version", function()
      local v = read_all("src/version.h"):match('#define BATCH_VERSION "([^"]+)"')
      assert.equal(v, core.version)
      assert.matches("^%d+%.%d+%.%d+", core.curl_version)
    end)

    it("holds the functions of its contract and nothing else", function()
      local names = {}
      for k in pairs(core) do names[#names + 1] = k end
      table.sort(names)
      assert.same({ "commit", "csv_new", "csv_steps", "curl_version", "http_head", "is_token", "json_decode", "new",
                    "now", "random_hex", "redact", "resolve", "signal", "sleep", "time", "trap", "user_agent",
                    "version" }, names)
      local h = core.new{}
      local methods = {}
      for k in pairs(getmetatable(h).__index) do methods[#methods + 1] = k end
      table.sort(methods)
      assert.same({ "abort_many", "close", "finish_many", "request", "request_many", "start_many", "step_many",
                    "stream_many" },
        methods)
      h:close()
    end)

    it("ignores SIGPIPE once loaded (NOSIGNAL stops libcurl from doing it)", function()
      local status = io.open("/proc/self/status")
      if not status then return end -- Linux only
      status:close()
      -- a child inherits an ignored SIGPIPE (LuaSocket ignores it in this process): env restores it
      local probe = [[package.cpath = %q
        %s
        local s = io.open("/proc/self/status"):read("*a")
        print(tonumber(s:match("SigIgn:%%s*(%%x+)"), 16) %% 0x2000 >= 0x1000)]]
      local function run(code)
        local script = probe:format(package.cpath, code)
        return read_cmd("env --default-signal=PIPE " .. interp .. " -e " .. q(script) .. " 2>&1"):match("^%a+")
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

    it("sends the method, body and headers given, plus the User-Agent; no Expect, no Content-Type of its own",
      function()
        local h = core.new{}
        local body = '{"name":"core spec","live":true,"messages":[{"language":"en","title":"Hi","body":"Hello"}]}'
        local headers = auth()
        headers["X-Custom"] = "yes"
        headers["X-Number"] = 42
        headers["X-Empty"] = ""
        headers["Content-Type"] = "application/json"
        local res = assert(h:request{ method = "POST", url = url("/campaigns/create"), headers = headers, body = body })
        assert.equal(201, res.status)
        assert.matches('"campaign_token"', res.body)
        assert(h:request{ method = "POST", url = url("/campaigns/create"), headers = auth(), body = "{}" })
        local e, untyped = m:log()[1], m:log()[2]
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
        assert.is_nil(untyped.headers["content-type"]) -- not libcurl's form type either
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
      assert.equal(10, core.json_decode(res.body).code)
      h:close()
    end)
  end)

  describe("failures", function()
    it("are { kind, message, sent, curl_code } and nothing else", function()
      local h = core.new{}
      local res, err = h:request{ url = "http://127.0.0.1:" .. closed_port() .. "/x" }
      assert.is_nil(res)
      local fields = {}
      for k in pairs(err) do fields[#fields + 1] = k end
      table.sort(fields)
      assert.same({ "curl_code", "kind", "message", "sent" }, fields)
      h:close()
    end)

    it("a timeout is kind timeout (sent = true), by the handle's or the request's timeout", function()
      m:fault{ path = "/campaigns/list", delay = 1.5, count = 2 }
      local h = core.new{ timeout = 0.3 }
      local t0 = socket.gettime()
      local res, err = h:request{ url = url("/campaigns/list"), headers = auth() }
      assert.is_nil(res)
      assert.equal("timeout", err.kind)
      assert.equal(28, err.curl_code)
      assert.is_true(err.sent)
      assert.is_string(err.message)
      assert.is_true(socket.gettime() - t0 < 1.2)
      h:close()
      h = core.new{}
      t0 = socket.gettime()
      res, err = h:request{ url = url("/campaigns/list"), headers = auth(), timeout = 0.2 }
      assert.is_nil(res)
      assert.equal("timeout", err.kind)
      assert.is_true(socket.gettime() - t0 < 1.2)
      h:close()
    end)

    it("a transfer slower than low_speed_limit for low_speed_time is a timeout, without a total timeout", function()
      m:fault{ path = "/campaigns/list", delay = 3 }  -- the server says nothing for 3 s
      local h = core.new{}
      local t0 = socket.gettime()
      local res, err = h:request{ url = url("/campaigns/list"), headers = auth(), timeout = 0,
                                  low_speed_time = 1, low_speed_limit = 1 }
      local took = socket.gettime() - t0
      h:close()
      assert.is_nil(res)
      assert.equal("timeout", err.kind)
      assert.is_true(took >= 0.9 and took < 2.9, "took " .. took)
    end)

    it("a refused connection is kind network with sent = false", function()
      local h = core.new{}
      local res, err = h:request{ url = "http://127.0.0.1:" .. closed_port() .. "/x" }
      assert.is_nil(res)
      assert.equal("network", err.kind)
      assert.equal(7, err.curl_code) -- CURLE_COULDNT_CONNECT
      assert.is_false(err.sent)
      assert.matches("127.0.0.1", err.message) -- the error buffer, more precise than curl_easy_strerror
      h:close()
    end)

    it("a connection dropped without an answer is kind network with sent = true; the handle goes on", function()
      m:fault{ path = "/campaigns/list", action = "drop" }
      local h = core.new{}
      local res, err = h:request{ url = url("/campaigns/list"), headers = auth() }
      assert.is_nil(res)
      assert.equal("network", err.kind)
      assert.is_true(err.sent)
      assert.equal(200, assert(h:request{ url = url("/campaigns/list"), headers = auth() }).status)
      h:close()
    end)

    it("a server whose CA is unknown is kind tls (sent = false); ca_file or verify_tls = false trust it", function()
      local h = core.new{}
      local res, err = h:request{ url = m.tls_url .. "/1.1/" .. keys.api_key .. "/campaigns/list", headers = auth() }
      assert.is_nil(res)
      assert.equal("tls", err.kind)
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

    it("a body larger than max_body is kind too_large; the request's max_body wins over the handle's", function()
      local h = core.new{ max_body = 100 }
      local res, err = h:request{ url = url("/campaigns/list"), headers = auth() }
      assert.is_nil(res)
      assert.equal("too_large", err.kind)
      assert.is_true(err.sent)
      assert.matches("100", err.message)
      res = assert(h:request{ url = url("/campaigns/list"), headers = auth(), max_body = 1024 * 1024 })
      assert.equal(200, res.status)
      h:close()
      h = core.new{}
      res, err = h:request{ url = url("/campaigns/list"), headers = auth(), max_body = 10 }
      assert.is_nil(res)
      assert.equal("too_large", err.kind)
      h:close()
    end)
  end)

  describe("sink files", function()
    it("get a 2xx body streamed in: no body in the result, bytes counted, mode 0600", function()
      local h = core.new{}
      local mem = assert(h:request{ url = url("/campaigns/list"), headers = auth() }).body
      local path = tmp .. "/list.json"
      local res = assert(h:request{ url = url("/campaigns/list"), headers = auth(), sink = path, max_body = 10 })
      assert.equal(200, res.status)
      assert.is_nil(res.body)
      assert.equal(#mem, res.bytes)
      assert.equal(mem, read_all(path))
      assert.equal("600", mode_of(path)) -- until the Lua layer commits it
      os.remove(path)
      h:close()
    end)

    it("keep a non-2xx body in memory and create no file", function()
      local h = core.new{}
      local path = tmp .. "/denied.json"
      local res = assert(h:request{ url = url("/campaigns/list"), headers = { ["X-Authorization"] = "wrong" },
                                    sink = path })
      assert.equal(401, res.status)
      assert.matches('"code":10', res.body)
      assert.is_false(exists(path))
      h:close()
    end)

    it("are never written over: a file already there is an io failure naming it, and stays as it was", function()
      local h = core.new{}
      local path = tmp .. "/taken.json"
      local f = assert(io.open(path, "wb"))
      f:write("old")
      f:close()
      local res, err = h:request{ url = url("/campaigns/list"), headers = auth(), sink = path }
      assert.is_nil(res)
      assert.equal("io", err.kind)
      assert.is_true(err.sent)
      assert.matches(path, err.message, 1, true)
      assert.matches("File exists", err.message, 1, true)
      assert.equal("old", read_all(path))
      os.remove(path)
      h:close()
    end)

    it("are never written through a symlink planted at the path, not even by a failed download", function()
      local h = core.new{}
      local target, link = tmp .. "/precious.txt", tmp .. "/planted.json"
      local f = assert(io.open(target, "wb"))
      f:write("precious")
      f:close()
      assert(os.execute("ln -s " .. q(target) .. " " .. q(link)))
      local res, err = h:request{ url = url("/campaigns/list"), headers = auth(), sink = link }
      assert.is_nil(res)
      assert.equal("io", err.kind)
      assert.matches(link, err.message, 1, true)
      m:fault{ path = "/campaigns/list", action = "truncate" }
      res, err = h:request{ url = url("/campaigns/list"), headers = auth(), sink = link }
      assert.is_nil(res)
      assert.equal("io", err.kind)
      assert.equal("precious", read_all(target))
      assert.equal(target, read_cmd("readlink " .. q(link))) -- the link itself stays too
      os.remove(link)
      os.remove(target)
      h:close()
    end)

    it("an unwritable sink is an io failure with the path, and leaves no file", function()
      local h = core.new{}
      local path = tmp .. "/no/such/dir/x.part"
      local res, err = h:request{ url = url("/campaigns/list"), headers = auth(), sink = path }
      assert.is_nil(res)
      assert.equal("io", err.kind)
      assert.equal(23, err.curl_code) -- CURLE_WRITE_ERROR
      assert.matches(path, err.message, 1, true)
      assert.matches("No such file or directory", err.message, 1, true)
      assert.is_false(exists(path))
      h:close()
    end)

    it("a transfer cut short removes the file it created", function()
      m:fault{ path = "/campaigns/list", action = "truncate" }
      local h = core.new{}
      local path = tmp .. "/cut.json"
      local res, err = h:request{ url = url("/campaigns/list"), headers = auth(), sink = path }
      assert.is_nil(res)
      assert.equal("network", err.kind)
      assert.is_false(exists(path))
      h:close()
    end)
  end)

  describe("runs of requests driven step by step (one request here; spec/80 runs many)", function()
    it("report progress and the announced total while the body arrives; finish_many gives the outcome", function()
      local full = assert(core.new{}:request{ url = url("/campaigns/list"), headers = auth() }).body
      m:fault{ path = "/campaigns/list", action = "stall", delay = 0.6 }
      local h = core.new{}
      assert.is_true(h:start_many({ { url = url("/campaigns/list"), headers = auth() } }))
      local seen_partial, steps = false, 0
      while true do
        local t0 = socket.gettime()
        local done, now, ended, total = h:step_many(0.1)
        steps = steps + 1
        assert.is_true(socket.gettime() - t0 < 0.5)
        if done then
          assert.equal(1, ended)
          break
        end
        assert.equal(0, ended)
        if now > 0 then
          seen_partial = true
          assert.is_true(now < #full)
          assert.equal(#full, total)
        end
      end
      assert.is_true(seen_partial)
      assert.is_true(steps > 2)
      assert.same({ true, #full, 1, #full }, { h:step_many(0) }) -- step after the end keeps answering
      local results, failures = h:finish_many()
      assert.equal(200, results[1].status)
      assert.equal(full, results[1].body)
      assert.same({}, failures)
      raises("no start_many running", h.step_many, h)
      raises("no start_many running", h.finish_many, h)
      h:close()
    end)

    it("allow one run at a time; finish_many drives an unfinished one to its end", function()
      local h = core.new{}
      assert.is_true(h:start_many({ { url = url("/campaigns/list"), headers = auth() } }))
      raises("already running", h.start_many, h, { { url = url("/campaigns/list") } })
      raises("already running", h.request, h, { url = url("/campaigns/list") })
      assert.equal(200, h:finish_many()[1].status)
      assert.equal(200, assert(h:request{ url = url("/campaigns/list"), headers = auth() }).status)
      h:close()
    end)

    it("keep the request body alive while Lua runs between start_many and the end", function()
      local h = core.new{}
      local size = 2 * 1024 * 1024
      collectgarbage()
      collectgarbage()
      local before = collectgarbage("count")
      -- the only reference to the body is the request table, garbage once start_many returns
      local function start() return h:start_many({ { method = "POST", url = url("/campaigns/create"),
                                                      headers = auth(), body = ("x"):rep(size) .. "!" } }) end
      assert.is_true(start())
      collectgarbage()
      collectgarbage()
      assert.is_true(collectgarbage("count") - before > size / 1024) -- still held by the handle
      local results = h:finish_many()
      assert.equal(400, results[1].status) -- not JSON: the emulator's MALFORMED_JSON_BODY
      assert.equal(("x"):rep(size) .. "!", m:log()[1].body)
      results = nil -- luacheck: ignore 311
      collectgarbage()
      collectgarbage()
      assert.is_true(collectgarbage("count") - before < size / 1024) -- and let go after the transfer
      h:close()
    end)

    it("abort_many cancels, removes the partial sink file, and the handle goes on", function()
      m:fault{ path = "/campaigns/list", action = "stall", delay = 1 }
      local h = core.new{}
      local path = tmp .. "/aborted.json"
      assert.is_true(h:start_many({ { url = url("/campaigns/list"), headers = auth(), sink = path } }))
      local now, deadline = 0, socket.gettime() + 5
      while now == 0 and socket.gettime() < deadline do
        local done
        done, now = h:step_many(0.05)
        assert.is_false(done)
      end
      assert.is_true(now > 0)
      assert.is_true(exists(path))
      assert.is_true(h:abort_many())
      assert.is_false(exists(path))
      assert.is_true(h:abort_many()) -- nothing to cancel: a no-op
      local res = assert(h:request{ url = url("/campaigns/list"), headers = auth() })
      assert.equal(200, res.status)
      assert.is_false(res.reused) -- the aborted connection was not kept
      h:close()
    end)

    it("abort_many also removes the files of the run's requests that ended whole; finish_many keeps them", function()
      local h = core.new{}
      local token = core.json_decode(assert(h:request{ url = url("/campaigns/list"), headers = auth() }).body)[1]
        .campaign_token
      m:fault{ path = "/campaigns/list", action = "stall", delay = 5 }
      local whole, partial = tmp .. "/whole.json", tmp .. "/partial.json"
      local function run() return { { url = url("/campaigns/" .. token), headers = auth(), sink = whole },
                                    { url = url("/campaigns/list"), headers = auth(), sink = partial } } end
      assert.is_true(h:start_many(run(), { concurrency = 2 }))
      local ended, deadline = 0, socket.gettime() + 5
      while (ended < 1 or not exists(partial)) and socket.gettime() < deadline do
        local _
        _, _, ended = h:step_many(0.05)
      end
      assert.equal(1, ended)
      assert.is_true(exists(whole))
      h:abort_many()
      assert.is_false(exists(whole))
      assert.is_false(exists(partial))
      local results = h:request_many(run())
      assert.equal(200, results[1].status)
      assert.equal(200, results[2].status)
      assert.is_true(exists(whole) and exists(partial))
      os.remove(whole)
      os.remove(partial)
      h:close()
    end)

    it("the garbage collector cancels a started run and removes its partial sink file", function()
      m:fault{ path = "/campaigns/list", action = "stall", delay = 1 }
      local path = tmp .. "/collected.json"
      do
        local h = core.new{}
        assert.is_true(h:start_many({ { url = url("/campaigns/list"), headers = auth(), sink = path } }))
        local now, deadline = 0, socket.gettime() + 5
        while now == 0 and socket.gettime() < deadline do
          local _
          _, now = h:step_many(0.05)
        end
        assert.is_true(exists(path))
      end
      collectgarbage()
      collectgarbage()
      assert.is_false(exists(path))
    end)

    it("a raise while a run is driven cancels it and leaves the handle usable", function()
      local h = core.new{}
      local reqs = { { url = url("/campaigns/list"), headers = auth() },
                     { url = url("/campaigns/list"), headers = auth() } }
      assert.is_true(h:start_many(reqs, { concurrency = 1 }))
      reqs[2].url = 42 -- read again when its turn comes, inside the loop: that read raises
      raises("'url' must be a string", h.finish_many, h)
      raises("no start_many running", h.step_many, h)
      assert.equal(200, assert(h:request{ url = url("/campaigns/list"), headers = auth() }).status)
      h:close()
    end)
  end)

  -- Answers the emulator cannot give, played by a raw socket: a run of one request is stepped while this
  -- Lua code accepts the connection and answers, in one thread.
  describe("answers", function()
    local function exchange(response, req)
      local server = assert(socket.bind("127.0.0.1", 0))
      local _, port = server:getsockname()
      server:settimeout(0)
      local h = core.new{}
      req = req or {}
      req.url = "http://127.0.0.1:" .. port .. "/raw"
      assert.is_true(h:start_many({ req }))
      local conn, deadline = nil, socket.gettime() + 5
      while not conn and socket.gettime() < deadline do
        h:step_many(0.01)
        conn = server:accept()
      end
      assert(conn, "no connection")
      conn:settimeout(0)
      local head = ""
      while not head:find("\r\n\r\n", 1, true) and socket.gettime() < deadline do
        h:step_many(0.01)
        local data, err, partial = conn:receive(4096)
        head = head .. (data or partial or "")
        assert(err ~= "closed", "client closed the connection")
      end
      conn:settimeout(0.5)
      conn:send(response) -- a client that stops reading (a limit passed) leaves part of it unsent
      conn:close()
      server:close()
      local done, _, total
      repeat done, _, _, total = h:step_many(0.1) until done or socket.gettime() > deadline
      local results, failures = h:finish_many()
      h:close()
      return results[1], failures[1], head, total
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

    it("reports total = nil while the length is unknown, then the bytes that came", function()
      local server = assert(socket.bind("127.0.0.1", 0))
      local _, port = server:getsockname()
      server:settimeout(0)
      local h = core.new{}
      assert.is_true(h:start_many({ { url = "http://127.0.0.1:" .. port .. "/" } }))
      local conn, deadline = nil, socket.gettime() + 5
      while not conn and socket.gettime() < deadline do
        h:step_many(0.01)
        conn = server:accept()
      end
      conn:settimeout(5)
      repeat local line = assert(conn:receive("*l")) until line == "" -- the request's head, read whole
      assert(conn:send("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nab"))
      local done, bytes, _, total
      repeat done, bytes, _, total = h:step_many(0.01) until bytes > 0 or socket.gettime() > deadline
      assert.is_false(done)
      assert.equal(2, bytes)
      assert.is_nil(total)
      assert(conn:send("c"))
      conn:close()
      server:close()
      repeat done, bytes, _, total = h:step_many(0.05) until done or socket.gettime() > deadline
      assert.same({ 3, 3 }, { bytes, total })
      assert.equal("abc", h:finish_many()[1].body)
      h:close()
    end)

    it("does not follow redirects: a 302 is a result with its Location", function()
      local res = assert(exchange("HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1:1/file.csv\r\n"
        .. "Content-Length: 0\r\n\r\n"))
      assert.equal(302, res.status)
      assert.equal("http://127.0.0.1:1/file.csv", res.headers.location)
    end)

    it("a head cut short (no blank line before the close) is kind network, sent = true, and no file", function()
      local path = tmp .. "/cut-head.out"
      local res, err = exchange("HTTP/1.1 200 OK\r\nContent-Type: text/csv\r\n", { sink = path })
      assert.is_nil(res)
      assert.equal("network", err.kind)
      assert.is_true(err.sent)
      assert.equal(8, err.curl_code) -- CURLE_WEIRD_SERVER_REPLY
      assert.matches("before the end of the response headers", err.message)
      assert.is_false(exists(path))
    end)

    it("a header block over 64 KiB or 1000 lines is kind too_large, whatever its shape", function()
      local big_line = "HTTP/1.1 200 OK\r\nX-Big: " .. ("a"):rep(70 * 1024) .. "\r\nContent-Length: 0\r\n\r\n"
      local huge_line = "HTTP/1.1 200 OK\r\nX-Big: " .. ("a"):rep(1024 * 1024) .. "\r\n\r\n"
      local lines = {}
      for i = 1, 1001 do lines[i] = "X-N" .. i .. ": v" end
      local many = "HTTP/1.1 200 OK\r\n" .. table.concat(lines, "\r\n") .. "\r\nContent-Length: 0\r\n\r\n"
      for _, response in ipairs{ big_line, huge_line, many } do
        local res, err = exchange(response)
        assert.is_nil(res)
        assert.equal("too_large", err.kind)
        assert.is_true(err.sent)
        assert.matches("response headers exceed 65536 bytes or 1000 lines", err.message, 1, true)
      end
      lines[1001], lines[1000] = nil, "Content-Length: 2" -- 1000 lines under 64 KiB: fine
      local res = assert(exchange("HTTP/1.1 200 OK\r\n" .. table.concat(lines, "\r\n") .. "\r\n\r\nok"))
      assert.equal("v", res.headers["x-n999"])
    end)

    it("a timeout before the request went out (TLS handshake never answered) has sent = false", function()
      local server = assert(socket.bind("127.0.0.1", 0))
      local _, port = server:getsockname()
      server:settimeout(0)
      local h = core.new{ timeout = 0.3 }
      assert.is_true(h:start_many({ { url = "https://127.0.0.1:" .. port .. "/" } }))
      local conn, done
      repeat
        done = h:step_many(0.02)
        conn = conn or server:accept()
      until done
      local _, failures = h:finish_many()
      assert.equal("timeout", failures[1].kind)
      assert.is_false(failures[1].sent)
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

  -- A child Lua (the interpreter running this spec) blocked in the C core, and a real signal. The child is
  -- started by a shell that prints its pid, then, when it ends, its exit status. How long a wait took to
  -- end is measured by the child itself: it prints core.time() when the call returns; the signal is sent
  -- by a shell started beforehand (its builtin kill: nothing is started then), the time taken just before.
  describe("signals", function()
    local server, killer, children = nil, nil, 0

    setup(function()
      server = assert(socket.bind("127.0.0.1", 0)) -- listens, never accepts: a server that never answers
      killer = assert(io.popen("env -u LD_PRELOAD sh", "w"))
    end)
    teardown(function()
      server:close()
      killer:close()
    end)

    -- Starts `code` in a child Lua (core is batch.core there); waits for its "ready" line.
    local function child(code)
      children = children + 1
      local script, errf = tmp .. "/child" .. children .. ".lua", tmp .. "/child" .. children .. ".err"
      local f = assert(io.open(script, "wb"))
      f:write(("package.cpath = %q\npackage.path = %q\nlocal core = require 'batch.core'\n"):format(
        package.cpath, package.path), code)
      f:close()
      local cmd = interp .. " " .. q(script) .. " 2>" .. q(errf)
      -- (the shell's own "Terminated" for a child killed by a signal goes to /dev/null)
      local p = assert(io.popen("sh -c " .. q(cmd .. ' & echo $!; wait $!; echo "exit $?"') .. " 2>/dev/null"))
      local c = { pid = assert(tonumber(p:read("*l"))), pipe = p, err = errf }
      assert.equal("ready", c.pipe:read("*l"))
      return c
    end
    -- Sends the signal; returns the time it was sent.
    local function kill(c, sig)
      local sent = core.time()
      killer:write("kill -", sig, " ", c.pid, "\n")
      killer:flush()
      return sent
    end
    -- Waits for the child's end: its exit status, its other output lines, its stderr.
    local function ended(c)
      local out = {}
      for line in c.pipe:lines() do out[#out + 1] = line end
      c.pipe:close()
      local status = out[#out]:match("^exit (%d+)$")
      out[#out] = nil
      return tonumber(status), out, read_all(c.err)
    end
    local UNCAUGHT = 1 -- the exit status of a Lua script that ends with an uncaught error

    -- Runs `call` (a blocking call in the child, after `before`) under pcall; sends sig once it waits (or,
    -- with `wait_for`, once that file exists). The call must give "interrupted!" within 100 ms of the
    -- signal, and the script goes on (no second error from a hook left behind): it prints `after`'s value.
    local function ends_within_100ms(before, call, sig, after, wait_for)
      local c = child(before .. "\nio.write('ready\\n') io.flush()\n"
        .. "local ok, err = pcall(function() " .. call .. " end)\n"
        .. "io.write(('%.6f '):format(core.time()), tostring(ok), ' ', tostring(err), '\\n')\n"
        .. "io.write(tostring(" .. (after or "nil") .. "), '\\n')\n")
      if wait_for then
        local deadline = socket.gettime() + 5
        while not exists(wait_for) and socket.gettime() < deadline do core.sleep(0.01) end
        assert.is_true(exists(wait_for), "the transfer never started to write")
      else
        core.sleep(0.2) -- well inside its wait
      end
      local sent = kill(c, sig or "INT")
      local status, out, stderr = ended(c)
      assert.equal(0, status, stderr)
      local at, rest = out[1]:match("^([%d.]+) (.*)$")
      assert.equal("false interrupted!", rest)
      local took = tonumber(at) - sent
      assert.is_true(took >= 0 and took < 0.1, "took " .. took .. " s")
      return out[2]
    end

    it("SIGINT ends core.sleep within 100 ms with lua's own 'interrupted!'", function()
      ends_within_100ms("", "core.sleep(30)")
    end)

    it("SIGINT ends a request to a server that never answers; the handle stays usable", function()
      local _, port = server:getsockname()
      local status = ends_within_100ms(("local h = core.new{ timeout = 20 }\n"
        .. "local function get(u) local res = h:request{ url = u } return res and res.status end"),
        ("get('http://127.0.0.1:%d/')"):format(port), "INT", ("get(%q)"):format(url("/campaigns/list")))
      assert.equal("401", status) -- answered, on the same handle
    end)

    it("SIGINT ends a download and removes its partial file", function()
      m:fault{ path = "/campaigns/list", action = "stall", delay = 30 }
      local path = tmp .. "/interrupted.json"
      ends_within_100ms(("local h = core.new{}\nlocal req = { url = %q, sink = %q, timeout = 20, headers = %s }")
        :format(url("/campaigns/list"), path, ("{ ['X-Authorization'] = %q }"):format(keys.rest_key)),
        "h:request(req)", "INT", "core.signal()", path)
      assert.is_false(exists(path))
    end)

    it("SIGINT ends finish_many of a run, removing the partial files of every request", function()
      m:fault{ path = "/campaigns/list", action = "stall", delay = 30, count = 2 }
      local a, b = tmp .. "/run-a.json", tmp .. "/run-b.json"
      ends_within_100ms(([[
        local h = core.new{}
        local function req(sink) return { url = %q, sink = sink, headers = { ["X-Authorization"] = %q } } end
        h:start_many({ req(%q), req(%q) })
        repeat local _, bytes = h:step_many(0.05) until bytes > 0]]):format(url("/campaigns/list"), keys.rest_key,
        a, b), "h:finish_many()")
      assert.is_false(exists(a))
      assert.is_false(exists(b))
    end)

    it("SIGINT while stream_many's done runs Lua ends the run; the next wait is not interrupted", function()
      -- the interrupt comes from lua.c's hook inside done, not from the wait: the wait must still end as
      -- one that a signal ended (its signal taken, the handler put back), or core.sleep would raise too
      local slept = ends_within_100ms(([[
        if jit then jit.off() end
        local h = core.new{}
        local reqs = { { url = %q, headers = { ["X-Authorization"] = %q } } }
        local function busy() local t = core.now() + 30 while core.now() < t do end end]]):format(
        url("/campaigns/list"), keys.rest_key),
        "h:stream_many(function() return table.remove(reqs) end, busy)", "INT",
        "(function() core.sleep(0.05) return 'slept' end)()")
      assert.equal("slept", slept)
    end)

    it("core.trap{'TERM', 'HUP'}: those end a wait the same way; core.signal() tells which", function()
      assert.equal("TERM", ends_within_100ms("core.trap{ 'TERM', 'HUP' }", "core.sleep(30)", "TERM", "core.signal()"))
      assert.equal("HUP", ends_within_100ms("core.trap{ 'HUP' }", "core.sleep(30)", "HUP", "core.signal()"))
    end)

    -- Uncaught, as a script that does not catch it: the status of an uncaught error and one report. When
    -- the C core raised it in the main thread (no position: ours), the report is lua's plain one: were the
    -- hook lua.c set during the wait left, it would fire again in lua.c's message handler (5.1-5.4: a
    -- traceback that starts in "?"; LuaJIT: "error in error handling").
    local function dies_interrupted(code, sig, ours)
      local c = child("io.write('ready\\n') io.flush()\n" .. code)
      core.sleep(0.2)
      kill(c, sig or "INT")
      local status, _, stderr = ended(c)
      assert.equal(UNCAUGHT, status, stderr)
      assert.equal(1, count(stderr, "interrupted!"), stderr)
      assert.is_nil(stderr:find("error in error handling", 1, true), stderr)
      if ours then
        local first, frame = stderr:match("^([^\n]*)\nstack traceback:\n([^\n]*)")
        assert.equal(interp .. ": interrupted!", first, stderr)
        assert.is_nil(frame:find("^%s*%[C%]: i?n? ?%?$"), stderr)
      end
    end

    it("uncaught, stops the script with one plain report: core.sleep, a request, a trapped TERM", function()
      local _, port = server:getsockname()
      dies_interrupted("core.sleep(30)", "INT", true)
      dies_interrupted(("core.new{}:request{ url = 'http://127.0.0.1:%d/', timeout = 20 }"):format(port), "INT", true)
      dies_interrupted("core.trap{ 'TERM' } core.sleep(30)", "TERM", true)
    end)

    -- In a coroutine, lua.c's hook is on the main thread and stays there (see src/signals.c): the script
    -- stops as it would without the library; the report may be lua.c's.
    it("uncaught in a coroutine, stops the script too", function()
      dies_interrupted("coroutine.wrap(function() core.sleep(30) end)()")
    end)

    it("a trapped signal outside a wait raises at the next Lua instruction", function()
      -- LuaJIT does not run hooks inside compiled code: the loop runs interpreted, as lua.c's SIGINT needs too
      dies_interrupted("core.trap{ 'TERM' } if jit then jit.off() end local n = 0 while true do n = n + 1 end",
        "TERM")
    end)

    it("without core.trap, SIGTERM keeps its default action", function()
      local c = child("io.write('ready\\n') io.flush() core.sleep(30)")
      core.sleep(0.2)
      kill(c, "TERM")
      assert.equal(128 + 15, (ended(c)))
    end)

    it("trap refuses names it does not know", function()
      raises("signal names are", core.trap, { "KILL" })
      raises("signal names are", core.trap, { 15 })
      raises("table expected", core.trap, "TERM")
    end)
  end)

  -- The proxy variables of the environment, in a child Lua started with them set (this process's own
  -- environment cannot change) and every other proxy variable unset: a listener stands for the proxy and
  -- reads the first line the client sends it. The C core reads the variables at a handle's first request
  -- (spec/50 has a client made in nginx's master that sends from a worker) and, when none names a proxy,
  -- tells libcurl so once.
  describe("proxy environment", function()
    local ALL = { "http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY",
                  "no_proxy", "NO_PROXY" }
    local proxy, proxy_url
    setup(function()
      proxy = assert(socket.bind("127.0.0.1", 0))
      local _, port = proxy:getsockname()
      proxy_url = "http://127.0.0.1:" .. port
    end)
    teardown(function() proxy:close() end)

    -- Accepts what waits on the listener (within `wait` seconds for the first); returns the first line of
    -- the first connection, after answering each with a 403 and closing it: a connection a slow child made
    -- late never counts for the next case.
    local function drain(wait)
      local first
      proxy:settimeout(wait)
      while true do
        local conn = proxy:accept()
        if not conn then break end
        conn:settimeout(2)
        local line = conn:receive("*l")
        conn:send("HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
        conn:close()
        first = first or line or ""
        proxy:settimeout(0)
      end
      return first
    end

    -- Runs one h:request of `target` in a child Lua with `vars` ({ NAME = value }) as its only proxy
    -- variables and the extra core.new options `opts` (Lua source). Returns the first line the proxy got
    -- (nil: none) and what the child printed (the status, or the failure's kind). `direct`: the child is
    -- expected not to come, so its output is read first and the listener looked at without waiting.
    local function through(vars, target, opts, direct)
      local script = tmp .. "/proxy_child.lua"
      local f = assert(io.open(script, "wb"))
      f:write(("package.cpath = %q\npackage.path = %q\n"):format(package.cpath, package.path),
              "local h = require('batch.core').new{ timeout = 5, ca_file = ", ("%q"):format(m.ca_file),
              opts and (", " .. opts) or "", " }\n",
              "local res, f = h:request{ url = ", ("%q"):format(target), " }\n",
              "io.write(res and tostring(res.status) or f.kind, '\\n')\n")
      f:close()
      local env = "env"
      for _, name in ipairs(ALL) do env = env .. " -u " .. name end
      for name, value in pairs(vars) do env = env .. " " .. name .. "=" .. q(value) end
      local child = assert(io.popen(env .. " " .. interp .. " " .. q(script) .. " 2>&1"))
      local first, out
      if direct then
        out = child:read("*a")
        child:close()
        first = drain(0)
      else
        first = drain(5)
        out = child:read("*a")
        child:close()
      end
      return first, (out:gsub("%s+$", ""))
    end

    local function https_target() return m.tls_url .. "/1.1/" .. keys.api_key .. "/campaigns/list" end
    local function http_target() return m.url .. "/1.1/" .. keys.api_key .. "/campaigns/list" end
    local function host_of(u) return u:match("^https?://([^/]+)") end

    for _, name in ipairs{ "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY" } do
      it(name .. " sends an https request through the proxy (a CONNECT to the target)", function()
        local first, out = through({ [name] = proxy_url }, https_target())
        assert.equal("CONNECT " .. host_of(https_target()) .. " HTTP/1.1", first)
        assert.equal("network", out)
      end)
    end

    it("http_proxy sends an http request through the proxy (the whole URL in the request line)", function()
      local first, out = through({ http_proxy = proxy_url }, http_target())
      assert.equal("GET " .. http_target() .. " HTTP/1.1", first)
      assert.equal("403", out) -- the proxy's own answer
    end)

    it("goes direct under HTTP_PROXY in capitals (libcurl never reads it), an empty one, or none", function()
      for _, vars in ipairs{ { HTTP_PROXY = proxy_url }, { https_proxy = "" }, {} } do
        local first, out = through(vars, http_target(), nil, true)
        assert.is_nil(first)
        assert.equal("401", out) -- the emulator itself answered (no key sent)
      end
      local first, out = through({ https_proxy = "" }, https_target(), nil, true)
      assert.is_nil(first)
      assert.equal("401", out)
    end)

    it("goes direct under no_proxy, or with the option proxy = \"\", whatever the variables say", function()
      local first, out = through({ https_proxy = proxy_url, no_proxy = "127.0.0.1" }, https_target(), nil, true)
      assert.is_nil(first)
      assert.equal("401", out)
      first, out = through({ https_proxy = proxy_url }, https_target(), 'proxy = ""', true)
      assert.is_nil(first)
      assert.equal("401", out)
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
      raises("'decode'", h.request, h, { url = m.url, decode = "xml" })
      raises("HEAD", h.request, h, { url = m.url, method = "HEAD", body = "x" })
      local msg = raises("X-Key", h.request, h, { url = m.url, headers = { ["X-Key"] = "secret\r\nX-Evil: 1" } })
      assert.is_nil(msg:find("secret", 1, true))
      raises("not a valid token", h.request, h, { url = m.url, headers = { ["Bad Name"] = "v" } })
      raises("must be a string", h.request, h, { url = m.url, headers = { ["X-A"] = true } })
      raises("request 2 must be a table", h.start_many, h, { { url = m.url }, "x" })
      raises("'concurrency'", h.start_many, h, {}, { concurrency = 0 })
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
      for _, name in ipairs{ "request", "start_many", "step_many", "finish_many", "abort_many", "request_many" } do
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

  describe("is_token", function()
    it("is true for a string of letters, digits, _ and - only, of at most max bytes when max is given", function()
      assert.is_true(core.is_token("fd591b97-1892_a494"))
      assert.is_true(core.is_token("ab", 2))
      assert.is_false(core.is_token("abc", 2))
      assert.is_false(core.is_token(""))
      assert.is_false(core.is_token("a b"))
      assert.is_false(core.is_token("a/b"))
      assert.is_false(core.is_token("\0"))
      assert.is_false(core.is_token("caf\195\169"))
    end)
    it("is false for what is not a string: a number is not taken for its digits", function()
      assert.is_false(core.is_token(123))
      assert.is_false(core.is_token(nil))
      assert.is_false(core.is_token({}))
    end)
    it("raises on a negative max", function()
      raises("max must not be negative", core.is_token, "abc", -1)
    end)
  end)

  describe("clocks", function()
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

    it("time is seconds since the epoch, with fractions", function()
      local t = core.time()
      assert.is_true(math.abs(t - socket.gettime()) < 0.05)
      assert.is_true(math.abs(t - os.time()) <= 1)
    end)
  end)

  describe("random_hex and commit", function()
    it("random_hex gives 2n hex digits, never the same twice", function()
      local seen = {}
      for _ = 1, 100 do
        local s = core.random_hex(8)
        assert.matches("^%x+$", s)
        assert.equal(16, #s)
        assert.is_nil(seen[s])
        seen[s] = true
      end
      assert.equal(2, #core.random_hex(1))
      assert.equal(512, #core.random_hex(256))
      raises("bad argument #1", core.random_hex, 0)
      raises("bad argument #1", core.random_hex, 257)
    end)

    it("commit gives the temporary file the mode of a new file under the umask, then renames it", function()
      local h = core.new{}
      local part, path = tmp .. "/f." .. core.random_hex(4), tmp .. "/final.json"
      assert(h:request{ url = url("/campaigns/list"), headers = auth(), sink = part })
      h:close()
      assert.equal("600", mode_of(part))
      local f = assert(io.open(tmp .. "/probe", "wb"))
      f:close()
      local want = mode_of(tmp .. "/probe") -- what a new file gets here
      os.remove(tmp .. "/probe")
      assert.is_true(core.commit(part, path))
      assert.is_false(exists(part))
      assert.equal(want, mode_of(path))
      os.remove(path)
    end)

    it("commit refuses a symlink and a missing file, naming them", function()
      local target, link = tmp .. "/target", tmp .. "/link"
      local f = assert(io.open(target, "wb"))
      f:close()
      os.execute("chmod 600 " .. q(target))
      assert(os.execute("ln -s " .. q(target) .. " " .. q(link)))
      local ok, err = core.commit(link, tmp .. "/out")
      assert.is_nil(ok)
      assert.matches(link, err, 1, true)
      assert.equal("600", mode_of(target))
      assert.is_false(exists(tmp .. "/out"))
      ok, err = core.commit(tmp .. "/missing", tmp .. "/out")
      assert.is_nil(ok)
      assert.matches("missing: No such file or directory", err, 1, true)
      os.remove(link)
      os.remove(target)
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
