-- The "ngx" transport's socket engine inside a real nginx: API calls over nginx's own cosockets
-- (batch.ngx_socket), TLS checked by nginx against lua_ssl_trusted_certificate, host names resolved in
-- the thread pool, keep-alive in nginx's pool; what the sockets cannot do goes to the thread pool.
-- Each test posts a Lua chunk to /run (or /run_untrusted, a location without a trusted CA), which runs
-- it inside nginx and answers its result as JSON.
local cjson = require "cjson"
local http = require "socket.http"
local ltn12 = require "ltn12"
local batch = require "batch"
local mock = require "spec.support.mock"
local nginx = require "spec.support.nginx"
local raw_server = require "spec.support.raw_server"

local RUNNER = [[
    client_body_buffer_size 1m;
    lua_socket_log_errors off; # the failures made on purpose come back as errors; nginx need not log them
    default_type application/json;
    location = /run {
      lua_ssl_trusted_certificate %s;
      content_by_lua_block { RUN() }
    }
    location = /run_untrusted { content_by_lua_block { RUN() } }
    location = /ping { content_by_lua_block { ngx.say("pong") } }
]]

local SETUP = [[
  init_by_lua_block {
    cjson = require "cjson.safe"
    batch = require "batch"
    T = cjson.decode(%q)
    -- a client of the emulator with these options added
    function CLIENT(o)
      local opts = { api_key = T.api_key, rest_key = T.rest_key, project_key = T.project_key,
                     base_url = T.name_url, transport = "ngx", max_retries = 0 }
      for k, v in pairs(o or {}) do opts[k] = v end
      return batch.new(opts)
    end
    -- an answer for the spec: the value, or the error's fields
    function RESULT(v, err)
      if v then return { ok = true, value = v } end
      return { ok = false, name = err.name, kind = err.kind, message = err.message, sent = err.sent,
               status = err.status, code = err.code, text = tostring(err) }
    end
    function RUN()
      ngx.req.read_body()
      local chunk = assert(loadstring(ngx.req.get_body_data()))
      local ok, r = pcall(chunk)
      ngx.say(cjson.encode(ok and r or { raised = tostring(r) }))
    end
  }
]]

describe("inside nginx, the ngx transport's socket engine", function()
  local m, n, raw, keys, tokens, host_client

  -- Runs Lua code in nginx (location /run or another) and returns its decoded result.
  local function run(code, location)
    local out = {}
    local _, status = http.request{
      url = n.url .. (location or "/run"), method = "POST", source = ltn12.source.string(code),
      headers = { ["content-length"] = tostring(#code) }, sink = ltn12.sink.table(out),
    }
    local body = table.concat(out)
    assert.equal(200, status, body)
    local r = cjson.decode(body)
    assert.is_nil(r.raised, r.raised)
    return r
  end

  local function no_key_in(text)
    assert.is_nil(text:find(keys.api_key, 1, true), "the API key in: " .. text)
    assert.is_nil(text:find(keys.rest_key, 1, true), "the REST key in: " .. text)
  end

  -- The emulator's log entries of one campaign token's gets.
  local function gets_of(token)
    local out = {}
    for _, e in ipairs(m:log()) do
      if e.path:find(token, 1, true) then out[#out + 1] = e end
    end
    return out
  end

  setup(function()
    assert(io.open(nginx.root .. "/build/luajit/batch/core.so"), "run `make luajit` first"):close()
    m = mock.start()
    keys = m.keys
    raw = raw_server.start()
    host_client = batch.new{ api_key = keys.api_key, rest_key = keys.rest_key, base_url = m.url }
    tokens = {}
    for _, c in ipairs(assert(host_client.campaigns:list{ limit = 10 })) do tokens[#tokens + 1] = c.campaign_token end
    local tls_port = m.tls_url:match(":(%d+)$")
    local t = { api_key = keys.api_key, rest_key = keys.rest_key, project_key = keys.project_key, ca = m.ca_file,
                name_url = "https://localhost:" .. tls_port, ip_tls_url = m.tls_url, http_url = m.url,
                raw_url = raw.url }
    n = nginx.start{ workers = 1, threads = 4, http = SETUP:format(cjson.encode(t)),
                     conf_body = RUNNER:format(m.ca_file) }
  end)

  teardown(function()
    if n then n:stop() end
    if raw then raw:stop() end
    if host_client then host_client:close() end
    if m then m:stop() end
  end)

  before_each(function()
    m:clear_faults()
    m:clear_log()
  end)

  after_each(function()
    local bad = n:new_errors()
    assert.equal("", bad, "nginx error.log:\n" .. bad)
  end)

  it("gets over https by host name, verified by nginx; 20 gets share one kept-alive connection", function()
    local r = run(([[
      local c = CLIENT()
      local got = {}
      for i = 1, 20 do
        local v, err = c.campaigns:get(%q)
        if not v then return RESULT(v, err) end
        got[i] = v.campaign_token
      end
      return RESULT(got)
    ]]):format(tokens[1]))
    assert.is_true(r.ok, r.text)
    assert.equal(20, #r.value)
    assert.equal(tokens[1], r.value[20])
    local log = gets_of(tokens[1])
    assert.equal(20, #log)
    for _, e in ipairs(log) do
      assert.equal(log[1].connection, e.connection)
      assert.equal(keys.rest_key, e.headers["x-authorization"])
      assert.matches("^lua%-batch/%S+ libcurl/%S+ LuaJIT/", e.headers["user-agent"])
      assert.equal("localhost:" .. m.tls_url:match(":(%d+)$"), e.headers.host)
    end
  end)

  it("sends each write on a new connection, with its body and length", function()
    local r = run([[
      local c = CLIENT()
      local made = {}
      for i = 1, 3 do
        local v, err = c.campaigns:create{ name = "sockets " .. i, live = true, push_time = "now",
                                           messages = { { title = "t", body = "b" } } }
        if not v then return RESULT(v, err) end
        made[i] = v.campaign_token
      end
      return RESULT(made)
    ]])
    assert.is_true(r.ok, r.text)
    local seen = {}
    for _, e in ipairs(m:log()) do
      if e.method == "POST" then
        assert.is_nil(seen[e.connection], "a write reused a connection")
        seen[e.connection] = true
        assert.equal(tostring(#e.body), e.headers["content-length"])
        assert.matches('"name":"sockets %d"', e.body)
      end
    end
    for _, token in ipairs(r.value) do
      assert.equal(token, assert(host_client.campaigns:get(token)).campaign_token)
    end
  end)

  it("maps API errors as the curl transport does (name, status, code)", function()
    local once_client = batch.new{ api_key = keys.api_key, rest_key = keys.rest_key, base_url = m.url,
                                   max_retries = 0 }
    m:fault{ path = "/campaigns/" .. tokens[2], status = 500, count = 2 }
    m:fault{ path = "/campaigns/" .. tokens[3], status = 429, retry_after = "7", count = 2 }
    for _, token in ipairs{ "nosuchcampaign0000000000000000aa", tokens[2], tokens[3] } do
      local r = run(("return RESULT(CLIENT{ base_url = T.http_url }.campaigns:get(%q))"):format(token))
      local _, want = once_client.campaigns:get(token)
      assert.is_false(r.ok)
      assert.equal(want.name, r.name)
      assert.equal(want.status, r.status)
      assert.equal(want.code, r.code)
      no_key_in(r.text)
    end
  end)

  it("reads chunked answers and skips a 100 Continue", function()
    local r = run([[
      local c = CLIENT{ base_url = T.raw_url }
      local a, e1 = c.campaigns:get("chunked")
      local b, e2 = c.campaigns:get("continue")
      return { a = RESULT(a, e1), b = RESULT(b, e2) }
    ]])
    assert.is_true(r.a.ok, r.a.text)
    assert.equal("chunked", r.a.value.campaign_token)
    assert.is_true(r.b.ok, r.b.text)
    assert.equal("continue", r.b.value.campaign_token)
  end)

  -- the raw server's scenario (spec/support/raw_server.lua) -> the error expected
  local HOSTILE = {
    ["close-delimited"] = "INVALID_RESPONSE", -- "[1,2" then close: read to the end, not JSON
    ["huge-length"] = "RESPONSE_TOO_LARGE",   -- announces 100 TB: refused before reading
    ["big-header"] = "RESPONSE_TOO_LARGE",    -- a 100 KB header line (the limit is 64 KiB)
    ["many-headers"] = "RESPONSE_TOO_LARGE",
    ["nul-header"] = "NETWORK_ERROR",
    ["bad-status"] = "NETWORK_ERROR",
    ["not-http"] = "NETWORK_ERROR",
    ["bad-length"] = "NETWORK_ERROR",
    ["bad-chunk"] = "NETWORK_ERROR",
    ["continue-forever"] = "NETWORK_ERROR", -- ten 1xx answers: at most five are waited through
  }
  for scenario, want in pairs(HOSTILE) do
    it("a hostile answer (" .. scenario .. ") is a " .. want .. " naming no key", function()
      local r = run(("return RESULT(CLIENT{ base_url = T.raw_url, timeout = 5 }.campaigns:get(%q))"):format(scenario))
      assert.is_false(r.ok)
      assert.equal(want, r.name, r.text)
      no_key_in(r.text)
      assert.is_nil(r.text:find("[\r\n]"))
    end)
  end

  it("times out within the timeout, and tells a refused connection sent nothing", function()
    m:fault{ path = "/campaigns/" .. tokens[3], delay = 3 }
    local r = run(([[
      local t0 = ngx.now()
      local v, err = CLIENT{ timeout = 0.3 }.campaigns:get(%q)
      ngx.update_time()
      local slow = RESULT(v, err)
      slow.elapsed = ngx.now() - t0
      local refused = RESULT(CLIENT{ base_url = "http://127.0.0.1:1" }.campaigns:create{ name = "x",
                                     messages = { { title = "t", body = "b" } } })
      return { slow = slow, refused = refused }
    ]]):format(tokens[3]))
    assert.equal("TIMEOUT", r.slow.name, r.slow.text)
    assert.is_true(r.slow.elapsed < 1.5, "took " .. r.slow.elapsed .. " s")
    assert.equal("NETWORK_ERROR", r.refused.name, r.refused.text)
    assert.is_false(r.refused.sent)
  end)

  it("gets again on a new connection when a kept one turns out closed; writes go once each", function()
    raw:clear()
    local r = run([[
      local c = CLIENT{ base_url = T.raw_url, timeout = 5 }
      local out = {}
      for i = 1, 5 do out[i] = RESULT(c.campaigns:get("keep-then-close")) end
      for i = 6, 7 do
        out[i] = RESULT(c.campaigns:update("keep-then-close", { name = "x" .. i }))
      end
      return out
    ]])
    for i = 1, 5 do
      assert.is_true(r[i].ok, r[i].text)
      assert.equal("keep-then-close", r[i].value.campaign_token)
    end
    local posts = 0
    for _, q in ipairs(raw:requests()) do
      if q.method == "POST" then posts = posts + 1 end
    end
    assert.equal(2, posts)
    -- nginx logs what it found on the dead connections (its own recv error, not lua_socket_log_errors)
    for line in n:new_errors():gmatch("[^\n]+") do assert.matches("Connection reset by peer", line) end
  end)

  it("counts the timeout from the start: a server dripping a byte at a time is cut at the timeout", function()
    local r = run([[
      local t0 = ngx.now()
      local v, err = CLIENT{ base_url = T.raw_url, timeout = 1 }.campaigns:get("drip")
      ngx.update_time()
      local out = RESULT(v, err)
      out.elapsed = ngx.now() - t0
      return out
    ]])
    assert.equal("TIMEOUT", r.name, r.text)
    assert.is_true(r.elapsed < 2, "took " .. r.elapsed .. " s")
  end)

  it("refuses a URL that would split the request line or the Host header, sending nothing", function()
    local r = run([[
      local send = require("batch.transport.ngx").new(nil, { user_agent = "spec", max_body = 1024,
                                                            thread_pool = "batch" }).request
      local out = {}
      for i, url in ipairs{ T.http_url .. "/x HTTP/1.1\r\nHost: evil\r\n\r\nGET /y",
                            T.http_url .. "/a b", "http://user@127.0.0.1:1/", "http://evil\r\nX: y/" } do
        local res, err = send{ method = "GET", url = url, headers = {}, timeout = 2 }
        out[i] = RESULT(res, err)
      end
      return out
    ]])
    for i = 1, 4 do
      assert.equal("invalid", r[i].kind, r[i].message)
      assert.is_false(r[i].sent)
    end
    assert.same({}, m:log())
  end)

  it("without a trusted CA in nginx, fails the handshake with a TLS_ERROR that says what to set", function()
    -- another spelling of the host: another pool, so a new connection (pools are per worker and origin,
    -- which is why lua_ssl_trusted_certificate belongs in http {}, once)
    local r = run(([[
      return RESULT(CLIENT{ base_url = T.name_url:gsub("localhost", "LOCALHOST") }.campaigns:get(%q))
    ]]):format(tokens[1]), "/run_untrusted")
    assert.equal("TLS_ERROR", r.name, r.message)
    assert.is_false(r.sent)
    assert.matches("lua_ssl_trusted_certificate", r.message)
    no_key_in(r.text)
  end)

  it("refuses a certificate for another host name", function()
    local r = run(([[
      local exchange = require("batch.transport.ngx_socket").new({ user_agent = "spec", max_body = 1024 }, ngx)
      local origin = { scheme = "https", authority = "example.com", port = %s, server_name = "example.com",
                       url = "https://example.com" }
      return RESULT(exchange({ method = "GET", headers = {}, timeout = 5 }, origin, "127.0.0.1", "/"))
    ]]):format(m.tls_url:match(":(%d+)$")))
    assert.equal("tls", r.kind, r.message)
    -- nginx's reason when the handshake fails at once; lua-resty-core 0.1.25 loses it after a wait
    if not r.message:find("certificate host mismatch", 1, true) then
      assert.matches("refused", r.message)
      assert.matches("not valid for example.com", r.message, 1, true)
    end
  end)

  it("sends what the sockets cannot verify to the thread pool: ca_file, an IP address over https", function()
    local r = run(([[
      return { ca_file = RESULT(CLIENT{ ca_file = T.ca }.campaigns:get(%q)),
               ip = RESULT(CLIENT{ base_url = T.ip_tls_url, ca_file = T.ca }.campaigns:get(%q)),
               noverify = RESULT(CLIENT{ verify_tls = false }.campaigns:get(%q)) }
    ]]):format(tokens[1], tokens[2], tokens[3]), "/run_untrusted")
    assert.is_true(r.ca_file.ok, r.ca_file.text)
    assert.is_true(r.ip.ok, r.ip.text)
    assert.is_true(r.noverify.ok, r.noverify.text)
    assert.equal(tokens[3], r.noverify.value.campaign_token)
  end)

  it("without the thread pool, reaches an address but names what a host name needs", function()
    local r = run(([[
      return { ip = RESULT(CLIENT{ base_url = T.http_url, thread_pool = "none" }.campaigns:get(%q)),
               name = RESULT(CLIENT{ base_url = "http://never-resolved.invalid:1",
                                     thread_pool = "none" }.campaigns:get(%q)) }
    ]]):format(tokens[1], tokens[1]))
    assert.is_true(r.ip.ok, r.ip.text)
    assert.equal("NETWORK_ERROR", r.name.name, r.name.text)
    assert.matches("thread_pool none", r.name.message)
    assert.matches("resolver", r.name.message)
  end)

  it("runs get_many on light threads over the sockets: a campaign or an error per token", function()
    local list = {}
    for i = 1, 8 do list[i] = string.format("%q", tokens[i]) end
    local r = run(([[
      local got, errs = CLIENT().campaigns:get_many({ %s, "not a token" }, { concurrency = 4 })
      local out = { tokens = {}, errors = {} }
      for token, c in pairs(got) do out.tokens[token] = c.campaign_token end
      for token, e in pairs(errs) do out.errors[token] = e.name end
      return out
    ]]):format(table.concat(list, ", ")))
    for i = 1, 8 do assert.equal(tokens[i], r.tokens[tokens[i]]) end
    assert.same({ ["not a token"] = "INVALID_ARGUMENT" }, r.errors)
  end)

  it("creates, waits for and downloads a 2.x export (parts at once, in the thread pool) from a handler", function()
    m:exports_config{ pending_after = 0.05, running_after = 0.1, done_after = 0.2, rows = 20, parts = 3 }
    m:fault{ path = "/_storage/", delay = 0.6, count = 3 }
    local r = run([[
      local c = CLIENT{ base_url = T.http_url }
      local made, err = c.profiles:export{ export_type = "ATTRIBUTES", attributes = { "$region" },
                                           identifiers = { "custom_id" } }
      if not made then return RESULT(nil, err) end
      local view
      view, err = c.project_exports:wait(made.id, { interval = 0.05, timeout = 20 })
      if not view then return RESULT(nil, err) end
      local files
      ngx.update_time()
      local t0 = ngx.now()
      files, err = c.project_exports:download(view, ngx.config.prefix())
      if not files then return RESULT(nil, err) end
      ngx.update_time()
      local took = ngx.now() - t0
      local records = 0
      for rec, rerr in c.project_exports:records(view) do
        if not rec then return RESULT(nil, rerr) end
        records = records + 1
      end
      return RESULT{ parts = #files, bytes = files[1].bytes, records = records, took = took }
    ]])
    assert.is_true(r.ok, r.text)
    -- each part's file waits 0.6 s (below): three in turn would take 1.8 s
    assert.is_true(r.value.took < 1.4, "the 3 parts took " .. r.value.took .. " s: not in parallel")
    assert.equal(3, r.value.parts)
    assert.is_true(r.value.bytes > 0)
    assert.equal(20, r.value.records)
  end)

  it("batch.log.ngx writes one line per event to nginx's error log, keys redacted", function()
    local r = run(([[
      local c = CLIENT{ on_event = batch.log.ngx{ level = ngx.WARN } } -- the spec nginx logs warn and up
      local v, err = c.campaigns:get(%q)
      return RESULT(v, err)
    ]]):format(tokens[2]))
    assert.is_true(r.ok, r.text)
    local text = n:error_log()
    assert.matches("batch: request GET /1.1/***/campaigns/" .. tokens[2] .. " attempt=1", text, 1, true)
    assert.matches("batch: response GET /1.1/***/campaigns/" .. tokens[2] .. " status=200 attempt=1 elapsed=", text,
                   1, true)
    no_key_in(text)
    n:new_errors()
  end)

  it("keeps serving while 100 calls wait on the API at once", function()
    m:config{ latency = 0.3 }
    local r = run(([[
      local c = CLIENT()
      local threads = {}
      for i = 1, 100 do threads[i] = ngx.thread.spawn(function() return c.campaigns:get(%q) end) end
      -- meanwhile, requests to another location of this very worker, each timed
      local port = tonumber(ngx.var.server_port)
      local pinger = ngx.thread.spawn(function()
        ngx.sleep(0.1) -- the calls' connections are made: they now wait on the emulator's 0.3 s
        local worst, answered = 0, 0
        for _ = 1, 10 do
          ngx.update_time()
          local t0 = ngx.now()
          local sock = ngx.socket.tcp()
          sock:settimeout(2000)
          assert(sock:connect("127.0.0.1", port))
          assert(sock:send("GET /ping HTTP/1.0\r\nHost: x\r\n\r\n"))
          local answer = sock:receive("*a")
          sock:close()
          ngx.update_time()
          if answer and answer:find("pong", 1, true) then answered = answered + 1 end
          worst = math.max(worst, ngx.now() - t0)
        end
        return { worst = worst, answered = answered, ended = ngx.now() }
      end)
      local ok = 0
      for i = 1, 100 do
        local _, v = ngx.thread.wait(threads[i])
        if v then ok = ok + 1 end
      end
      ngx.update_time()
      local gets_ended = ngx.now()
      local _, pings = ngx.thread.wait(pinger)
      return { ok = ok, pings = pings, gets_ended = gets_ended }
    ]]):format(tokens[4]))
    m:config{ latency = 0 }
    assert.equal(100, r.ok)
    assert.equal(10, r.pings.answered)
    assert.is_true(r.pings.worst < 0.1, "a ping took " .. r.pings.worst .. " s")
    assert.is_true(r.pings.ended < r.gets_ended, "the pings were answered only after the calls")
  end)
end)
