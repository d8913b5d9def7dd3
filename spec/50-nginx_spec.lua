-- lua-batch inside a real nginx (Debian's nginx-core + libnginx-mod-http-lua): the "ngx" transport runs the
-- C core (built against LuaJIT: build/luajit, `make luajit`) in nginx's thread pool, so one worker keeps
-- answering while a call waits; timers can create, wait for and download exports; phases that cannot
-- yield get an error at once. Also runs examples/nginx/nginx.conf.
local socket = require "socket"
local http = require "socket.http"
local ltn12 = require "ltn12"
local cjson = require "cjson"
local batch = require "batch"
local mock = require "spec.support.mock"
local nginx = require "spec.support.nginx"

local function read_file(path)
  local f = io.open(path, "rb")
  if not f then return nil end
  local s = f:read("*a")
  f:close()
  return s
end

local function q(s) return "'" .. tostring(s):gsub("'", "'\\''") .. "'" end

-- Sends a GET on a new connection and returns the socket without reading the answer.
local function send_get(n, path)
  local s = assert(socket.connect("127.0.0.1", n.port))
  assert(s:send("GET " .. path .. " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"))
  return s
end

-- Reads the whole answer of send_get's socket: status, body.
local function read_answer(s, timeout)
  s:settimeout(timeout or 10)
  local raw, err, partial = s:receive("*a")
  s:close()
  raw = raw or partial
  assert(raw and raw ~= "", "no answer: " .. tostring(err))
  local status = tonumber(raw:match("^HTTP/1%.%d (%d+)"))
  local body = raw:match("\r\n\r\n(.*)$")
  if raw:lower():find("transfer%-encoding: chunked") then
    local plain, rest = {}, body
    while true do
      local size, after = rest:match("^(%x+)\r\n(.*)$")
      size = size and tonumber(size, 16)
      if not size or size == 0 then break end
      plain[#plain + 1] = after:sub(1, size)
      rest = after:sub(size + 3)
    end
    body = table.concat(plain)
  end
  return status, body
end

local LUA_SETUP = [[
  lua_shared_dict results 1m;
  init_by_lua_block {
    local batch = require "batch"
    cjson = require "cjson.safe"
    -- made in the master, inherited by the worker: keys and base URL from the environment
    CLIENT = batch.new{ transport = "ngx", max_retries = 1 }
    SPEC = {}
    local c, err = CLIENT.campaigns:get("abc")
    ngx.shared.results:set("init", cjson.encode{ ok = c ~= nil, name = err and err.name,
                                                 message = err and err.message })
  }
  init_worker_by_lua_block {
    -- "auto" is "ngx" inside nginx
    local c = require("batch").new{ max_retries = 3 }
    local t0 = ngx.now()
    local res, err = c.campaigns:get("abc")
    ngx.update_time()
    ngx.shared.results:set("init_worker", cjson.encode{
      ok = res ~= nil, name = err and err.name, message = err and err.message, attempts = err and err.attempts,
      elapsed = ngx.now() - t0 })
  }
]]

local LOCATIONS = [[
    default_type application/json;
    location = /ping { content_by_lua_block { ngx.say("pong") } }

    # GET /campaign/<token>: 200 and the campaign when its token is the one asked, else 502
    location ~ ^/campaign/(?<token>[A-Za-z0-9_-]+)$ {
      content_by_lua_block {
        local c, err = CLIENT.campaigns:get(ngx.var.token)
        if not c or c.campaign_token ~= ngx.var.token then
          ngx.status = 502
          ngx.say(cjson.encode{ error = err and tostring(err) or "wrong campaign" })
          return
        end
        ngx.say(cjson.encode(c))
      }
    }

    # The same through the blocking "curl" transport (the control: it stalls the worker)
    location ~ ^/campaign_curl/(?<token>[A-Za-z0-9_-]+)$ {
      content_by_lua_block {
        SPEC.curl = SPEC.curl or require("batch").new{ transport = "curl", max_retries = 0 }
        local c, err = SPEC.curl.campaigns:get(ngx.var.token)
        ngx.say(cjson.encode(c or { error = tostring(err) }))
      }
    }

    # access_by_lua and rewrite_by_lua phases can call too
    location ~ ^/access/(?<token>[A-Za-z0-9_-]+)$ {
      rewrite_by_lua_block {
        local c = CLIENT.campaigns:get(ngx.var.token)
        ngx.ctx.rewrite = c and c.campaign_token
      }
      access_by_lua_block {
        local c = CLIENT.campaigns:get(ngx.var.token)
        ngx.ctx.access = c and c.campaign_token
      }
      content_by_lua_block { ngx.say(cjson.encode{ rewrite = ngx.ctx.rewrite, access = ngx.ctx.access }) }
    }

    # log_by_lua cannot yield: the call must fail at once
    location = /logphase {
      content_by_lua_block { ngx.say("{}") }
      log_by_lua_block {
        local c, err = CLIENT.campaigns:get("abc")
        ngx.shared.results:set("log", cjson.encode{ ok = c ~= nil, name = err and err.name,
                                                    message = err and err.message })
      }
    }

    # Starts an export job in an ngx.timer: create, wait, download, rows; the result goes to the dict
    location ~ ^/export/(?<token>[A-Za-z0-9_-]+)$ {
      content_by_lua_block {
        local token = ngx.var.token
        local path = ngx.config.prefix() .. "export.csv"
        ngx.shared.results:delete("export")
        local ok, err = ngx.timer.at(0, function()
          local function done(t) ngx.shared.results:set("export", cjson.encode(t)) end
          local t0 = ngx.now()
          local polls = 0
          local info, e = CLIENT.exports:create{ campaign = token, kind = "events", from = "2019-08-14T22:00:00",
                                                 to = "now", events = { "push_sent" }, ids = { "install_id" } }
          if not info then return done{ error = tostring(e) } end
          local final
          final, e = CLIENT.exports:wait(info.id, { interval = 0.05, timeout = 30,
                                                    on_poll = function() polls = polls + 1 end })
          if not final then return done{ error = tostring(e) } end
          local res
          res, e = CLIENT.exports:download(final, path)
          if not res then return done{ error = tostring(e) } end
          local rows = 0
          for row, rerr in CLIENT.exports:rows(final) do
            if not row then return done{ error = tostring(rerr) } end
            rows = rows + 1
          end
          ngx.update_time()
          done{ id = info.id, status = final.status, path = res.path, bytes = res.bytes, rows = rows,
                polls = polls, phase = ngx.get_phase(), elapsed = ngx.now() - t0 }
        end)
        ngx.say(cjson.encode{ started = ok, error = err })
      }
    }

    location ~ ^/result/(?<key>\w+)$ {
      content_by_lua_block { ngx.say(ngx.shared.results:get(ngx.var.key) or "null") }
    }
]]

describe("inside nginx (transport ngx)", function()
  local m, n, keys, tokens, host_client

  setup(function()
    local core_jit = nginx.root .. "/build/luajit/batch/core.so"
    assert(read_file(core_jit), "missing " .. core_jit .. ": run `make luajit` first")
    m = mock.start()
    keys = m.keys
    m:exports_config{ pending_after = 0.05, done_after = 0.3, rows = 40 }
    host_client = batch.new{ api_key = keys.api_key, rest_key = keys.rest_key, base_url = m.url }
    tokens = {}
    for _, c in ipairs(assert(host_client.campaigns:list{ limit = 100 })) do tokens[#tokens + 1] = c.campaign_token end
    assert.is_true(#tokens >= 10)
    n = nginx.start{
      workers = 1, threads = 32,
      main = "env BATCH_API_KEY; env BATCH_REST_API_KEY; env BATCH_BASE_URL;",
      env = { BATCH_API_KEY = keys.api_key, BATCH_REST_API_KEY = keys.rest_key, BATCH_BASE_URL = m.url },
      http = LUA_SETUP,
      conf_body = LOCATIONS,
    }
  end)

  teardown(function()
    if n then n:stop() end
    if host_client then host_client:close() end
    if m then m:stop() end
  end)

  before_each(function()
    m:clear_faults()
  end)

  after_each(function()
    local bad = n:new_errors()
    assert.equal("", bad, "nginx error.log:\n" .. bad)
  end)

  it("answers a campaign as JSON from a content handler", function()
    local status, body = n:get("/campaign/" .. tokens[1])
    assert.equal(200, status, body)
    local c = cjson.decode(body)
    assert.equal(tokens[1], c.campaign_token)
    local want = assert(host_client.campaigns:get(tokens[1]))
    assert.equal(want.name, c.name)
  end)

  it("works from rewrite_by_lua and access_by_lua too", function()
    local status, body = n:get("/access/" .. tokens[2])
    assert.equal(200, status, body)
    assert.same({ rewrite = tokens[2], access = tokens[2] }, cjson.decode(body))
  end)

  it("keeps the worker answering while a call waits 1 s on the API: 50 requests, each under 100 ms", function()
    m:fault{ path = "/campaigns/" .. tokens[3], delay = 1 }
    local t0 = socket.gettime()
    local slow = send_get(n, "/campaign/" .. tokens[3])
    socket.sleep(0.1) -- the slow call is in the thread pool by now
    local worst = 0
    for _ = 1, 50 do
      local s = socket.gettime()
      local status, body = n:get("/ping")
      local took = socket.gettime() - s
      assert.equal(200, status)
      assert.equal("pong\n", body)
      if took > worst then worst = took end
    end
    -- the slow answer has not come yet: the 50 were served while it waited
    slow:settimeout(0)
    local early = slow:receive(1)
    assert.is_nil(early, "the slow call answered before the 50 requests were done")
    local status, body = read_answer(slow, 10)
    local slow_took = socket.gettime() - t0
    assert.equal(200, status, body)
    assert.equal(tokens[3], cjson.decode(body).campaign_token)
    assert.is_true(slow_took >= 0.95, "the delayed call took " .. slow_took .. " s")
    assert.is_true(worst < 0.1, ("slowest of the 50: %.1f ms"):format(worst * 1000))
    print(("\n  50 requests during a 1 s call: slowest %.1f ms; the call took %.2f s"):format(worst * 1000, slow_took))
  end)

  it("(control) the blocking curl transport would stall the same worker", function()
    m:fault{ path = "/campaigns/" .. tokens[4], delay = 1 }
    local slow = send_get(n, "/campaign_curl/" .. tokens[4])
    socket.sleep(0.1)
    local s = socket.gettime()
    local status = n:get("/ping")
    local took = socket.gettime() - s
    assert.equal(200, status)
    local st = read_answer(slow, 10)
    assert.equal(200, st)
    assert.is_true(took > 0.5, ("a ping took only %.3f s while curl blocked the worker"):format(took))
  end)

  it("serves 200 concurrent campaign gets, all successful", function()
    m:clear_log()
    local cfg = os.tmpname()
    local f = assert(io.open(cfg, "wb"))
    for i = 1, 200 do
      f:write('url = "', n.url, "/campaign/", tokens[(i - 1) % #tokens + 1], '"\noutput = "/dev/null"\n')
    end
    f:close()
    local t0 = socket.gettime()
    local p = assert(io.popen("curl -s --no-progress-meter --parallel --parallel-immediate --parallel-max 200 "
                              .. "--max-time 60 -K " .. q(cfg) .. " -w '%{http_code}\\n' 2>&1"))
    local out = p:read("*a")
    p:close()
    local took = socket.gettime() - t0
    os.remove(cfg)
    local codes = {}
    for code in out:gmatch("[^\n]+") do codes[code] = (codes[code] or 0) + 1 end
    assert.same({ ["200"] = 200 }, codes)
    local gets = 0
    for _, r in ipairs(m:log()) do
      if r.method == "GET" and r.path:find("/campaigns/", 1, true) then gets = gets + 1 end
    end
    assert.equal(200, gets)
    print(("\n  200 concurrent gets through nginx: %.2f s"):format(took))
  end)

  it("creates, waits for, downloads and reads an export inside an ngx.timer", function()
    local status, body = n:get("/export/" .. tokens[1])
    assert.equal(200, status, body)
    assert.is_truthy(cjson.decode(body).started)
    local result
    local deadline = socket.gettime() + 30
    repeat
      socket.sleep(0.05)
      local _, b = n:get("/result/export")
      result = cjson.decode(b)
    until result ~= cjson.null or socket.gettime() > deadline
    assert.is_table(result)
    assert.is_nil(result.error, result.error)
    assert.equal("SUCCESS", result.status)
    assert.equal("timer", result.phase)
    assert.is_true(result.polls >= 1, "no poll: the wait did not wait")
    assert.equal(40, result.rows)
    local csv = assert(read_file(result.path))
    assert.equal(result.bytes, #csv)
    local lines = select(2, csv:gsub("\n", "\n"))
    assert.equal(41, lines) -- the header and 40 rows
  end)

  it("returns the phase error at once from init_by_lua, init_worker_by_lua and log_by_lua", function()
    local _, body = n:get("/result/init_worker")
    local r = cjson.decode(body)
    assert.is_table(r, "init_worker_by_lua recorded nothing")
    assert.is_false(r.ok)
    assert.equal("INVALID_ARGUMENT", r.name)
    assert.equal(1, r.attempts)
    assert.is_true(r.elapsed < 0.5, "took " .. tostring(r.elapsed))
    assert.matches("init_worker_by_lua%*", r.message)
    assert.matches("content_by_lua%*", r.message)
    assert.matches("ngx%.timer", r.message)

    _, body = n:get("/result/init")
    r = cjson.decode(body)
    assert.is_false(r.ok)
    assert.equal("INVALID_ARGUMENT", r.name)
    assert.matches("init_by_lua%*", r.message)

    assert.equal(200, (n:get("/logphase")))
    local deadline = socket.gettime() + 5
    repeat
      _, body = n:get("/result/log")
      r = cjson.decode(body)
      if r == cjson.null then socket.sleep(0.02) end
    until r ~= cjson.null or socket.gettime() > deadline
    assert.is_false(r.ok)
    assert.equal("INVALID_ARGUMENT", r.name)
    assert.matches("log_by_lua%*", r.message)
    -- none of them reached the API
    for _, req in ipairs(m:log()) do assert.is_nil(req.path:find("/campaigns/abc", 1, true)) end
  end)
end)

-- A "curl" client made in init_by_lua (nginx's master, with the environment nginx started with) sends
-- from a worker, whose environment nginx's `env` directives make: the C core reads the proxy variables
-- at the handle's first request, so the worker's https_proxy is the one that counts. A listener of this
-- process stands for the proxy; the base URL's port has nothing behind it (only the CONNECT is read).
describe("a curl client made in init_by_lua, under a proxy that nginx's env gives the worker", function()
  local n, proxy
  teardown(function()
    if n then n:stop() end
    if proxy then proxy:close() end
  end)

  it("goes through the proxy: the variables are read in the worker, at the first request", function()
    proxy = assert(socket.bind("127.0.0.1", 0))
    local _, port = proxy:getsockname()
    n = nginx.start{
      workers = 1,
      main = "env https_proxy=http://127.0.0.1:" .. port .. ";",
      http = [[
        init_by_lua_block {
          CURL_CLIENT = require("batch").new{ transport = "curl", base_url = "https://127.0.0.1:9",
                                              api_key = "K", rest_key = "R", max_retries = 0, timeout = 5 }
        }
      ]],
      conf_body = [[
        location = /get {
          content_by_lua_block {
            local c, err = CURL_CLIENT.campaigns:get("abc")
            ngx.say(c and "ok" or err.name)
          }
        }
      ]],
    }
    local s = send_get(n, "/get")
    proxy:settimeout(10)
    local conn = assert(proxy:accept(), "the worker's request never reached the proxy")
    conn:settimeout(5)
    local first = conn:receive("*l")
    conn:send("HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
    conn:close()
    local status, body = read_answer(s)
    assert.equal("CONNECT 127.0.0.1:9 HTTP/1.1", first)
    assert.equal(200, status)
    assert.equal("NETWORK_ERROR", (body:gsub("%s+$", "")))
  end)
end)

describe("examples/nginx/nginx.conf", function()
  local m, n

  -- The example with what a test run needs instead of the user's values: a free port, a temporary
  -- prefix, this checkout's paths, a daemon with a pid file. Each line replaced must be found once.
  local function example_conf()
    local text = assert(read_file(nginx.root .. "/examples/nginx/nginx.conf"))
    local function sub(pattern, repl)
      local out, count = text:gsub(pattern, function() return repl end)
      assert(count == 1, "examples/nginx/nginx.conf: expected one match of " .. pattern .. ", got " .. count)
      text = out
    end
    sub("load_module /usr/lib/nginx/modules/ndk_http_module%.so;", "load_module ${modules}/ndk_http_module.so;")
    sub("load_module /usr/lib/nginx/modules/ngx_http_lua_module%.so;",
        "load_module ${modules}/ngx_http_lua_module.so;")
    sub("\ndaemon off;", "\n${user}\ndaemon on;")
    sub("\nerror_log [^\n]*;", "\nerror_log ${prefix}/error.log warn;")
    sub("\npid [^\n]*;", "\npid ${pid};")
    sub('lua_package_path "[^"]*";', 'lua_package_path "' .. nginx.root .. '/examples/nginx/lua/?.lua;${lua_path}";')
    sub('lua_package_cpath "[^"]*";', 'lua_package_cpath "${lua_cpath}";')
    sub("listen 127%.0%.0%.1:8080;", "listen 127.0.0.1:${port};")
    sub("\nhttp {\n", "\nhttp {\n  client_body_temp_path ${prefix}/tmp/body; proxy_temp_path ${prefix}/tmp/proxy;\n"
        .. "  fastcgi_temp_path ${prefix}/tmp/fastcgi; uwsgi_temp_path ${prefix}/tmp/uwsgi;\n"
        .. "  scgi_temp_path ${prefix}/tmp/scgi;\n")
    return text
  end

  setup(function()
    m = mock.start()
    n = nginx.start{
      conf = example_conf(),
      env = { BATCH_API_KEY = m.keys.api_key, BATCH_REST_API_KEY = m.keys.rest_key, BATCH_BASE_URL = m.url },
    }
  end)

  it("does not start without the keys, and says which one is missing", function()
    local ok, why = pcall(nginx.start, { conf = example_conf(), env = { BATCH_API_KEY = m.keys.api_key,
                                                                         BATCH_BASE_URL = m.url } })
    if ok then why:stop() end
    assert.is_false(ok)
    assert.matches("campaign_gateway: BATCH_REST_API_KEY is not set", why, 1, true)
    assert.matches("env BATCH_REST_API_KEY;", why, 1, true)
  end)

  it("passes Batch's 429 on as 429 with Retry-After, within the deadline", function()
    local c = batch.new{ api_key = m.keys.api_key, rest_key = m.keys.rest_key, base_url = m.url }
    local token = assert(c.campaigns:list{ limit = 1 })[1].campaign_token
    c:close()
    m:fault{ path = "/campaigns/" .. token, status = 429, retry_after = "30", count = 5 }
    local t0 = socket.gettime()
    local out = {}
    local _, status, headers = http.request{ url = n.url .. "/campaigns/" .. token, sink = ltn12.sink.table(out) }
    local took = socket.gettime() - t0
    m:clear_faults()
    assert.equal(429, status)
    assert.equal("30", headers["retry-after"])
    assert.equal("TOO_MANY_REQUESTS", cjson.decode(table.concat(out)).error)
    assert.is_true(took < 3.5, "the request took " .. took .. " s (the example's deadline is 3 s)")
  end)

  it("answers JSON without escaping '/' (cjson's default), as Batch wrote it", function()
    local c = batch.new{ api_key = m.keys.api_key, rest_key = m.keys.rest_key, base_url = m.url }
    local made = assert(c.campaigns:create{ name = "Slashes", live = true, push_time = "now",
      messages = { { language = "en", body = "x", deeplink = "https://example.com/a/b" } } })
    c:close()
    local status, body = n:get("/campaigns/" .. made.campaign_token)
    assert.equal(200, status, body)
    assert.matches("https://example.com/a/b", body, 1, true)
  end)

  teardown(function()
    if n then n:stop() end
    if m then m:stop() end
  end)

  it("answers GET /campaigns/<token> with the campaign, and a 404 with the error's name", function()
    local c = batch.new{ api_key = m.keys.api_key, rest_key = m.keys.rest_key, base_url = m.url }
    local want = assert(c.campaigns:list{ limit = 1 })[1]
    c:close()
    local status, body = n:get("/campaigns/" .. want.campaign_token)
    assert.equal(200, status, body)
    local got = cjson.decode(body)
    assert.equal(want.campaign_token, got.campaign_token)
    assert.equal(want.name, got.name)
    status, body = n:get("/campaigns/nosuchcampaign")
    assert.equal(404, status, body)
    assert.equal("ROUTE_NOT_FOUND", cjson.decode(body).error)
    assert.equal("", n:new_errors())
  end)
end)
