-- Campaigns API 1.1 over real HTTP against the emulator: what goes on the wire and what comes back.
local batch = require "batch"
local cjson = require "cjson"
local mock = require "spec.support.mock"

describe("campaigns (API 1.1)", function()
  local m, client, keys

  setup(function()
    m = mock.start()
    keys = m.keys
  end)
  teardown(function()
    if client then client:close() end
    m:stop()
  end)
  before_each(function()
    m:reset()
    if client then client:close() end
    client = batch.new{ api_key = keys.api_key, rest_key = keys.rest_key, base_url = m.url,
                        sleep = function() end }
  end)

  local function only_request()
    local log = m:log()
    assert.equal(1, #log, "expected exactly one request")
    return log[1]
  end

  local function first_token()
    local page = assert(client.campaigns:list{ limit = 1 })
    return page[1].campaign_token
  end

  it("get: GET /1.1/{api_key}/campaigns/{token} with X-Authorization", function()
    local token = first_token()
    m:clear_log()
    local c, err = client.campaigns:get(token)
    assert.is_nil(err)
    assert.equal(token, c.campaign_token)
    assert.is_boolean(c.from_api)
    assert.is_boolean(c.dev_only)
    assert.matches("^%d%d%d%d%-%d%d%-%d%dT%d%d:%d%d:%d%d$", c.created_date)
    assert.is_nil(getmetatable(c))
    local r = only_request()
    assert.equal("GET", r.method)
    assert.equal("/1.1/" .. keys.api_key .. "/campaigns/" .. token, r.path)
    assert.equal("", r.query)
    assert.equal(keys.rest_key, r.headers["x-authorization"])
    assert.is_nil(r.headers["authorization"])
    assert.matches("^lua%-batch/", r.headers["user-agent"])
    assert.equal("", r.body)
  end)

  it("list: one page with from/limit/live/from_api in the query", function()
    local page = assert(client.campaigns:list{ from = 2, limit = 5, live = true, from_api = false })
    local r = only_request()
    assert.equal("/1.1/" .. keys.api_key .. "/campaigns/list", r.path)
    assert.equal("from=2&limit=5&live=true&from_api=false", r.query)
    assert.is_true(#page <= 5)
    for _, c in ipairs(page) do
      assert.is_true(c.live)
      assert.is_false(c.from_api)
    end
  end)

  it("list: defaults send no parameters and the server's default page is 10", function()
    local page = assert(client.campaigns:list())
    assert.equal("", only_request().query)
    assert.equal(10, #page)
  end)

  it("list: the offset pages through without overlap", function()
    local a = assert(client.campaigns:list{ from = 0, limit = 3 })
    local b = assert(client.campaigns:list{ from = 3, limit = 3 })
    assert.equal(3, #a)
    assert.equal(3, #b)
    for _, x in ipairs(a) do
      for _, y in ipairs(b) do assert.are_not.equal(x.campaign_token, y.campaign_token) end
    end
  end)

  it("each: walks every campaign page by page and stops at a short page", function()
    local all = assert(client.campaigns:list{ limit = 100 })
    m:clear_log()
    local seen = {}
    for c, err in client.campaigns:each{ page_size = 7 } do
      assert.is_nil(err)
      seen[#seen + 1] = c.campaign_token
    end
    assert.equal(#all, #seen)
    for i, c in ipairs(all) do assert.equal(c.campaign_token, seen[i]) end
    assert.equal(math.floor(#all / 7) + 1, #m:log())
  end)

  it("each: stops fetching when the loop breaks", function()
    local iter = client.campaigns:each{ page_size = 2 }
    assert.is_table(iter())
    assert.equal(1, #m:log())
  end)

  it("each: yields false, err once on a failure mid-way, then ends", function()
    m:fault{ path = "/campaigns/list", count = 10, status = 401 }
    local items, errs = 0, {}
    for c, err in client.campaigns:each{ page_size = 5 } do
      if c then items = items + 1 else errs[#errs + 1] = err end
    end
    assert.equal(0, items)
    assert.equal(1, #errs)
    assert.equal("AUTHENTICATION_INVALID", errs[1].name)
  end)

  it("stats: GET /campaigns/stats/{token} gives the detail per date", function()
    local token = first_token()
    m:clear_log()
    local s = assert(client.campaigns:stats(token))
    assert.equal(token, s.campaign_token)
    assert.is_table(s.detail)
    for _, d in ipairs(s.detail) do
      assert.matches("^%d%d%d%d%-%d%d%-%d%d$", d.date)
      assert.is_number(d.sent)
      if math.type then assert.equal("integer", math.type(d.sent)) end
    end
    assert.equal("/1.1/" .. keys.api_key .. "/campaigns/stats/" .. token, only_request().path)
  end)

  it("create: POST /campaigns/create with the JSON body, gives the new token", function()
    local body = { name = "Test Campaign", live = true, push_time = "now",
                   messages = { { language = "en", body = "Hello!" } } }
    local res, err = client.campaigns:create(body)
    assert.is_nil(err)
    assert.matches("^[%w_-]+$", res.campaign_token)
    local r = only_request()
    assert.equal("POST", r.method)
    assert.equal("/1.1/" .. keys.api_key .. "/campaigns/create", r.path)
    assert.equal("application/json", r.headers["content-type"])
    assert.equal(keys.rest_key, r.headers["x-authorization"])
    assert.same(body, cjson.decode(r.body))
    local back = assert(client.campaigns:get(res.campaign_token))
    assert.equal("Test Campaign", back.name)
    assert.is_true(back.from_api)
  end)

  it("update: POST /campaigns/update/{token} with the body, gives true", function()
    local created = assert(client.campaigns:create{ name = "Summer sale", live = true, push_time = "now",
                                                    messages = { { language = "en", body = "x" } } })
    m:clear_log()
    -- an update carries at least the create's parameters (batch-api.md §1.4)
    local update = { name = "Updated Test Campaign Name", live = true, push_time = "now",
                     messages = { { language = "en", body = "x" } } }
    local ok, err = client.campaigns:update(created.campaign_token, update)
    assert.is_nil(err)
    assert.is_true(ok)
    local r = only_request()
    assert.equal("POST", r.method)
    assert.equal("/1.1/" .. keys.api_key .. "/campaigns/update/" .. created.campaign_token, r.path)
    assert.same(update, cjson.decode(r.body))
    assert.equal("Updated Test Campaign Name", assert(client.campaigns:get(created.campaign_token)).name)
  end)

  it("delete: POST /campaigns/delete/{token} with no body; the campaign is gone", function()
    local token = first_token()
    m:clear_log()
    assert.is_true(client.campaigns:delete(token))
    local r = only_request()
    assert.equal("POST", r.method)
    assert.equal("/1.1/" .. keys.api_key .. "/campaigns/delete/" .. token, r.path)
    assert.equal("", r.body)
    local c, err = client.campaigns:get(token)
    assert.is_nil(c)
    assert.equal("ROUTE_NOT_FOUND", err.name)
    assert.equal(404, err.status)
  end)

  describe("documented errors", function()
    it("a wrong REST key gives AUTHENTICATION_INVALID (401, code 10), not retried", function()
      local bad = batch.new{ api_key = keys.api_key, rest_key = "wrongrestkey", base_url = m.url }
      local c, err = bad.campaigns:list()
      bad:close()
      assert.is_nil(c)
      assert.equal("AUTHENTICATION_INVALID", err.name)
      assert.equal(401, err.status)
      assert.equal(10, err.code)
      assert.equal(1, err.attempts)
      assert.is_false(err.retryable)
      assert.is_string(err.message)
    end)

    it("a dev API key on a view gives API_MISUSE (403, code 12)", function()
      local dev = batch.new{ api_key = keys.dev_api_key, rest_key = keys.rest_key, base_url = m.url }
      local _, err = dev.campaigns:list()
      dev:close()
      assert.equal("API_MISUSE", err.name)
      assert.equal(403, err.status)
      assert.equal(12, err.code)
    end)

    it("an unknown campaign gives ROUTE_NOT_FOUND (404, code 20)", function()
      local _, err = client.campaigns:get("00000000000000000000000000000000")
      assert.equal("ROUTE_NOT_FOUND", err.name)
      assert.equal(20, err.code)
      assert.equal("GET", err.method)
    end)

    it("a create without a name gives MISSING_PARAMETER (400, code 30)", function()
      local _, err = client.campaigns:create{ live = true, messages = { { language = "en", body = "x" } } }
      assert.equal("MISSING_PARAMETER", err.name)
      assert.equal(400, err.status)
      assert.equal(30, err.code)
    end)

    it("a malformed parameter gives MALFORMED_PARAMETER (400, code 31)", function()
      local _, err = client.campaigns:create{ name = "x", live = "yes", messages = { { language = "en", body = "x" } } }
      assert.equal("MALFORMED_PARAMETER", err.name)
      assert.equal(31, err.code)
    end)

    it("a 429 is retried after at least 5 s (injected sleep), then succeeds", function()
      local slept = {}
      local c = batch.new{ api_key = keys.api_key, rest_key = keys.rest_key, base_url = m.url,
                           sleep = function(s) slept[#slept + 1] = s end }
      m:fault{ path = "/campaigns/list", count = 1, status = 429, retry_after = "7" }
      local page, err = c.campaigns:list()
      c:close()
      assert.is_nil(err)
      assert.is_table(page)
      assert.equal(1, #slept)
      assert.is_true(slept[1] >= 7)
      assert.equal(2, #m:log())
    end)

    it("gives up after max_retries with err.attempts and the last error", function()
      local c = batch.new{ api_key = keys.api_key, rest_key = keys.rest_key, base_url = m.url,
                           max_retries = 2, sleep = function() end }
      m:fault{ path = "/campaigns/list", count = 5, status = 503 }
      local _, err = c.campaigns:list()
      c:close()
      assert.equal("MAINTENANCE_ERROR", err.name)
      assert.equal(503, err.status)
      assert.equal(2, err.code)
      assert.equal(3, err.attempts)
      assert.is_true(err.retryable)
      assert.equal(3, #m:log())
    end)

    it("a create (POST) is not retried on a 500", function()
      m:fault{ path = "/campaigns/create", count = 5, status = 500 }
      local _, err = client.campaigns:create{ name = "x", live = true, messages = {} }
      assert.equal("SERVER_ERROR", err.name)
      assert.equal(1, err.attempts)
      assert.equal(1, #m:log())
    end)

    it("bad JSON from the server gives INVALID_RESPONSE with the raw body", function()
      m:fault{ path = "/campaigns/list", count = 1, action = "bad_json" }
      local _, err = client.campaigns:list()
      assert.equal("INVALID_RESPONSE", err.name)
      assert.equal(200, err.status)
      assert.is_string(err.body)
    end)

    it("an empty 200 gives INVALID_RESPONSE", function()
      m:fault{ path = "/campaigns/list", count = 1, action = "empty" }
      local _, err = client.campaigns:list()
      assert.equal("INVALID_RESPONSE", err.name)
    end)
  end)

  describe("invalid arguments send nothing", function()
    local bad_tokens = { "", "a/b", "..", "a%2Fb", "a\r\nb", "a\0b", "list", string.rep("a", 10000), "tok en" }
    for _, method in ipairs{ "get", "stats", "delete" } do
      it(method .. " refuses bad tokens with INVALID_ARGUMENT", function()
        for _, t in ipairs(bad_tokens) do
          local res, err = client.campaigns[method](client.campaigns, t)
          assert.is_nil(res)
          assert.equal("INVALID_ARGUMENT", err.name)
        end
        assert.equal(0, #m:log())
      end)
    end

    it("update refuses a bad token and raises on a body that is not a table", function()
      local _, err = client.campaigns:update("a/b", {})
      assert.equal("INVALID_ARGUMENT", err.name)
      assert.has_error(function() client.campaigns:update("abc", "name=x") end,
        "campaigns:update: body must be a table, got string")
      assert.equal(0, #m:log())
    end)

    it("list checks its options", function()
      local _, err = client.campaigns:list{ limit = 101 }
      assert.equal("INVALID_ARGUMENT", err.name)
      _, err = client.campaigns:list{ from = -1 }
      assert.equal("INVALID_ARGUMENT", err.name)
      assert.has_error(function() client.campaigns:list{ offset = 10 } end, "campaigns:list: unknown option 'offset'")
      assert.has_error(function() client.campaigns:list{ live = "true" } end,
        "campaigns:list: live must be a boolean, got string")
      assert.equal(0, #m:log())
    end)

    it("a token that is not a string raises", function()
      assert.has_error(function() client.campaigns:get(42) end, "campaigns:get: token must be a string, got number")
    end)

    it("a call without api_key or rest_key raises, naming the option", function()
      local c = batch.new{ rest_key = "R", base_url = m.url }
      assert.has_error(function() c.campaigns:get("abc") end,
        "batch: api_key is required for campaigns calls (option api_key or BATCH_API_KEY)")
      c:close()
    end)
  end)

  it("keeps no key in errors or events", function()
    local events = {}
    local c = batch.new{ api_key = keys.api_key, rest_key = keys.rest_key, base_url = m.url,
                         sleep = function() end, on_event = function(ev) events[#events + 1] = ev end }
    m:fault{ path = "/campaigns/", count = 4, status = 500, body = '{"code":0,"message":"key ' .. keys.api_key .. '"}' }
    local _, err = c.campaigns:get("abc")
    c:close()
    local s = tostring(err)
    assert.matches("^SERVER_ERROR %(HTTP 500, code 0%): .* %[GET /1%.1/%*%*%*/campaigns/abc%]$", s)
    local dump = s .. err.url .. (err.body or "") .. err.message
    for _, ev in ipairs(events) do
      for _, v in pairs(ev) do dump = dump .. tostring(v) end
    end
    assert.is_true(#events >= 8)
    assert.is_nil(dump:find(keys.api_key, 1, true))
    assert.is_nil(dump:find(keys.rest_key, 1, true))
  end)
end)
