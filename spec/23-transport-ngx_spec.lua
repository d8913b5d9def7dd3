-- The "ngx" transport's logic with a stand-in `ngx` table (spec/50 and spec/51 run the real thing):
-- which engine takes a request, phases, the wait for a free worker-thread VM, errors of the pool, errors
-- raised in the thread. The thread-pool tests give the client a ca_file: then every request goes there.
local batch = require "batch"
local transport_ngx = require "batch.transport.ngx"

local unpack = table.unpack or unpack -- luacheck: ignore 143

describe("transport ngx (stand-in ngx)", function()
  local saved

  before_each(function() saved = rawget(_G, "ngx") end)
  after_each(function() rawset(_G, "ngx", saved) end)

  local sockets -- the hosts the socket engine connected to

  -- Installs a fake ngx whose run_worker_thread answers `answers[i]` on its i-th call (the last one
  -- afterwards), and whose sockets refuse every connection. Returns the list of calls and of sleeps.
  local function fake(phase, answers)
    local calls, sleeps, clock = {}, {}, 100
    sockets = {}
    local refusing = {
      settimeout = function() end,
      connect = function(_, host, port) sockets[#sockets + 1] = host .. ":" .. port return nil, "refused" end,
    }
    rawset(_G, "ngx", {
      socket = { tcp = function() return refusing end },
      thread = {},
      get_phase = function() return phase end,
      now = function() return clock end,
      update_time = function() end,
      sleep = function(s) sleeps[#sleeps + 1] = s clock = clock + s end,
      run_worker_thread = function(...)
        calls[#calls + 1] = { ... }
        return unpack(answers[#calls] or answers[#answers])
      end,
    })
    return calls, sleeps
  end

  local function send(opts, req)
    opts = opts or {}
    opts.ca_file = opts.ca_file or "/spec/ca.pem"
    opts.thread_pool = opts.thread_pool or "batch" -- batch.new's default
    local t = transport_ngx.new(nil, opts)
    return t.request(req or { method = "GET", url = "http://x/", headers = {}, timeout = 5 })
  end

  it("sends API calls to the socket engine, the rest to the thread pool", function()
    local calls = fake("content", { { true, { status = 200, headers = {} } } })
    local function via(opts, url, sink)
      local before_threads, before_sockets = #calls, #sockets
      opts.thread_pool = "batch"
      local t = transport_ngx.new(nil, opts)
      t.request{ method = "GET", url = url, headers = {}, timeout = 5, sink = sink }
      if #sockets > before_sockets then return "sockets " .. sockets[#sockets] end
      return #calls > before_threads and "threads" or "nothing"
    end
    assert.equal("sockets 10.0.0.1:8080", via({}, "http://10.0.0.1:8080/1.1/K/campaigns/x"))
    assert.equal("sockets [::1]:443", via({ verify_tls = false }, "https://[::1]/x"))
    assert.equal("threads", via({}, "https://10.0.0.1/x"))  -- nginx cannot check an IP in a certificate
    assert.equal("threads", via({}, "http://10.0.0.1/x", "/tmp/download.csv"))
    assert.equal("threads", via({ ca_file = "/ca.pem" }, "http://10.0.0.1/x"))
    assert.equal("threads", via({ proxy = "http://proxy:3128" }, "http://10.0.0.1/x"))
    assert.equal("threads", via({}, "ftp://10.0.0.1/x"))
  end)

  it("runs batch.transport.ngx_worker.request in the pool 'batch' with the handle options and the request", function()
    local calls = fake("content", { { true, { status = 200, headers = {}, body = "{}" } } })
    local req = { method = "GET", url = "http://x/", headers = { A = "b" }, timeout = 5 }
    local res = send({ timeout = 7, user_agent = "UA" }, req)
    assert.equal(200, res.status)
    assert.equal(1, #calls)
    assert.equal("batch", calls[1][1])
    assert.equal("batch.transport.ngx_worker", calls[1][2])
    assert.equal("request", calls[1][3])
    assert.equal(7, calls[1][4].timeout)
    assert.equal("UA", calls[1][4].user_agent)
    assert.equal(req, calls[1][5])
  end)

  it("uses the thread_pool option", function()
    local calls = fake("timer", { { true, { status = 204, headers = {} } } })
    send{ thread_pool = "other" }
    assert.equal("other", calls[1][1])
  end)

  it("hands back the C core's failure table as it is", function()
    fake("access", { { true, nil, { kind = "timeout", message = "slow", sent = true } } })
    local res, err = send()
    assert.is_nil(res)
    assert.same({ kind = "timeout", message = "slow", sent = true }, err)
  end)

  it("raises again a Lua error raised in the pool thread", function()
    fake("content", { { true, nil, nil, "bad header value" } })
    assert.has_error(function() send() end, "bad header value")
  end)

  for _, phase in ipairs{ "init", "init_worker", "log", "header_filter", "body_filter", "set", "balancer" } do
    it("returns INVALID_ARGUMENT at once in the " .. phase .. " phase, naming the phases that work", function()
      local calls = fake(phase, { { true, {} } })
      local res, err = send()
      assert.is_nil(res)
      assert.equal(0, #calls)
      assert.equal("invalid", err.kind)
      assert.is_false(err.sent)
      assert.matches(phase .. "_by_lua*", err.message, 1, true)
      for _, works in ipairs{ "rewrite_by_lua*", "access_by_lua*", "content_by_lua*", "ngx.timer" } do
        assert.matches(works, err.message, 1, true)
      end
    end)
  end

  it("waits for a worker-thread VM when all are lent out, then runs", function()
    local calls, sleeps = fake("content", { { false, "no available Lua vm" }, { false, "no available Lua vm" },
                                            { true, { status = 200, headers = {} } } })
    local res = send()
    assert.equal(200, res.status)
    assert.equal(3, #calls)
    assert.equal(2, #sleeps)
  end)

  it("gives TIMEOUT (not sent) when no VM comes free within the request's timeout", function()
    local calls, sleeps = fake("content", { { false, "no available Lua vm" } })
    local res, err = send(nil, { method = "GET", url = "http://x/", headers = {}, timeout = 0.05 })
    assert.is_nil(res)
    assert.equal("timeout", err.kind)
    assert.is_false(err.sent)
    assert.matches("lua_worker_thread_vm_pool_size", err.message, 1, true)
    local slept = 0
    for _, s in ipairs(sleeps) do slept = slept + s end
    assert.is_true(slept <= 0.05 + 1e-9 and #calls == #sleeps + 1)
  end)

  it("explains a missing thread_pool directive", function()
    fake("content", { { false, "thread_pool not found" } })
    local _, err = send()
    assert.equal("invalid", err.kind)
    assert.matches("thread_pool batch threads=", err.message, 1, true)
  end)

  it("gives NETWORK_ERROR (not sent) for another failure of the pool", function()
    fake("content", { { false, "ngx_thread_task_post failed" } })
    local _, err = send()
    assert.equal("network", err.kind)
    assert.is_false(err.sent)
    assert.matches("ngx_thread_task_post failed", err.message, 1, true)
  end)

  it("is what 'auto' picks inside nginx, with ngx.sleep as the client's sleep in yieldable phases", function()
    local calls, sleeps = fake("content", { { true, { status = 200, headers = {}, body = "{}" } } })
    local c = batch.new{ api_key = "K", rest_key = "R", base_url = "http://127.0.0.1:1", ca_file = "/ca.pem" }
    assert.is_nil(c.transport.handle) -- no libcurl handle in the worker itself
    c.transport.request({ method = "GET", url = "http://x/", headers = {}, timeout = 1 })
    assert.equal(1, #calls)
    c.sleep(0.25)
    assert.same({ 0.25 }, sleeps)
    c:close()
  end)

  it("sleeps with the C core where nginx refuses ngx.sleep (init_worker_by_lua*...)", function()
    local _, sleeps = fake("init_worker", { { true, {} } })
    local c = batch.new{ api_key = "K", rest_key = "R", base_url = "http://127.0.0.1:1", transport = "curl" }
    c.sleep(0.01)
    assert.same({}, sleeps)
    c:close()
  end)
end)

describe("transport ngx outside nginx", function()
  it("raises in batch.new, naming what it needs", function()
    assert.is_nil(rawget(_G, "ngx"))
    assert.has_error(function() batch.new{ api_key = "K", rest_key = "R", transport = "ngx" } end,
      "batch.new: transport 'ngx' needs nginx with lua-nginx-module 0.10.21+ (ngx.run_worker_thread)")
  end)

  it("'auto' is the curl transport", function()
    local c = batch.new{ api_key = "K", rest_key = "R" }
    assert.is_not_nil(c.transport.handle)
    c:close()
  end)
end)
