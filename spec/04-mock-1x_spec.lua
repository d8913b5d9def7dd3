-- The emulator's per-app (1.x) routes added after 0.1.0, over raw HTTP: Transactional API 1.1, Custom
-- Data 1.0, Trigger Events 1.0, Custom Audiences 1.0/1.1, GDPR 1.0 (batch-api.md §6, §8, §9, §10.2,
-- §12), what GET /_mock/state shows of them, and faults and the request log on them.
local mock = require "spec.support.mock"
local socket = require "socket"
local cjson = require "cjson"

local KEYS = mock.DOCUMENTED_KEYS
local UUID = "^%x%x%x%x%x%x%x%x%-%x%x%x%x%-%x%x%x%x%-%x%x%x%x%-%x%x%x%x%x%x%x%x%x%x%x%x$"

local function utc(t, fmt) return os.date("!" .. (fmt or "%Y-%m-%dT%H:%M:%S"), t) end
local function today() return utc(os.time(), "%Y-%m-%d") end

-- n items made by fn(i).
local function many(n, fn)
  local t = {}
  for i = 1, n do t[i] = fn(i) end
  return t
end

describe("batch-mock 1.x routes", function()
  local m
  setup(function() m = mock.start() end)
  teardown(function() m:stop() end)
  before_each(function() m:reset() end)

  -- An API call on /<version>/<api_key><rest>.
  local function api(method, version, rest, opts, key)
    return m:request(method, "/" .. version .. "/" .. (key or KEYS.api_key) .. rest, opts)
  end
  -- Asserts a 1.x error: HTTP status, Batch's numeric code, and a message matching pattern.
  local function assert_error(want_status, want_code, pattern, status, body, raw)
    assert.equal(want_status, status, raw)
    assert.equal(want_code, body.code, raw)
    if pattern then assert.matches(pattern, body.message) end
    assert.is_nil(raw:find(KEYS.api_key, 1, true))
    assert.is_nil(raw:find(KEYS.rest_key, 1, true))
  end
  local function app_state(app) return m:state().apps[app or "ios"] end

  ---------------------------------------------------------------------------------- transactional
  describe("Transactional API 1.1", function()
    local SEND = { group_id = "order_shipped", recipients = { custom_ids = { "john.doe", "jane" } },
                   message = { title = "Shipped", body = "Your parcel is on its way" }, deeplink = "myapp://orders" }

    it("sends (201 + a token) and the day's stats count the recipients", function()
      local status, body, raw = api("POST", "1.1", "/transactional/send", { body = SEND })
      assert.equal(201, status, raw)
      assert.matches(UUID, body.token)
      local three = { group_id = "order_shipped", recipients = { install_ids = { "i1" }, tokens = { "t1", "t2" } },
                      message = { body = "x" } }
      assert.equal(201, (api("POST", "1.1", "/transactional/send", { body = three })))

      status, body, raw = api("GET", "1.1", "/transactional/stats/order_shipped?since=" .. today())
      assert.equal(200, status, raw)
      assert.equal("order_shipped", body.group_id)
      assert.equal(1, #body.detail)
      assert.equal(today(), body.detail[1].date)
      assert.equal(5, body.detail[1].sent)
      for _, f in ipairs{ "direct_open", "influenced_open", "reengaged", "errors" } do
        assert.is_number(body.detail[1][f])
      end
      -- another group, another app: nothing
      status, body = api("GET", "1.1", "/transactional/stats/welcome?since=" .. today())
      assert.equal(200, status)
      assert.same({}, body.detail)
      status, body = api("GET", "1.1", "/transactional/stats/order_shipped?since=" .. today(), nil, KEYS.other_api_key)
      assert.equal(200, status)
      assert.same({}, body.detail)
      assert.equal(2, app_state("ios").transactional.order_shipped.sends)
    end)

    it("refuses what Batch documents as invalid, naming it", function()
      local function with(changes)
        local b = cjson.decode(cjson.encode(SEND))
        for k, v in pairs(changes) do b[k] = v end
        return b
      end
      local cases = {
        { with{ group_id = cjson.null }, 30, "group_id" },
        { with{ group_id = "order shipped" }, 31, "group_id" },
        { with{ group_id = "commande_expédiée" }, 31, "group_id" },
        { with{ recipients = cjson.null }, 30, "recipients" },
        { with{ recipients = { custom_ids = {} } }, 31, "recipients.*empty" },
        { with{ recipients = {} }, 31, "recipients" },
        { with{ recipients = { custom_ids = "john" } }, 31, "custom_ids" },
        { with{ recipients = { custom_ids = many(10001, function(i) return "u" .. i end) } }, 31, "10000" },
        { with{ message = cjson.null }, 30, "message" },
        { with{ message = "hello" }, 31, "message" },
        { with{ priority = "urgent" }, 31, "priority" },
        { with{ time_to_live = 0 }, 31, "time_to_live" },
      }
      for _, c in ipairs(cases) do
        local status, body, raw = api("POST", "1.1", "/transactional/send", { body = c[1] })
        assert_error(400, c[2], c[3], status, body, raw)
      end
      local status, body, raw = api("POST", "1.1", "/transactional/send", { body = "{" })
      assert_error(400, 32, nil, status, body, raw)
      local ok = many(10000, function(i) return "u" .. i end)
      local status_ok = api("POST", "1.1", "/transactional/send", { body = with{ recipients = { custom_ids = ok } } })
      assert.equal(201, status_ok)
    end)

    it("stats: since required, YYYY-MM-DD, lower than until, a window of at most 6 months, LIVE keys", function()
      local stats = "/transactional/stats/welcome"
      local cases = {
        { "", 30, "since" },
        { "?since=yesterday", 31, "since" },
        { "?since=2026-02-30", 31, "since" },
        { "?since=" .. today() .. "&until=2020-01-01", 31, "lower than until" },
        { "?since=2020-01-01&until=2020-12-31", 31, "6 months" },
        { "?since=2020-01-01&until=someday", 31, "until" },
      }
      for _, c in ipairs(cases) do
        local status, body, raw = api("GET", "1.1", stats .. c[1])
        assert_error(400, c[2], c[3], status, body, raw)
      end
      local status, body, raw = api("GET", "1.1", "/transactional/stats/bad%20group?since=" .. today())
      assert_error(400, 31, "group_id", status, body, raw)
      status, body, raw = api("GET", "1.1", stats .. "?since=" .. today(), nil, KEYS.dev_api_key)
      assert_error(403, 12, "LIVE", status, body, raw)
      assert.equal(200, (api("GET", "1.1", stats .. "?since=2020-01-01&until=2020-06-30")))
    end)
  end)

  ---------------------------------------------------------------------------------- custom data
  describe("Custom Data API 1.0", function()
    it("sets one user's values under a percent-encoded custom ID, merging unless overwrite", function()
      local status, body, raw = api("POST", "1.0", "/data/users/john.doe",
                                    { body = { values = { age = 31, city = "Paris", ["date(signup)"] = 1700000000 } } })
      assert.equal(200, status, raw)
      assert.matches(UUID, body.token)
      status = api("POST", "1.0", "/data/users/a%2Fb", { body = { values = { plan = "gold" } } })
      assert.equal(200, status)
      status = api("POST", "1.0", "/data/users/john.doe", { body = { values = { city = cjson.null, vip = true } } })
      assert.equal(200, status)
      local users = app_state().custom_data
      assert.same({ age = 31, vip = true, ["date(signup)"] = 1700000000 }, users["john.doe"].values)
      assert.same({ plan = "gold" }, users["a/b"].values)
      assert.is_nil(users["a%2Fb"])
      -- the log keeps the path as sent
      local log = m:log()
      assert.equal("/1.0/" .. KEYS.api_key .. "/data/users/a%2Fb", log[2].raw_path)

      api("POST", "1.0", "/data/users/john.doe", { body = { overwrite = true, values = { tier = "new" } } })
      assert.same({ tier = "new" }, app_state().custom_data["john.doe"].values)
      assert.same({}, app_state("android").custom_data)
    end)

    it("bulk: up to 10 000 updates, each {id, update}; checks name the index", function()
      local list = many(10000, function(i) return { id = "user-" .. i, update = { values = { n = i } } } end)
      local status, body, raw = api("POST", "1.0", "/data/users", { body = list })
      assert.equal(200, status, raw)
      assert.matches(UUID, body.token)
      local users = app_state().custom_data
      assert.same({ n = 10000 }, users["user-10000"].values)

      list[10001] = { id = "one-more", update = { values = {} } }
      status, body, raw = api("POST", "1.0", "/data/users", { body = list })
      assert_error(400, 31, "10000", status, body, raw)
      local cases = {
        { "[]", 31, "empty" },
        { '{"id":"x"}', 32 },
        { '[{"id":"a","update":{"values":{}}},{"id":"b"}]', 30, "%[1%]%.update" },
        { '[{"update":{"values":{}}}]', 30, "%[0%]%.id" },
        { '[{"id":"a","update":{"overwrite":"yes","values":{}}}]', 31, "overwrite" },
        { '[{"id":"a","update":{}}]', 30, "values" },
      }
      for _, c in ipairs(cases) do
        status, body, raw = api("POST", "1.0", "/data/users", { body = c[1] })
        assert_error(400, c[2], c[3], status, body, raw)
      end
    end)

    it("checks attribute names and values as the Trigger Events rules (UNCONFIRMED here)", function()
      local bad = {
        { ["First-Name"] = "x" }, { ["a_name_that_is_longer_than_thirty"] = 1 }, { ["date(born)"] = "May 5" },
        { ["url(site)"] = "not a url" }, { ["time(x)"] = 1 }, { nick = string.rep("x", 65) },
        { nested = { a = 1 } },
      }
      for _, values in ipairs(bad) do
        local status, body, raw = api("POST", "1.0", "/data/users/john", { body = { values = values } })
        assert_error(400, 31, "values", status, body, raw)
      end
      local status = api("POST", "1.0", "/data/users/john", { body = { values = {
        ["url(site)"] = "https://example.com/x", ["date(born)"] = "1990-05-05T00:00:00Z", tags = { "a", "b" } } } })
      assert.equal(200, status)
    end)

    it("deletes one user or up to 10 000 (200 + a token)", function()
      api("POST", "1.0", "/data/users",
          { body = many(3, function(i) return { id = "u" .. i, update = { values = { n = i } } } end) })
      local status, body, raw = api("DELETE", "1.0", "/data/users/u1")
      assert.equal(200, status, raw)
      assert.matches(UUID, body.token)
      status = api("DELETE", "1.0", "/data/users", { body = { "u2", "nobody" } })
      assert.equal(200, status)
      local users = app_state().custom_data
      assert.is_nil(users.u1)
      assert.is_nil(users.u2)
      assert.same({ n = 3 }, users.u3.values)
      status, body, raw = api("DELETE", "1.0", "/data/users", { body = many(10001, tostring) })
      assert_error(400, 31, "10000", status, body, raw)
      status, body, raw = api("DELETE", "1.0", "/data/users", { body = '["a", ""]' })
      assert_error(400, 31, "%[1%]", status, body, raw)
    end)
  end)

  ---------------------------------------------------------------------------------- events
  describe("Trigger Events API 1.0", function()
    local function event(extra)
      local e = { name = "ue.added_to_cart", label = "pumpkin", attributes = { quantity = 5, price = 3.99 },
                  tags = { "fruits" } }
      for k, v in pairs(extra or {}) do e[k] = v end
      return e
    end

    it("tracks events of one user ({events} or a bare array) and of many (up to 1000 in all)", function()
      local an_hour_ago = utc(os.time() - 3600)
      local status, body, raw = api("POST", "1.0", "/events/users/john.doe", { body = { events = { event() } } })
      assert.equal(202, status, raw)
      assert.matches(UUID, body.token)
      status = api("POST", "1.0", "/events/users/john.doe",
                   { body = { event{ name = "ue.checkout", time = an_hour_ago } } })
      assert.equal(202, status)
      local bulk = { { id = "a%b", events = many(600, function() return event() end) },
                     { id = "jane", events = many(400, function() return { name = "ue.viewed" } end) } }
      status = api("POST", "1.0", "/events/users", { body = bulk })
      assert.equal(202, status)

      local events = app_state().events
      assert.equal(2, #events["john.doe"].events)
      local first = events["john.doe"].events[1]
      assert.equal("ue.added_to_cart", first.name)
      assert.same({ quantity = 5, price = 3.99 }, first.attributes)
      assert.same({ "fruits" }, first.tags)
      assert.is_string(first.received)
      assert.equal(an_hour_ago, events["john.doe"].events[2].time)
      assert.equal(600, #events["a%b"].events)
      assert.equal(400, #events.jane.events)

      bulk[2].events[401] = { name = "one.too.many" }
      status, body, raw = api("POST", "1.0", "/events/users", { body = bulk })
      assert_error(400, 31, "1000", status, body, raw)
      status, body, raw = api("POST", "1.0", "/events/users/john", { body = many(1001, function() return event() end) })
      assert_error(400, 31, "1000", status, body, raw)
    end)

    it("refuses events outside TE-params' limits, naming the event and the field", function()
      local now = os.time()
      local cases = {
        { { label = "x" }, 30, "events%[1%]%.name" },
        { event{ time = utc(now - 25 * 3600) }, 31, "24 hours" },
        { event{ time = utc(now + 3600) }, 31, "future" },
        { event{ time = "yesterday" }, 31, "time" },
        { event{ label = string.rep("l", 201) }, 31, "label" },
        { event{ attributes = many(16, function() return 1 end) }, 31, "attributes" },
        { event{ attributes = { Quantity = 1 } }, 31, "Quantity" },
        { event{ attributes = { [string.rep("a", 31)] = 1 } }, 31, "30 characters" },
        { event{ attributes = { note = string.rep("n", 65) } }, 31, "64" },
        { event{ attributes = { list = { 1, 2 } } }, 31, "list" },
        { event{ attributes = { ["date(promo_ends)"] = "soon" } }, 31, "date" },
        { event{ attributes = { ["url(page)"] = "ftp://x" } }, 31, "url" },
        { event{ tags = many(11, function(i) return "t" .. i end) }, 31, "tags" },
        { event{ tags = { string.rep("t", 65) } }, 31, "tags" },
      }
      for _, c in ipairs(cases) do
        local status, body, raw = api("POST", "1.0", "/events/users/john", { body = { events = { event(), c[1] } } })
        if c[2] == 30 then
          assert_error(400, 30, c[3], status, body, raw)
        else
          assert_error(400, 31, c[3], status, body, raw)
          assert.matches("events%[1%]", body.message)
        end
      end
      local attrs = { ["date(promo_ends)"] = "2021-01-01T04:00:00.000", ["url(page)"] = "https://example.com",
                      ok = true, n = 1.5 }
      for i = 1, 11 do attrs["a" .. i] = i end
      local fine = event{ attributes = attrs, tags = many(10, function(i) return "t" .. i end),
                          label = string.rep("l", 200), time = utc(now - 23 * 3600) }
      local status, _, raw = api("POST", "1.0", "/events/users/john", { body = { events = { fine } } })
      assert.equal(202, status, raw)
      assert.equal(0, #(app_state().events.jane or { events = {} }).events)
    end)
  end)

  ---------------------------------------------------------------------------------- custom audiences
  describe("Custom Audience API 1.0 and 1.1", function()
    it("1.0: create (type required), update with actions (the last wins), replace, list, delete", function()
      local status, _, raw = api("POST", "1.0", "/custom-audience/vip_users",
                                 { body = { type = "custom_ids", description = "VIPs" } })
      assert.equal(201, status, raw)
      local body
      status, body, raw = api("PATCH", "1.0", "/custom-audience/vip_users", { body = { ids = {
        { action = "add", id = "john" }, { action = "add", id = "jane" }, { action = "add", id = "joe" },
        { action = "remove", id = "joe" } } } })
      assert.equal(202, status, raw)
      assert.matches(UUID, body.token)
      local a = app_state().custom_audiences.vip_users
      assert.equal(2, a.nb_ids)
      assert.same({ jane = true, john = true }, a.ids)
      assert.equal("custom_ids", a.type)

      status = api("PUT", "1.0", "/custom-audience/vip_users", { body = { ids = { { id = "zoe" } } } })
      assert.equal(202, status)
      assert.same({ zoe = true }, app_state().custom_audiences.vip_users.ids)

      api("POST", "1.0", "/custom-audience/ads", { body = { type = "advertising_ids" } })
      status, body = api("GET", "1.0", "/custom-audience?limit=1")
      assert.equal(200, status)
      assert.equal(1, #body.custom_audiences)
      local item = body.custom_audiences[1]
      assert.equal("ads", item.name)
      assert.equal("advertising_ids", item.type)
      assert.equal(0, item.nb_ids)
      for _, f in ipairs{ "description", "created", "updated" } do assert.is_string(item[f]) end
      status, body = api("GET", "1.0", "/custom-audience?from=1&limit=10")
      assert.equal(200, status)
      assert.same({ "vip_users" }, { body.custom_audiences[1].name, body.custom_audiences[2] })
      assert.equal(1, body.custom_audiences[1].nb_ids)
      assert.equal("VIPs", body.custom_audiences[1].description)

      assert.equal(200, (api("DELETE", "1.0", "/custom-audience/vip_users")))
      status, body, raw = api("PATCH", "1.0", "/custom-audience/vip_users",
                              { body = { ids = { { action = "add", id = "x" } } } })
      assert_error(404, 20, "vip_users", status, body, raw)
    end)

    it("1.1 takes install IDs, with attributes and tags on add; both versions see the app's audiences", function()
      local status, _, raw = api("POST", "1.1", "/custom-audience/installs", { body = { description = "d" } })
      assert.equal(201, status, raw)
      status, _, raw = api("PATCH", "1.1", "/custom-audience/installs", { body = { ids = {
        { action = "add", id = "8c4e1d2a-0001", attributes = { ["date(att15)"] = "2024-01-01T00:00:00Z",
          ["url(att20)"] = "https://example.com", score = 3 }, tags = { "a" } } } } })
      assert.equal(202, status, raw)
      local a = app_state().custom_audiences.installs
      assert.equal("install_ids", a.type)
      assert.same({ "a" }, a.ids["8c4e1d2a-0001"].tags)
      local _, list = api("GET", "1.0", "/custom-audience")
      assert.equal("installs", list.custom_audiences[1].name)
      local _, other = api("GET", "1.1", "/custom-audience", nil, KEYS.other_api_key)
      assert.same({}, other.custom_audiences)
    end)

    it("refuses bad names, types, ids and taken names", function()
      local cases = {
        { "POST", "1.0", "/custom-audience/vip", {}, 30, "type" },
        { "POST", "1.0", "/custom-audience/vip", { type = "install_ids" }, 31, "type" },
        { "POST", "1.1", "/custom-audience/vip", { type = "custom_ids" }, 31, "1.0" },
        { "POST", "1.0", "/custom-audience/vip%20users", { type = "custom_ids" }, 31, "name" },
        { "POST", "1.0", "/custom-audience/" .. string.rep("a", 256), { type = "custom_ids" }, 31, "255" },
      }
      for _, c in ipairs(cases) do
        local status, body, raw = api(c[1], c[2], c[3], { body = c[4] })
        assert_error(400, c[5], c[6], status, body, raw)
      end
      assert.equal(201, (api("POST", "1.0", "/custom-audience/vip", { body = { type = "custom_ids" } })))
      local status, body, raw = api("POST", "1.0", "/custom-audience/vip", { body = { type = "custom_ids" } })
      assert_error(400, 31, "exists", status, body, raw)
      local updates = {
        { '{"ids":[]}', 31, "empty" },
        { {}, 30, "ids" },
        { { ids = { { id = "a" } } }, 30, "action" },
        { { ids = { { action = "move", id = "a" } } }, 31, "action" },
        { { ids = { { action = "add" } } }, 30, "ids%[0%]%.id" },
        { { ids = { { action = "add", id = "a", attributes = { x = 1 } } } }, 31, "1.0" },
        { { ids = many(10001, function(i) return { action = "add", id = "u" .. i } end) }, 31, "10000" },
      }
      for _, c in ipairs(updates) do
        status, body, raw = api("PATCH", "1.0", "/custom-audience/vip", { body = c[1] })
        assert_error(400, c[2], c[3], status, body, raw)
      end
      api("POST", "1.1", "/custom-audience/inst")
      status, body, raw = api("PATCH", "1.1", "/custom-audience/inst", { body = { ids = {
        { action = "remove", id = "a", attributes = { x = 1 } } } } })
      assert_error(400, 31, "only with action add", status, body, raw)
      status, body, raw = api("GET", "1.1", "/custom-audience?limit=101")
      assert_error(400, 31, "limit", status, body, raw)
      local ten_thousand = many(10000, function(i) return { action = "add", id = "u" .. i } end)
      assert.equal(202, (api("PATCH", "1.0", "/custom-audience/vip", { body = { ids = ten_thousand } })))
      assert.equal(10000, app_state().custom_audiences.vip.nb_ids)
    end)
  end)

  ---------------------------------------------------------------------------------- GDPR
  describe("GDPR API 1.0", function()
    it("creates review and remove requests: pending, then done; fetched and listed newest first", function()
      m:config{ gdpr_delay = 1 }
      local t0 = socket.gettime()
      local status, body, raw = api("POST", "1.0", "/gdpr/request", { body = { request_type = "review",
        callback_url = "https://callback.site", id = { type = "custom_id", value = "john.doe" } } })
      assert.equal(201, status, raw)
      local first = body.token
      assert.matches(UUID, first)
      status, body = api("POST", "1.0", "/gdpr/request", { body = { request_type = "remove",
        id = { type = "advertising_id", value = "196b3360-59d7-408a-8e99-c4be99c4fff0" } } }, KEYS.dev_api_key)
      assert.equal(201, status)
      local second = body.token

      status, body, raw = api("GET", "1.0", "/gdpr/request/" .. first)
      assert.equal(200, status, raw)
      assert.equal(first, body.request_id)
      assert.equal("pending", body.status)
      assert.equal("review", body.request_type)
      assert.equal("api", body.trigger_type)
      assert.same({ type = "custom_id", value = "john.doe" }, body.id)
      assert.matches("^%d%d%d%d%-%d%d%-%d%dT%d%d:%d%d:%d%d%.%d%d%d$", body.request_date)

      status, body = api("GET", "1.0", "/gdpr/requests")
      assert.equal(200, status)
      assert.same({ second, first }, { body[1].request_id, body[2].request_id })
      socket.sleep(math.max(0, t0 + 1.1 - socket.gettime()))
      assert.equal("done", select(2, api("GET", "1.0", "/gdpr/request/" .. first)).status)
      status, body, raw = api("GET", "1.0", "/gdpr/request/00000000-0000-4000-b000-000000000000")
      assert_error(404, 20, "not found", status, body, raw)
      status, body = api("GET", "1.0", "/gdpr/requests", nil, KEYS.other_api_key)
      assert.equal(200, status)
      assert.same({}, body)
    end)

    it("a remove of a custom_id deletes the app's custom data and events of that user", function()
      api("POST", "1.0", "/data/users/john.doe", { body = { values = { age = 3 } } })
      api("POST", "1.0", "/data/users/jane", { body = { values = { age = 4 } } })
      api("POST", "1.0", "/events/users/john.doe", { body = { { name = "ue.x" } } })
      assert.equal(201, (api("POST", "1.0", "/gdpr/request", { body = { request_type = "remove",
        id = { type = "custom_id", value = "john.doe" } } })))
      local s = app_state()
      assert.is_nil(s.custom_data["john.doe"])
      assert.is_nil(s.events["john.doe"])
      assert.is_table(s.custom_data.jane)
    end)

    it("refuses request types other than review/remove and malformed ids", function()
      local cases = {
        { {}, 30, "request_type" },
        { { request_type = "export", id = { type = "custom_id", value = "x" } }, 31, "review or remove" },
        { { request_type = "review" }, 30, "id" },
        { { request_type = "review", id = "john" }, 31, "id" },
        { { request_type = "review", id = { value = "x" } }, 30, "id%.type" },
        { { request_type = "review", id = { type = "custom_id" } }, 30, "id%.value" },
        { { request_type = "review", id = { type = "custom_id", value = "" } }, 31, "id%.value" },
        { { request_type = "review", id = { type = "custom_id", value = "x" }, callback_url = "callback" }, 31,
          "callback_url" },
      }
      for _, c in ipairs(cases) do
        local status, body, raw = api("POST", "1.0", "/gdpr/request", { body = c[1] })
        assert_error(400, c[2], c[3], status, body, raw)
      end
    end)
  end)

  ---------------------------------------------------------------------------------- cross-cutting
  describe("every new route", function()
    local NEW = {
      { "POST", "/1.1/{api_key}/transactional/send" }, { "GET", "/1.1/{api_key}/transactional/stats/{group_id}" },
      { "POST", "/1.0/{api_key}/data/users/{custom_id}" }, { "DELETE", "/1.0/{api_key}/data/users/{custom_id}" },
      { "POST", "/1.0/{api_key}/data/users" }, { "DELETE", "/1.0/{api_key}/data/users" },
      { "POST", "/1.0/{api_key}/events/users/{custom_id}" }, { "POST", "/1.0/{api_key}/events/users" },
      { "POST", "/1.0/{api_key}/gdpr/request" }, { "GET", "/1.0/{api_key}/gdpr/request/{id}" },
      { "GET", "/1.0/{api_key}/gdpr/requests" },
    }
    for _, v in ipairs{ "1.0", "1.1" } do
      for _, method in ipairs{ "POST", "PATCH", "PUT", "DELETE" } do
        NEW[#NEW + 1] = { method, "/" .. v .. "/{api_key}/custom-audience/{name}" }
      end
      NEW[#NEW + 1] = { "GET", "/" .. v .. "/{api_key}/custom-audience" }
    end

    it("is listed by GET /_mock/routes, authenticated, faulted and logged like the others", function()
      local _, routes = m:control("GET", "/_mock/routes")
      local listed = {}
      for _, r in ipairs(routes) do listed[r.method .. " " .. r.path] = r.auth end
      for _, r in ipairs(NEW) do
        assert.equal("mep", listed[r[1] .. " " .. r[2]], r[1] .. " " .. r[2])
        local path = r[2]:gsub("{api_key}", KEYS.api_key):gsub("{[%w_]+}", "x1")
        -- no credential: 401/10
        local status, body, raw = m:request(r[1], path, { auth = false, body = "{}" })
        assert_error(401, 10, nil, status, body, raw)
        -- a fault takes the request whatever its route
        m:fault{ path = path, method = r[1], status = 503, retry_after = "9" }
        local headers
        status, body, raw, headers = m:request(r[1], path, { body = "{}" })
        assert_error(503, 2, nil, status, body, raw)
        assert.equal("9", headers["retry-after"])
      end
      local log = m:log()
      assert.equal(2 * #NEW, #log)
      assert.equal("/1.1/" .. KEYS.api_key .. "/transactional/send", log[2].path)
      m:fault{ path = "/events/users", action = "drop" }
      assert.has_error(function() api("POST", "1.0", "/events/users/john", { body = { { name = "x" } } }) end)
      assert.is_nil(app_state().events.john)
    end)

    it("wrong methods are unknown routes (404/20) and unknown API keys 401/10", function()
      local status, body, raw = api("GET", "1.1", "/transactional/send")
      assert_error(404, 20, "Route not found", status, body, raw)
      status, body, raw = api("PUT", "1.0", "/data/users/john", { body = "{}" })
      assert_error(404, 20, "Route not found", status, body, raw)
      status, body, raw = api("POST", "1.0", "/gdpr/request", { body = "{}" }, "0000000000000000000000000000DEAD")
      assert_error(401, 10, nil, status, body, raw)
    end)

    it("reset forgets what clients wrote; the state view does not depend on the request log", function()
      m:config{ log = false }
      api("POST", "1.0", "/data/users/john", { body = { values = { a = 1 } } })
      assert.same({ a = 1 }, app_state().custom_data.john.values)
      assert.equal(0, #m:log())
      m:reset()
      local s = m:state()
      for _, app in ipairs{ "ios", "android" } do
        for _, name in ipairs{ "custom_data", "events", "custom_audiences", "gdpr_requests", "transactional" } do
          assert.same({}, s.apps[app][name], app .. " " .. name)
        end
      end
    end)
  end)
end)
