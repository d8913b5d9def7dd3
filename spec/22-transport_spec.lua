-- The "curl" transport end to end: keep-alive, HTTPS verification, timeouts, network failures,
-- and the function transport.
local batch = require "batch"
local mock = require "spec.support.mock"

describe("transport", function()
  local m, keys
  setup(function() m = mock.start() keys = m.keys end)
  teardown(function() m:stop() end)
  before_each(function() m:reset() end)

  local function new(extra)
    local o = { api_key = keys.api_key, rest_key = keys.rest_key, base_url = m.url, sleep = function() end }
    for k, v in pairs(extra or {}) do o[k] = v end
    return batch.new(o)
  end

  it("100 sequential gets use one TCP connection", function()
    local c = new()
    local token = assert(c.campaigns:list{ limit = 1 })[1].campaign_token
    m:clear_log()
    for _ = 1, 100 do assert(c.campaigns:get(token)) end
    c:close()
    local log = m:log()
    assert.equal(100, #log)
    for _, r in ipairs(log) do assert.equal(log[1].connection, r.connection) end
  end)

  it("HTTPS: a server whose CA is unknown is refused with TLS_ERROR, not retried", function()
    local c = new{ base_url = m.tls_url }
    local _, err = c.campaigns:list()
    c:close()
    assert.equal("TLS_ERROR", err.name)
    assert.equal(1, err.attempts)
    assert.equal(0, #m:log())
  end)

  it("HTTPS: ca_file naming the emulator's CA makes it trusted", function()
    local c = new{ base_url = m.tls_url, ca_file = m.ca_file }
    local page, err = c.campaigns:list{ limit = 2 }
    c:close()
    assert.is_nil(err)
    assert.equal(2, #page)
    assert.equal("https", m:log()[1].scheme)
  end)

  it("HTTPS: verify_tls = false accepts the unknown CA", function()
    local c = new{ base_url = m.tls_url, verify_tls = false }
    assert(c.campaigns:list{ limit = 1 })
    c:close()
  end)

  it("a slow answer past the timeout gives TIMEOUT after the retries", function()
    local c = new{ timeout = 0.2, max_retries = 1 }
    m:fault{ path = "/campaigns/list", count = 2, delay = 1 }
    local _, err = c.campaigns:list()
    c:close()
    assert.equal("TIMEOUT", err.name)
    assert.equal(2, err.attempts)
    assert.is_true(err.retryable)
  end)

  it("the deadline bounds all attempts and backoffs together", function()
    local t = 0
    local c = new{ max_retries = 10, now = function() return t end, sleep = function(s) t = t + s end }
    m:fault{ path = "/campaigns/list", count = 20, status = 429 }
    local _, err = c.campaigns:list{ deadline = 12 }
    c:close()
    assert.equal("TOO_MANY_REQUESTS", err.name)
    assert.is_true(t < 12)
    assert.is_true(err.attempts >= 2 and err.attempts <= 3, "attempts " .. err.attempts)
  end)

  it("a dropped connection is a NETWORK_ERROR, retried for reads", function()
    local c = new()
    m:fault{ path = "/campaigns/list", count = 1, action = "drop" }
    local page, err = c.campaigns:list{ limit = 1 }
    c:close()
    assert.is_nil(err)
    assert.equal(1, #page)
  end)

  it("a refused connection is a NETWORK_ERROR; a create is retried since nothing was sent", function()
    local attempts = 0
    local c = batch.new{ api_key = keys.api_key, rest_key = keys.rest_key, base_url = "http://127.0.0.1:1",
                         sleep = function() end, max_retries = 2,
                         on_event = function(ev) if ev.type == "request" then attempts = attempts + 1 end end }
    local _, err = c.campaigns:create{ name = "x" }
    c:close()
    assert.equal("NETWORK_ERROR", err.name)
    assert.equal(3, err.attempts)
    assert.equal(3, attempts)
  end)

  it("a function transport gets the request and its result is used", function()
    local seen
    local c = batch.new{ api_key = "APIKEY", rest_key = "RESTKEY", base_url = "https://example.invalid",
      transport = function(req)
        seen = req
        return { status = 200, headers = { ["content-type"] = "application/json" },
                 body = '{"campaign_token":"abc","name":"n"}' }
      end }
    local res = assert(c.campaigns:get("abc"))
    assert.equal("n", res.name)
    assert.equal("GET", seen.method)
    assert.equal("https://example.invalid/1.1/APIKEY/campaigns/abc", seen.url)
    assert.equal("RESTKEY", seen.headers["X-Authorization"])
    assert.equal(30, seen.timeout)
  end)

  it("a function transport's failure becomes a batch.Error", function()
    local c = batch.new{ api_key = "A", rest_key = "R", max_retries = 0,
      transport = function() return nil, { name = "NETWORK_ERROR", message = "boom" } end }
    local _, err = c.campaigns:get("abc")
    assert.is_true(batch.is_error(err))
    assert.equal("NETWORK_ERROR", err.name)
    assert.equal("boom", err.message)
  end)

  it("closes cleanly, also through Lua 5.4's <close>", function()
    local c = new()
    assert(c.campaigns:list{ limit = 1 })
    c:close()
    c:close()
    if _VERSION == "Lua 5.4" then
      local f = assert(load([[
        local batch, o = ...
        local c <close> = batch.new(o)
        return c
      ]]))
      local c2 = f(batch, { api_key = keys.api_key, rest_key = keys.rest_key, base_url = m.url })
      assert.is_true(c2.closed)
    end
  end)
end)
