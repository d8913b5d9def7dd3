-- The retry policy and the per-call deadline of the contract (shared/lua-api.md, Retries):
--   reads (GET) and downloads retry on 429, 500, 502, 503, 504, TIMEOUT and NETWORK_ERROR;
--   writes (POST) only when the request never reached the server, or on 429/503;
--   capped exponential backoff with full jitter; a 429 waits >= 5 s or Retry-After when it says more;
--   err.attempts; on_event "retry" with the delay; no attempt, backoff or poll past the deadline.
-- Part 1 drives the client through a scripted function transport with an injected clock (instant);
-- part 2 runs the same rules against the emulator's faults.
local batch = require "batch"
local retry = require "batch.engine.policy"
local mock = require "spec.support.mock"
local file_util = require "spec.support.files"

local EPS = 1e-6

-- A fake clock: now() reads t, sleep(s) records s and moves t.
local function new_clock()
  local clock = { t = 1000, sleeps = {} }
  function clock.now() return clock.t end
  function clock.sleep(s)
    clock.sleeps[#clock.sleeps + 1] = s
    clock.t = clock.t + s
  end
  return clock
end

local function json_res(status, body, headers)
  local h = { ["content-type"] = "application/json" }
  for k, v in pairs(headers or {}) do h[k] = v end
  return { status = status, headers = h, body = body }
end

local ERROR_BODY = {
  [400] = '{"code":31,"message":"bad"}', [401] = '{"code":10,"message":"auth"}',
  [403] = '{"code":12,"message":"misuse"}', [404] = '{"code":20,"message":"not found"}',
  [429] = '{"code":60,"message":"slow down"}', [500] = '{"code":0,"message":"oops"}',
  [502] = "<html>bad gateway</html>", [503] = '{"code":2,"message":"maintenance"}',
  [504] = "<html>gateway timeout</html>", [501] = "not implemented",
}

-- A client over a scripted transport: `script` is a list of answers, one per attempt, each
-- { status = N, headers = {...} } or { err = { name, sent } }; past its end every attempt succeeds.
local function scripted(script, extra)
  local clock = new_clock()
  local seen, events = {}, {}
  local o = {
    api_key = "APIKEY", rest_key = "RESTKEY", base_url = "https://api.example.test",
    max_retries = 3, now = clock.now, sleep = clock.sleep,
    on_event = function(ev) events[#events + 1] = ev end,
    transport = function(req)
      seen[#seen + 1] = req
      local step = script[#seen]
      if step == nil then
        if req.method == "POST" then return json_res(201, '{"campaign_token":"abc"}') end
        return json_res(200, '[{"campaign_token":"abc"}]')
      end
      if step.err then return nil, step.err end
      return json_res(step.status, step.body or ERROR_BODY[step.status] or "{}", step.headers)
    end,
  }
  for k, v in pairs(extra or {}) do o[k] = v end
  return batch.new(o), clock, seen, events
end

local function call(c, method)
  if method == "GET" then return c.campaigns:list() end
  return c.campaigns:create{ name = "x", messages = { { body = "hi" } } }
end

describe("retry policy (scripted transport, injected clock)", function()
  -- One row per (method, failure): whether a second attempt is made.
  local ROWS = {
    { "GET", { status = 429 }, true }, { "GET", { status = 500 }, true }, { "GET", { status = 502 }, true },
    { "GET", { status = 503 }, true }, { "GET", { status = 504 }, true },
    { "GET", { err = { name = "TIMEOUT", sent = true } }, true },
    { "GET", { err = { name = "NETWORK_ERROR", sent = true } }, true },
    { "GET", { err = { name = "NETWORK_ERROR", sent = false } }, true },
    { "GET", { status = 400 }, false }, { "GET", { status = 401 }, false }, { "GET", { status = 403 }, false },
    { "GET", { status = 404 }, false }, { "GET", { status = 501 }, false },
    { "GET", { err = { name = "TLS_ERROR", sent = false } }, false },
    { "GET", { err = { name = "RESPONSE_TOO_LARGE", sent = true } }, false },
    { "GET", { status = 200, body = "{not json" }, false },
    { "POST", { status = 429 }, true }, { "POST", { status = 503 }, true },
    { "POST", { err = { name = "NETWORK_ERROR", sent = false } }, true },
    { "POST", { err = { name = "TIMEOUT", sent = false } }, true },
    { "POST", { status = 500 }, false }, { "POST", { status = 502 }, false }, { "POST", { status = 504 }, false },
    { "POST", { status = 400 }, false }, { "POST", { status = 401 }, false },
    { "POST", { err = { name = "NETWORK_ERROR", sent = true } }, false },
    { "POST", { err = { name = "TIMEOUT", sent = true } }, false },
    { "POST", { err = { name = "NETWORK_ERROR" } }, false },  -- a transport that cannot tell: not retried
    { "POST", { err = { name = "TLS_ERROR", sent = false } }, false },
  }
  for _, row in ipairs(ROWS) do
    local method, step, retried = row[1], row[2], row[3]
    local what = step.status and ("HTTP " .. step.status .. (step.body and " (bad JSON)" or ""))
      or (step.err.name .. " sent=" .. tostring(step.err.sent))
    it(("%s, %s: %s"):format(method, what, retried and "retried" or "not retried"), function()
      local c, clock, seen = scripted{ step }
      local res, err = call(c, method)
      if retried then
        assert.is_nil(err)
        assert.is_table(res)
        assert.equal(2, #seen)
        assert.equal(1, #clock.sleeps)
      else
        assert.is_nil(res)
        assert.is_true(batch.is_error(err))
        assert.equal(1, err.attempts)
        assert.is_false(err.retryable)
        assert.equal(1, #seen)
        assert.equal(0, #clock.sleeps)
      end
    end)
  end

  it("gives up after max_retries: err.attempts, err.retryable and the last error", function()
    for _, n in ipairs{ 0, 1, 3, 5 } do
      local script = {}
      for i = 1, n + 5 do script[i] = { status = 503 } end
      local c, clock, seen = scripted(script, { max_retries = n })
      local _, err = c.campaigns:get("abc")
      assert.equal("MAINTENANCE_ERROR", err.name)
      assert.equal(n + 1, err.attempts)
      assert.equal(n + 1, #seen)
      assert.equal(n, #clock.sleeps)
      assert.is_true(err.retryable)
    end
  end)

  it("backoff: full jitter under a cap that doubles from 0.5 s up to 30 s", function()
    local lo, hi = {}, {}
    for _ = 1, 200 do
      local script = {}
      for i = 1, 12 do script[i] = { status = 500 } end
      local c, clock = scripted(script, { max_retries = 10 })
      c.campaigns:list()
      for n, s in ipairs(clock.sleeps) do
        local cap = math.min(30, 0.5 * 2 ^ (n - 1))
        assert.is_true(s >= 0 and s <= cap + 0.001, ("attempt %d slept %g > cap %g"):format(n, s, cap))
        lo[n] = math.min(lo[n] or math.huge, s / cap)
        hi[n] = math.max(hi[n] or 0, s / cap)
      end
    end
    for n = 1, 10 do  -- full jitter: the delays spread over the whole [0, cap]
      assert.is_true(lo[n] < 0.1, "attempt " .. n .. " never waited little: " .. lo[n])
      assert.is_true(hi[n] > 0.9, "attempt " .. n .. " never waited near the cap: " .. hi[n])
    end
  end)

  it("429: waits at least 5 s; Retry-After in seconds when it says more", function()
    local cases = { { nil, 5, 5.5 }, { "2", 5, 5.5 }, { "7", 7, 7.001 }, { "120", 120, 120.001 },
                    { "soon", 5, 5.5 }, { "", 5, 5.5 }, { "-3", 5, 5.5 } }
    for _, case in ipairs(cases) do
      local c, clock = scripted{ { status = 429, headers = { ["retry-after"] = case[1] } } }
      assert(c.campaigns:list())
      local s = clock.sleeps[1]
      assert.is_true(s >= case[2] and s <= case[3], ("Retry-After %s: slept %g"):format(tostring(case[1]), s))
    end
  end)

  it("429: Retry-After as an HTTP-date", function()
    local function date(offset) return os.date("!%a, %d %b %Y %H:%M:%S GMT", os.time() + offset) end
    for _, case in ipairs{ { 40, 38, 40.5 }, { 3, 5, 5.5 }, { -60, 5, 5.5 } } do
      local c, clock = scripted{ { status = 429, headers = { ["retry-after"] = date(case[1]) } } }
      assert(c.campaigns:list())
      local s = clock.sleeps[1]
      assert.is_true(s >= case[2] and s <= case[3], ("date now%+d: slept %g"):format(case[1], s))
    end
    -- a date two minutes after "now" (both read as UTC)
    local now = 1445412480  -- Wed, 21 Oct 2015 07:28:00 GMT
    assert.equal(120, retry.parse_retry_after("Wed, 21 Oct 2015 07:30:00 GMT", now))
    assert.equal(0, retry.parse_retry_after("Wed, 21 Oct 2015 07:00:00 GMT", now))
  end)

  it("503 and 500: Retry-After stretches the jittered backoff", function()
    local c, clock = scripted{ { status = 503, headers = { ["retry-after"] = "3" } } }
    assert(c.campaigns:list())
    assert.is_true(clock.sleeps[1] >= 3 and clock.sleeps[1] <= 3.001)
    local c2, clock2 = scripted{ { status = 500, headers = { ["retry-after"] = "0" } } }
    assert(c2.campaigns:list())
    assert.is_true(clock2.sleeps[1] <= 0.5)
  end)

  it("err.retry_after is read from a 429's Retry-After", function()
    local c = scripted({ { status = 429, headers = { ["retry-after"] = "9" } } }, { max_retries = 0 })
    local _, err = c.campaigns:list()
    assert.equal("TOO_MANY_REQUESTS", err.name)
    assert.equal(9, err.retry_after)
    assert.equal(60, err.code)
  end)

  it("on_event: request/response per attempt, and a retry event carrying the delay slept", function()
    local c, clock, _, events = scripted{ { status = 500 }, { err = { name = "NETWORK_ERROR", sent = true } },
                                          { status = 429, headers = { ["retry-after"] = "6" } } }
    assert(c.campaigns:list())
    local retries, requests, responses = {}, 0, 0
    for _, ev in ipairs(events) do
      if ev.type == "retry" then retries[#retries + 1] = ev end
      if ev.type == "request" then requests = requests + 1 end
      if ev.type == "response" then responses = responses + 1 end
    end
    assert.equal(4, requests)
    assert.equal(4, responses)
    assert.equal(3, #retries)
    for i, ev in ipairs(retries) do
      assert.equal(clock.sleeps[i], ev.delay)
      assert.equal(i, ev.attempt)
      assert.equal("GET", ev.method)
      assert.matches("/1.1/%*%*%*/campaigns/list", ev.url)
    end
    assert.equal(500, retries[1].status)
    assert.equal("NETWORK_ERROR", retries[2].error)
    assert.equal(429, retries[3].status)
    assert.is_true(retries[3].delay >= 6)
  end)
end)

-- A fake Batch behind a function transport, on an injected clock: each attempt costs `cost` seconds
-- (or the attempt's timeout, if shorter: then it is a TIMEOUT). `fail` names the routes that answer 503;
-- `pending` makes exports never finish. Every attempt is recorded with its start time and timeout.
local function fake_batch(fail, opts)
  opts = opts or {}
  local clock = new_clock()
  local cost = opts.cost or 1
  local attempts, events = {}, {}
  local base = "http://fake.test"
  local info = { id = "req1", status = opts.pending and "PENDING" or "SUCCESS",
                 file_url = base .. "/1.0/APIKEY/export/request/req1/results/x.csv" }
  if opts.pending then info.file_url = nil end
  local view = { id = "export_1", status = opts.pending and "RUNNING" or "SUCCESS",
                 files = not opts.pending and {
                   { id = "f1", part = 1, size = 3, url = base .. "/2.4/exports/download?id=f1" },
                   { id = "f2", part = 2, size = 3, url = base .. "/2.4/exports/download?id=f2" } } or nil }
  local cjson = require "cjson"
  local ROUTES = {
    { "/_storage/", "storage", function(req)
        if req.sink then
          local f = assert(io.open(req.sink, "wb"))
          f:write("a;b\n")
          f:close()
        end
        return { status = 200, headers = {}, bytes = 4 }
      end },
    { "/results/", "link", function()
        return { status = 302, headers = { location = base .. "/_storage/x?sig=1" } } end },
    { "/exports/download", "link", function()
        return { status = 307, headers = { location = base .. "/_storage/y?sig=2" } } end },
    { "/export/requests", "list", function() return json_res(200, cjson.encode{ info }) end },
    { "/export/request/", "info", function() return json_res(200, cjson.encode(info)) end },
    { "/export/campaign/", "create", function() return json_res(201, cjson.encode(info)) end },
    { "/exports/view", "info", function() return json_res(200, cjson.encode(view)) end },
    { "/exports/list", "list", function()
        return json_res(200, '{"exports":[{"id":"export_1"}],"has_more":true,"next_from":"x"}') end },
    { "/profiles/export", "create", function() return json_res(202, '{"id":"export_1"}') end },
    { "campaigns/list", "list", function()
        local page = {}
        for i = 1, 100 do page[i] = { campaign_token = "t" .. i } end
        return json_res(200, cjson.encode(page))
      end },
    { "campaigns/stats/", "info", function() return json_res(200, '{"campaign_token":"abc","detail":[]}') end },
    { "campaigns/create", "create", function() return json_res(201, '{"campaign_token":"abc"}') end },
    { "campaigns/", "info", function(req)
        if req.method == "POST" then return json_res(200, "{}") end
        return json_res(200, '{"campaign_token":"abc"}')
      end },
  }
  local client = batch.new{
    api_key = "APIKEY", rest_key = "RESTKEY", project_key = "project_x", base_url = base,
    max_retries = 1000, timeout = opts.timeout or 30, now = clock.now, sleep = clock.sleep,
    on_event = function(ev) ev.at = clock.t events[#events + 1] = ev end,
    transport = function(req)
      attempts[#attempts + 1] = { url = req.url, method = req.method, timeout = req.timeout, at = clock.t }
      if req.timeout and req.timeout > 0 and req.timeout < cost then
        clock.t = clock.t + req.timeout
        return nil, { name = "TIMEOUT", message = "fake timeout", sent = true }
      end
      clock.t = clock.t + cost
      for _, r in ipairs(ROUTES) do
        if req.url:find(r[1], 1, true) then
          if fail[r[2]] then return json_res(503, ERROR_BODY[503]) end
          return r[3](req)
        end
      end
      return json_res(404, ERROR_BODY[404])
    end,
  }
  return client, clock, attempts, events
end

describe("deadline: one per call, on every method that takes options (injected clock)", function()
  local dir
  setup(function()
    dir = file_util.tmpdir()
  end)
  teardown(function() file_util.remove_tree(dir) end)

  local function drain(iter)
    for v, err in iter do
      if v == false then return nil, err end
    end
    return true
  end

  local ALL = { list = true, info = true, create = true, link = true, storage = true }
  local BODY = { name = "x", messages = { { body = "hi" } } }
  local EXP = { campaign = "abc", kind = "events", from = "now", to = "now", events = { "push_sent" },
                ids = { "install_id" } }
  -- { label, routes that fail, call(client, deadline) -> res, err, extra fake options }
  local METHODS = {
    { "campaigns:get", ALL, function(c, d) return c.campaigns:get("abc", { deadline = d }) end },
    { "campaigns:list", ALL, function(c, d) return c.campaigns:list{ deadline = d } end },
    { "campaigns:each", ALL, function(c, d) return drain(c.campaigns:each{ deadline = d }) end },
    { "campaigns:each (many pages)", {}, function(c, d) return drain(c.campaigns:each{ deadline = d }) end },
    { "campaigns:stats", ALL, function(c, d) return c.campaigns:stats("abc", { deadline = d }) end },
    { "campaigns:create", ALL, function(c, d) return c.campaigns:create(BODY, { deadline = d }) end },
    { "campaigns:update", ALL, function(c, d) return c.campaigns:update("abc", BODY, { deadline = d }) end },
    { "campaigns:delete", ALL, function(c, d) return c.campaigns:delete("abc", { deadline = d }) end },
    { "inapp_campaigns:get", ALL, function(c, d) return c.inapp_campaigns:get("abc", { deadline = d }) end },
    { "inapp_campaigns:list", ALL, function(c, d) return c.inapp_campaigns:list{ deadline = d } end },
    { "exports:create", ALL, function(c, d)
        local spec = {}
        for k, v in pairs(EXP) do spec[k] = v end
        spec.deadline = d
        return c.exports:create(spec)
      end },
    { "exports:get", ALL, function(c, d) return c.exports:get("req1", { deadline = d }) end },
    { "exports:list", ALL, function(c, d) return c.exports:list{ deadline = d } end },
    { "exports:wait (timeout)", {}, function(c, d) return c.exports:wait("req1", { timeout = d, interval = 0.7 }) end,
      { pending = true } },
    { "exports:wait (failing polls)", ALL, function(c, d) return c.exports:wait("req1", { timeout = d }) end },
    { "exports:download_url", { link = true }, function(c, d)
        return c.exports:download_url("req1", { deadline = d }) end },
    { "exports:download", { storage = true }, function(c, d)
        return c.exports:download("req1", dir .. "/e.csv", { deadline = d }) end },
    { "exports:download (slow storage)", {}, function(c, d)
        return c.exports:download("req1", dir .. "/e.csv", { deadline = d }) end, { cost = 4 } },
    { "exports:rows", { storage = true }, function(c, d) return drain(c.exports:rows("req1", { deadline = d })) end },
    { "profiles:export", ALL, function(c, d)
        return c.profiles:export({ export_type = "ATTRIBUTES", attributes = { "a" } }, { deadline = d }) end },
    { "project_exports:get", ALL, function(c, d) return c.project_exports:get("export_1", { deadline = d }) end },
    { "project_exports:list", ALL, function(c, d) return c.project_exports:list{ deadline = d } end },
    { "project_exports:each", {}, function(c, d) return drain(c.project_exports:each{ deadline = d }) end },
    { "project_exports:wait (timeout)", {}, function(c, d)
        return c.project_exports:wait("export_1", { timeout = d, interval = 0.7 }) end, { pending = true } },
    { "project_exports:download", { storage = true }, function(c, d)
        return c.project_exports:download("export_1", dir, { deadline = d }) end },
    { "project_exports:records", { link = true }, function(c, d)
        return drain(c.project_exports:records("export_1", { deadline = d })) end },
  }

  for _, m in ipairs(METHODS) do
    local label, fail, fn, fopts = m[1], m[2], m[3], m[4]
    it(label .. ": no attempt, backoff or poll past the deadline; attempts cut to what remains", function()
      local deadline = 7.5
      local c, clock, attempts, events = fake_batch(fail, fopts)
      local start = clock.t
      local res, err = fn(c, deadline)
      assert.is_nil(res, label .. " should have failed")
      assert.is_true(batch.is_error(err), label .. ": " .. tostring(err))
      local limit = start + deadline
      assert.is_true(clock.t <= limit + EPS, ("%s ended at +%g s"):format(label, clock.t - start))
      assert.is_true(#attempts >= 2, label .. ": only " .. #attempts .. " attempts")
      for i, a in ipairs(attempts) do
        assert.is_true(a.at < limit, ("%s: attempt %d started at +%g"):format(label, i, a.at - start))
        assert.is_true(a.timeout > 0 and a.timeout <= limit - a.at + EPS,
                       ("%s: attempt %d timeout %g with %g left"):format(label, i, a.timeout, limit - a.at))
      end
      for _, ev in ipairs(events) do
        if ev.type == "retry" then assert.is_true(ev.at + ev.delay < limit + EPS, label .. ": a retry past it") end
      end
      -- the last failure (Batch's 503, or storage's as HTTP_ERROR), a TIMEOUT, or the wait's end
      local want = { TIMEOUT = true, MAINTENANCE_ERROR = true, HTTP_ERROR = true, WAIT_TIMEOUT = true }
      assert.is_true(want[err.name] == true, label .. ": " .. tostring(err))
      os.remove(dir .. "/e.csv")
    end)
  end

  it("a deadline of 0 (or already passed) sends nothing and gives TIMEOUT", function()
    local c, _, attempts = fake_batch({})
    for _, d in ipairs{ 0, -5 } do
      local _, err = c.campaigns:get("abc", { deadline = d })
      assert.equal("TIMEOUT", err.name)
      _, err = c.exports:download("req1", dir .. "/z.csv", { deadline = d })
      assert.equal("TIMEOUT", err.name)
    end
    assert.equal(0, #attempts)
    assert.is_nil(io.open(dir .. "/z.csv"))
  end)

  it("a Retry-After that goes past the deadline ends the call at once, without sleeping", function()
    local c, clock, seen = scripted({ { status = 429, headers = { ["retry-after"] = "60" } } })
    local _, err = c.campaigns:list{ deadline = 30 }
    assert.equal("TOO_MANY_REQUESTS", err.name)
    assert.equal(1, err.attempts)
    assert.equal(1, #seen)
    assert.equal(0, #clock.sleeps)
  end)

  it("a per-call timeout caps each attempt, and the deadline cuts it further", function()
    local c, _, seen = scripted({ { status = 500 }, { status = 500 } })
    assert(c.campaigns:list{ timeout = 2, deadline = 100 })
    assert.equal(2, seen[1].timeout)
    local c2, _, seen2 = scripted({})
    assert(c2.campaigns:list{ timeout = 20, deadline = 1.5 })
    assert.equal(1.5, seen2[1].timeout)
    assert.equal(1.5, seen2[1].connect_timeout)
  end)

  it("wrong deadline or timeout types raise, on every method", function()
    local c = fake_batch({})
    local bad = { { deadline = "5" }, { timeout = "5" }, { timeout = 0 }, { timeout = -1 }, { deadline = 0 / 0 },
                  { nope = 1 } }
    for _, o in ipairs(bad) do
      assert.has_error(function() c.campaigns:get("abc", o) end)
      assert.has_error(function() c.campaigns:list(o) end)
      assert.has_error(function() c.campaigns:each(o) end)
      assert.has_error(function() c.exports:get("req1", o) end)
      assert.has_error(function() c.exports:list(o) end)
      assert.has_error(function() c.exports:download_url("req1", o) end)
      assert.has_error(function() c.exports:download("req1", dir .. "/x", o) end)
      assert.has_error(function() c.project_exports:get("export_1", o) end)
      assert.has_error(function() c.project_exports:list(o) end)
      assert.has_error(function() c.project_exports:download("export_1", dir, o) end)
      assert.has_error(function() c.profiles:export({ export_type = "ATTRIBUTES", attributes = { "a" } }, o) end)
    end
  end)
end)

describe("retries against the emulator", function()
  local m, keys, dir, token
  setup(function()
    m = mock.start()
    keys = m.keys
    dir = file_util.tmpdir()
  end)
  teardown(function()
    m:stop()
    file_util.remove_tree(dir)
  end)

  -- A client whose sleeps are recorded, not slept (unless real = true).
  local function new(extra)
    local slept, events = {}, {}
    local o = { api_key = keys.api_key, rest_key = keys.rest_key, project_key = keys.project_key,
                base_url = m.url, max_retries = 3,
                sleep = function(s) slept[#slept + 1] = s end,
                on_event = function(ev) events[#events + 1] = ev end }
    for k, v in pairs(extra or {}) do o[k] = v end
    if o.sleep == false then o.sleep = nil end
    return batch.new(o), slept, events
  end

  local function count_path(log, pattern)
    local n = 0
    for _, r in ipairs(log) do if r.path:find(pattern) then n = n + 1 end end
    return n
  end

  before_each(function()
    m:reset()
    m:exports_config{ pending_after = 0, done_after = 0, rows = 20 }
    if not token then
      local c = new()
      token = assert(c.campaigns:list{ limit = 1 })[1].campaign_token
      c:close()
    end
    m:clear_log()
  end)

  local READ_FAULTS = {
    { "status 429", { status = 429 } }, { "status 500", { status = 500 } }, { "status 502", { status = 502 } },
    { "status 503", { status = 503 } }, { "status 504", { status = 504 } }, { "drop", { action = "drop" } },
    { "truncate", { action = "truncate" } },
  }
  for _, f in ipairs(READ_FAULTS) do
    it("GET with " .. f[1] .. " is retried and succeeds", function()
      local c, slept, events = new()
      local spec = { path = "/campaigns/" .. token, method = "GET" }
      for k, v in pairs(f[2]) do spec[k] = v end
      m:fault(spec)
      local res, err = c.campaigns:get(token)
      c:close()
      assert.is_nil(err)
      assert.equal(token, res.campaign_token)
      assert.equal(2, #m:log())
      assert.equal(1, #slept)
      if f[2].status == 429 then assert.is_true(slept[1] >= 5) end
      local retries = {}
      for _, ev in ipairs(events) do if ev.type == "retry" then retries[#retries + 1] = ev end end
      assert.equal(1, #retries)
      assert.equal(slept[1], retries[1].delay)
    end)
  end

  it("GET with an answer slower than the timeout: TIMEOUT, retried", function()
    local c, slept = new{ timeout = 0.3 }
    m:fault{ path = "/campaigns/" .. token, delay = 1 }
    local res, err = c.campaigns:get(token)
    c:close()
    assert.is_nil(err)
    assert.is_table(res)
    assert.equal(1, #slept)
    assert.equal(2, count_path(m:log(), "/campaigns/"))
  end)

  it("GET with 400, 401, 404 is not retried", function()
    for _, s in ipairs{ 400, 401, 404 } do
      m:clear_log()
      local c, slept = new()
      m:fault{ path = "/campaigns/" .. token, status = s }
      local _, err = c.campaigns:get(token)
      c:close()
      assert.equal(s, err.status)
      assert.equal(1, err.attempts)
      assert.equal(1, #m:log())
      assert.equal(0, #slept)
    end
  end)

  it("GET exhausting max_retries on 502 reports every attempt", function()
    local c, slept = new{ max_retries = 2 }
    m:fault{ path = "/campaigns/list", status = 502, count = 10 }
    local _, err = c.campaigns:list()
    c:close()
    assert.equal(502, err.status)
    assert.equal(3, err.attempts)
    assert.is_true(err.retryable)
    assert.equal(2, #slept)
    assert.equal(3, #m:log())
  end)

  local function create(c)
    return c.campaigns:create{ name = "retry-spec", live = true, messages = { { language = "en", body = "hi" } } }
  end

  for _, s in ipairs{ 429, 503 } do
    it("POST with status " .. s .. " is retried (Batch answers it before doing anything)", function()
      local c, slept = new()
      m:fault{ path = "/campaigns/create", status = s }
      local res, err = create(c)
      c:close()
      assert.is_nil(err)
      assert.is_string(res.campaign_token)
      assert.equal(2, #m:log())
      if s == 429 then assert.is_true(slept[1] >= 5) end
    end)
  end

  local WRITE_NOT_RETRIED = {
    { "status 500", { status = 500 }, "SERVER_ERROR" }, { "status 502", { status = 502 } },
    { "status 504", { status = 504 } },
    { "drop (sent, no answer)", { action = "drop" }, "NETWORK_ERROR" },
    { "truncate (sent, processed, answer cut)", { action = "truncate" }, "NETWORK_ERROR" },
    { "an answer slower than the timeout", { delay = 1 }, "TIMEOUT" },
  }
  for _, f in ipairs(WRITE_NOT_RETRIED) do
    it("POST with " .. f[1] .. " is not retried: 1 attempt", function()
      local c, slept = new{ timeout = 0.3 }
      local spec = { path = "/campaigns/create" }
      for k, v in pairs(f[2]) do spec[k] = v end
      m:fault(spec)
      local _, err = create(c)
      c:close()
      assert.is_true(batch.is_error(err))
      if f[3] then assert.equal(f[3], err.name) end
      assert.equal(1, err.attempts)
      assert.is_false(err.retryable)
      assert.equal(0, #slept)
      assert.equal(1, count_path(m:log(), "/campaigns/create"))
    end)
  end

  it("POST on a reused keep-alive connection that is dropped: sent once, not resent by libcurl", function()
    local c, slept = new()
    assert(c.campaigns:list{ limit = 1 })
    m:clear_log()
    m:fault{ path = "/campaigns/create", action = "drop" }
    local _, err = create(c)
    c:close()
    assert.equal("NETWORK_ERROR", err.name)
    assert.equal(1, err.attempts)
    assert.equal(0, #slept)
    assert.equal(1, count_path(m:log(), "/campaigns/create"))
  end)

  it("POST to a port where nothing listens (never sent) is retried up to max_retries", function()
    local s = require("socket").bind("127.0.0.1", 0)
    local _, port = s:getsockname()
    s:close()
    local c, slept = new{ base_url = "http://127.0.0.1:" .. port, max_retries = 2 }
    local _, err = create(c)
    c:close()
    assert.equal("NETWORK_ERROR", err.name)
    assert.equal(3, err.attempts)
    assert.equal(2, #slept)
  end)

  it("429 with Retry-After in seconds: waits that long", function()
    local c, slept = new()
    m:fault{ path = "/campaigns/list", status = 429, retry_after = "11" }
    assert(c.campaigns:list())
    c:close()
    assert.is_true(slept[1] >= 11 and slept[1] < 11.01, "slept " .. slept[1])
  end)

  it("429 with Retry-After as an HTTP-date: waits until then", function()
    local c, slept = new()
    m:fault{ path = "/campaigns/list", status = 429,
             retry_after = os.date("!%a, %d %b %Y %H:%M:%S GMT", os.time() + 30) }
    assert(c.campaigns:list())
    c:close()
    assert.is_true(slept[1] >= 28 and slept[1] <= 30.5, "slept " .. slept[1])
  end)

  it("429 with a small Retry-After still waits 5 s; 503 with Retry-After waits that long", function()
    local c, slept = new()
    m:fault{ path = "/campaigns/list", status = 429, retry_after = "1" }
    m:fault{ path = "/campaigns/list", status = 503, retry_after = "4" }
    assert(c.campaigns:list())
    c:close()
    assert.is_true(slept[1] >= 5, "slept " .. slept[1])
    assert.is_true(slept[2] >= 4, "slept " .. slept[2])
  end)

  local function finished_export(c)
    local req = assert(c.exports:create{ campaign = token, kind = "events", from = "now", to = "now",
                                         events = { "push_sent" }, ids = { "install_id" } })
    return assert(c.exports:wait(req, { interval = 0.05 }))
  end

  -- { name, fault, storage requests seen }. A drop on a reused keep-alive connection (the link request
  -- came first on it) is resent once by libcurl itself on a new connection (a GET: harmless), so the
  -- drop fault takes two requests before the client's own retry.
  local DOWNLOAD_FAULTS = {
    { "status 500", { status = 500 }, 2 }, { "status 502", { status = 502 }, 2 },
    { "status 503", { status = 503 }, 2 }, { "status 504", { status = 504 }, 2 },
    { "status 429", { status = 429 }, 2 }, { "drop", { action = "drop", count = 2 }, 3 },
    { "truncate", { action = "truncate" }, 2 },
  }
  for _, f in ipairs(DOWNLOAD_FAULTS) do
    it("download with storage " .. f[1] .. " is retried; the file is whole", function()
      local c, slept, events = new()
      local info = finished_export(c)
      m:clear_log()
      local spec = { path = "/_storage/" }
      for k, v in pairs(f[2]) do spec[k] = v end
      m:fault(spec)
      local path = dir .. "/d.csv"
      local res, err = c.exports:download(info, path)
      c:close()
      assert.is_nil(err)
      assert.equal(path, res.path)
      local fh = assert(io.open(path, "rb"))
      local size = #fh:read("*a")
      fh:close()
      os.remove(path)
      assert.equal(res.bytes, size)
      assert.same({}, file_util.temp_files_of(path))
      assert.equal(f[3], count_path(m:log(), "/_storage/"))
      assert.equal(1, #slept)
      if f[2].status == 429 then assert.is_true(slept[1] >= 5) end
      local retries = {}
      for _, ev in ipairs(events) do if ev.type == "retry" then retries[#retries + 1] = ev end end
      assert.equal(1, #retries)
      assert.equal(slept[1], retries[1].delay)
      assert.is_nil(retries[1].url:find("?", 1, true))
    end)
  end

  it("download: the link request itself is retried like a read", function()
    local c, slept = new()
    local info = finished_export(c)
    m:fault{ path = "/results/", status = 503 }
    local res, err = c.exports:download(info, dir .. "/l.csv")
    c:close()
    assert.is_nil(err)
    assert.is_true(res.bytes > 0)
    assert.equal(1, #slept)
    os.remove(dir .. "/l.csv")
  end)

  it("download: storage failing every time ends after max_retries, with no file", function()
    local c, slept = new{ max_retries = 2 }
    local info = finished_export(c)
    m:clear_log()
    m:fault{ path = "/_storage/", status = 500, count = 10 }
    local _, err = c.exports:download(info, dir .. "/f.csv")
    c:close()
    assert.equal("HTTP_ERROR", err.name)
    assert.equal(500, err.status)
    assert.equal(3, err.attempts)
    assert.equal(2, #slept)
    assert.is_nil(io.open(dir .. "/f.csv"))
    assert.same({}, file_util.temp_files_of(dir .. "/f.csv"))
  end)

  it("2.x download: every part is retried on its own", function()
    m:exports_config{ pending_after = 0, done_after = 0, rows = 30, parts = 3 }
    local c, slept = new()
    local job = assert(c.profiles:export{ export_type = "ATTRIBUTES", attributes = { "$region" } })
    local view = assert(c.project_exports:wait(job.id, { interval = 0.05 }))
    m:fault{ path = "/" .. view.files[1].id, status = 500 }
    m:fault{ path = "/" .. view.files[3].id, status = 503, count = 2 }
    m:clear_log()
    local files, err = c.project_exports:download(view, dir)
    c:close()
    assert.is_nil(err)
    assert.equal(3, #files)
    -- part 1 once more, part 3 twice more (parts may be fetched in parallel, rounds sharing one backoff)
    assert.is_true(#slept >= 2)
    assert.equal(6, count_path(m:log(), "/_storage/"))
    local per = {}
    for _, r in ipairs(m:log()) do
      for i, f in ipairs(view.files) do
        if r.path:find(f.id, 1, true) then per[i] = (per[i] or 0) + 1 end
      end
    end
    assert.same({ 2, 1, 3 }, per)
    for _, f in ipairs(files) do os.remove(f.path) end
  end)

  -- Real time from here on: the deadline against the emulator's delays.
  it("deadline: a slow answer is cut to what remains (real clock)", function()
    local c = new{ sleep = false }
    m:fault{ path = "/campaigns/list", delay = 5 }
    local t0 = require("socket").gettime()
    local _, err = c.campaigns:list{ deadline = 0.6 }
    local took = require("socket").gettime() - t0
    c:close()
    assert.equal("TIMEOUT", err.name)
    assert.is_true(took < 1.2, "took " .. took)
  end)

  it("deadline: attempts and backoffs together stay within it (real clock)", function()
    local c = new{ sleep = false, max_retries = 50 }
    m:fault{ path = "/campaigns/list", status = 500, delay = 0.15, count = 100 }
    local t0 = require("socket").gettime()
    local _, err = c.campaigns:list{ deadline = 1 }
    local took = require("socket").gettime() - t0
    c:close()
    assert.is_true(err.attempts >= 2, "attempts " .. err.attempts)
    assert.is_true(took < 1.3, "took " .. took)
  end)

  it("deadline: a stalled download ends in TIMEOUT at the deadline, with no file (real clock)", function()
    local c = new{ sleep = false }
    local info = finished_export(c)
    m:fault{ path = "/_storage/", action = "stall", delay = 5, count = 5 }
    local t0 = require("socket").gettime()
    local _, err = c.exports:download(info, dir .. "/s.csv", { deadline = 0.8 })
    local took = require("socket").gettime() - t0
    c:close()
    assert.equal("TIMEOUT", err.name)
    assert.is_true(took < 1.5, "took " .. took)
    assert.is_nil(io.open(dir .. "/s.csv"))
    assert.same({}, file_util.temp_files_of(dir .. "/s.csv"))
  end)

  it("wait: the timeout is one deadline over every poll (real clock)", function()
    m:exports_config{ pending_after = 0, done_after = 60 }
    local c = new{ sleep = false }
    local req = assert(c.exports:create{ campaign = token, kind = "events", from = "now", to = "now",
                                         events = { "push_sent" }, ids = { "install_id" } })
    local t0 = require("socket").gettime()
    local _, err = c.exports:wait(req, { timeout = 0.7, interval = 0.1 })
    local took = require("socket").gettime() - t0
    c:close()
    assert.equal("WAIT_TIMEOUT", err.name)
    assert.equal("PENDING", err.info.status)
    assert.is_true(took >= 0.7 and took < 1.2, "took " .. took)
  end)
end)
