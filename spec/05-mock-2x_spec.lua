-- The emulator's per-project (2.x) routes added after 0.1.0, over raw HTTP: profiles update and
-- mass-update, audiences, campaigns and orchestrations, catalogs (batch-api.md §7, §10.1, §11, §13,
-- §14), what GET /_mock/state shows of them, and the 2.x error shape.
local mock = require "spec.support.mock"
local socket = require "socket"
local cjson = require "cjson"

local KEYS = mock.DOCUMENTED_KEYS

local function utc(t, fmt) return os.date("!" .. (fmt or "%Y-%m-%d"), t) end

local function many(n, fn)
  local t = {}
  for i = 1, n do t[i] = fn(i) end
  return t
end

describe("batch-mock 2.x routes", function()
  local m
  setup(function() m = mock.start() end)
  teardown(function() m:stop() end)
  before_each(function()
    m:reset()
    m:limits{ enabled = false } -- the limits have their own spec (06)
  end)

  local function api(method, rest, opts, version)
    return m:request(method, "/" .. (version or "2.11") .. rest, opts)
  end
  local function assert_error(want_status, want_name, pattern, status, body, raw)
    assert.equal(want_status, status, raw)
    assert.equal(want_name, body.error_code, raw)
    assert.is_string(body.error_message)
    assert.is_nil(body.code) -- no numeric code in the 2.x schema
    if pattern then assert.matches(pattern, body.error_message) end
  end
  local function project() return m:state().projects[KEYS.project_key] end
  local function wait(seconds) socket.sleep(seconds) end

  it("serves every route under any 2.N version, with the 2.x error shape and CEP authentication", function()
    for _, v in ipairs{ "2.1", "2.4", "2.11", "2.99" } do
      local status, body, raw = api("GET", "/audiences/list", nil, v)
      assert.equal(200, status, raw)
      assert.is_table(body.audiences)
    end
    local status, body, raw = m:request("GET", "/2.11/catalogs/list", { auth = false })
    assert_error(401, "AUTHENTICATION_INVALID", nil, status, body, raw)
    status, body, raw = m:request("GET", "/2.11/orchestrations/list", { auth = false,
      headers = { authorization = "Bearer " .. KEYS.rest_key } })
    assert_error(400, "MISSING_PARAMETER", "X%-Batch%-Project", status, body, raw)
    status, body, raw = api("GET", "/profiles/update")
    assert_error(404, "ROUTE_NOT_FOUND", "Route not found", status, body, raw)
    status, body, raw = api("POST", "/audiences/create", { body = "{" })
    assert_error(400, "MALFORMED_JSON_BODY", nil, status, body, raw)
    assert.equal(404, (m:request("GET", "/3.0/audiences/list")))
  end)

  ------------------------------------------------------------------------------------ profiles
  describe("profiles/update and mass-update", function()
    it("202 SUCCESS; profiles are created, attributes merged ($add, $remove, null), events kept", function()
      local status, body, raw = api("POST", "/profiles/update", { body = { {
        identifiers = { custom_id = "jane" },
        attributes = { ["$email_marketing"] = "subscribed", ["$language"] = "en", ["$region"] = "FR",
                       ["$timezone"] = "Europe/Paris", firstname = "Jane", ["date(birthdate)"] = "1989-07-20T00:00:00Z",
                       interests = { "bikes", "cinema" }, nickname = "jj" },
        events = { { name = "added_to_cart", attributes = { ["$label"] = "pumpkin", quantity = 5, unit_price = 3.99,
                     ["$tags"] = { "fruits", "organic" }, item = { sku = "P1", sizes = { { s = 1 } } } } } },
      } } })
      assert.equal(202, status, raw)
      assert.same({ code = "SUCCESS" }, body)
      status = api("POST", "/profiles/mass-update", { body = { {
        identifiers = { custom_id = "jane" },
        attributes = { interests = { ["$add"] = { "chess" }, ["$remove"] = { "cinema" } }, nickname = cjson.null },
      } } })
      assert.equal(202, status)
      local jane = project().profiles.jane
      assert.equal("Jane", jane.attributes.firstname)
      assert.equal("1989-07-20T00:00:00Z", jane.attributes.birthdate)
      assert.same({ "bikes", "chess" }, jane.attributes.interests)
      assert.is_nil(jane.attributes.nickname)
      assert.equal("en", jane.attributes["$language"])
      assert.equal(1, #jane.events)
      assert.equal("added_to_cart", jane.events[1].name)
      assert.equal(5, jane.events[1].attributes.quantity)
      assert.equal("P1", jane.events[1].attributes.item.sku)
    end)

    it("drops an invalid attribute and answers SUCCESS_WITH_PARTIAL_ERRORS with its bulk_index", function()
      local status, body, raw = api("POST", "/profiles/update", { body = {
        { identifiers = { custom_id = "ok" }, attributes = { plan = "gold" } },
        { identifiers = { custom_id = "bad" }, attributes = { ["First-Name"] = "x", plan = "silver",
          ["$language"] = "english", ["$unknown"] = 1, ["date(since)"] = "soon", bio = string.rep("b", 301) },
          events = { { name = "viewed", attributes = { ["Bad Name"] = 1, fine = 2 } } } },
      } })
      assert.equal(202, status, raw)
      assert.equal("SUCCESS_WITH_PARTIAL_ERRORS", body.code)
      local by = {}
      for _, e in ipairs(body.errors) do
        assert.equal(1, e.bulk_index)
        assert.is_string(e.category)
        assert.is_string(e.reason)
        by[e.attribute] = e
      end
      for _, a in ipairs{ "First-Name", "$language", "$unknown", "date(since)", "bio",
                          "events[0].attributes.Bad Name" } do
        assert.is_table(by[a], a)
      end
      assert.equal(6, #body.errors)
      local p = project().profiles
      assert.same({ plan = "gold" }, p.ok.attributes)
      assert.same({ plan = "silver" }, p.bad.attributes)
      assert.same({ fine = 2 }, p.bad.events[1].attributes)
    end)

    it("caps: 200 profiles a call on update, 10 000 on mass-update; malformed calls are 400s", function()
      local function profiles(n) return many(n, function(i) return { identifiers = { custom_id = "u" .. i } } end) end
      assert.equal(202, (api("POST", "/profiles/update", { body = profiles(200) })))
      local status, body, raw = api("POST", "/profiles/update", { body = profiles(201) })
      assert_error(400, "MALFORMED_PARAMETER", "200", status, body, raw)
      assert.equal(202, (api("POST", "/profiles/mass-update", { body = profiles(10000) })))
      status, body, raw = api("POST", "/profiles/mass-update", { body = profiles(10001) })
      assert_error(400, "MALFORMED_PARAMETER", "10000", status, body, raw)
      local cases = {
        { '{"identifiers":{"custom_id":"x"}}', "MALFORMED_JSON_BODY" },
        { "[]", "MALFORMED_PARAMETER", "empty" },
        { '[{"attributes":{}}]', "MISSING_PARAMETER", "%[0%]%.identifiers" },
        { '[{"identifiers":{}}]', "MISSING_PARAMETER", "custom_id" },
        { '[{"identifiers":{"custom_id":""}}]', "MALFORMED_PARAMETER", "custom_id" },
        { '[{"identifiers":{"custom_id":"a"}},{"identifiers":{"custom_id":"b"},"attributes":[1]}]',
          "MALFORMED_PARAMETER", "%[1%]%.attributes" },
        { '[{"identifiers":{"custom_id":"a"},"events":{"name":"x"}}]', "MALFORMED_PARAMETER", "events" },
        { '[{"identifiers":{"custom_id":"a"},"events":[{"attributes":{}}]}]', "MISSING_PARAMETER",
          "events%[0%]%.name" },
      }
      for _, c in ipairs(cases) do
        status, body, raw = api("POST", "/profiles/update", { body = c[1] })
        assert_error(400, c[2], c[3], status, body, raw)
      end
    end)
  end)

  ------------------------------------------------------------------------------------ audiences
  describe("audiences", function()
    it("create, update (last action wins), view with indexing tokens IN_PROGRESS -> APPLIED, REPLACED", function()
      m:config{ indexing_delay = 1 }
      local status, body, raw = api("POST", "/audiences/create", { body = { name = "VIP-2024", type = "custom_ids",
                                                                             display_name = "VIP users" } })
      assert.equal(202, status, raw)
      assert.matches("^%x+$", body.indexing_token)
      status, body = api("POST", "/audiences/update", { body = { name = "VIP-2024", ids = {
        { action = "add", id = "john", attributes = { age = 31, ["date(since)"] = "2024-01-01T00:00:00Z",
                                                      sports = { "golf" } } },
        { action = "add", id = "jane" }, { action = "add", id = "joe" }, { action = "remove", id = "joe" } } } })
      assert.equal(202, status)
      local update_token = body.indexing_token
      status, body, raw = api("GET", "/audiences/view?name=VIP-2024&indexing_token=" .. update_token)
      assert.equal(200, status, raw)
      assert.same({ name = "VIP-2024", display_name = "VIP users", type = "CUSTOM_ID", nb_ids = 2,
                    indexing_state = "IN_PROGRESS", created = body.created, updated = body.updated }, body)
      assert.matches("^%d%d%d%d%-%d%d%-%d%dT%d%d:%d%d:%d%dZ$", body.created)
      wait(1.1)
      assert.equal("APPLIED", select(2, api("GET", "/audiences/view?name=VIP-2024&indexing_token=" .. update_token))
                              .indexing_state)
      status, body = api("POST", "/audiences/replace", { body = { name = "VIP-2024", ids = { { id = "zoe" } } } })
      assert.equal(202, status)
      local replace_token = body.indexing_token
      assert.equal("REPLACED", select(2, api("GET", "/audiences/view?name=VIP-2024&indexing_token=" .. update_token))
                               .indexing_state)
      status, body = api("GET", "/audiences/view?name=VIP-2024")
      assert.equal(200, status)
      assert.equal("IN_PROGRESS", body.indexing_state) -- without a token: the last update's state
      assert.equal(1, body.nb_ids)
      assert.same({ zoe = true }, project().audiences["VIP-2024"].ids)
      assert.is_string(replace_token)
      status, body, raw = api("GET", "/audiences/view?name=VIP-2024&indexing_token=ffff")
      assert_error(400, "MALFORMED_PARAMETER", "indexing_token", status, body, raw)

      status, body = api("POST", "/audiences/remove", { body = { name = "VIP-2024" } })
      assert.equal(202, status)
      assert.is_string(body.indexing_token)
      status, body, raw = api("GET", "/audiences/view?name=VIP-2024")
      assert_error(404, "ROUTE_NOT_FOUND", "VIP%-2024", status, body, raw)
      status, body, raw = api("POST", "/audiences/update", { body = { name = "VIP-2024", ids = { { action = "add",
                                                                                                  id = "x" } } } })
      assert_error(404, "ROUTE_NOT_FOUND", nil, status, body, raw)
    end)

    it("lists with a cursor: count on the first page only, has_more, next_from", function()
      for i = 1, 5 do api("POST", "/audiences/create", { body = { name = "a" .. i, type = "custom_ids" } }) end
      local names, cursor, pages = {}, nil, 0
      repeat
        local status, body, raw = api("GET", "/audiences/list?limit=2" .. (cursor and ("&from=" .. cursor) or ""))
        assert.equal(200, status, raw)
        pages = pages + 1
        if pages == 1 then assert.equal(5, body.count) else assert.is_nil(body.count) end
        for _, a in ipairs(body.audiences) do names[#names + 1] = a.name end
        cursor = body.has_more
          and body.next_from:gsub("[+/=]", function(c) return string.format("%%%02X", c:byte()) end)
        if not body.has_more then assert.is_nil(body.next_from) end
      until not cursor
      assert.equal(3, pages)
      assert.same({ "a5", "a4", "a3", "a2", "a1" }, names)
      for _, q in ipairs{ "limit=0", "limit=101", "from=garbage!" } do
        local status, body, raw = api("GET", "/audiences/list?" .. q)
        assert_error(400, "MALFORMED_PARAMETER", nil, status, body, raw)
      end
    end)

    it("refuses bad names and types, more than 10 000 ids, attributes with remove or over 15", function()
      local cases = {
        { "/audiences/create", { type = "custom_ids" }, "MISSING_PARAMETER", "name" },
        { "/audiences/create", { name = "vip list", type = "custom_ids" }, "MALFORMED_PARAMETER", "name" },
        { "/audiences/create", { name = string.rep("a", 256), type = "custom_ids" }, "MALFORMED_PARAMETER", "255" },
        { "/audiences/create", { name = "vip" }, "MISSING_PARAMETER", "type" },
        { "/audiences/create", { name = "vip", type = "emails" }, "MALFORMED_PARAMETER", "type" },
      }
      for _, c in ipairs(cases) do
        local status, body, raw = api("POST", c[1], { body = c[2] })
        assert_error(400, c[3], c[4], status, body, raw)
      end
      api("POST", "/audiences/create", { body = { name = "vip", type = "custom_ids" } })
      local status, body, raw = api("POST", "/audiences/create", { body = { name = "vip", type = "custom_ids" } })
      assert_error(400, "MALFORMED_PARAMETER", "exists", status, body, raw)
      local updates = {
        { { name = "vip" }, "MISSING_PARAMETER", "ids" },
        { { name = "vip", ids = many(10001, function(i) return { action = "add", id = "u" .. i } end) },
          "MALFORMED_PARAMETER", "10000" },
        { { name = "vip", ids = { { action = "remove", id = "a", attributes = { x = 1 } } } }, "MALFORMED_PARAMETER",
          "only with action add" },
        { { name = "vip", ids = { { action = "add", id = "a", attributes = (function()
            local t = {}
            for i = 1, 16 do t["a" .. i] = i end
            return t
          end)() } } },
          "MALFORMED_PARAMETER", "15" },
        { { name = "vip", ids = { { action = "add", id = "a", attributes = { ["url(site)"] = "nope" } } } },
          "MALFORMED_PARAMETER", "url" },
        { { name = "vip", ids = { { action = "flip", id = "a" } } }, "MALFORMED_PARAMETER", "action" },
      }
      for _, c in ipairs(updates) do
        status, body, raw = api("POST", "/audiences/update", { body = c[1] })
        assert_error(400, c[2], c[3], status, body, raw)
      end
      local ok = many(10000, function(i) return { action = "add", id = "u" .. i } end)
      assert.equal(202, (api("POST", "/audiences/update", { body = { name = "vip", ids = ok } })))
      local too_many = many(10001, function(i) return { id = "u" .. i } end)
      status, body, raw = api("POST", "/audiences/replace", { body = { name = "vip", ids = too_many } })
      assert_error(400, "MALFORMED_PARAMETER", "10000", status, body, raw)
      status, body, raw = api("GET", "/audiences/view")
      assert_error(400, "MISSING_PARAMETER", "name", status, body, raw)
    end)
  end)

  ------------------------------------------------------------------------------------ orchestrations
  describe("campaigns and orchestrations", function()
    local function campaign(extra)
      local c = { name = "Spring push", state = "DRAFT", when = { local_time = false, start_time = "now" },
                  targeting = { languages = { "en" }, regions = { "FR" },
                                query = { firstname = { ["$eq"] = "Jane" } } },
                  messages = { { channel_type = "push", title = "Hi", body = "Hello" } }, send_rate = 5000,
                  labels = { "SPRING" } }
      for k, v in pairs(extra or {}) do c[k] = v end
      return c
    end

    it("a created campaign is the first orchestration listed, with stats once running", function()
      local status, body, raw = api("POST", "/campaigns/create", { body = campaign{ state = "RUNNING" } })
      assert.equal(201, status, raw)
      local id = body.id
      assert.matches("^orchestration_[0-9a-z]+$", id)
      status, body = api("GET", "/orchestrations/list?limit=1")
      assert.equal(200, status)
      assert.equal(13, body.count) -- 12 seeded dashboard orchestrations and this one
      local o = body.orchestrations[1]
      assert.equal(id, o.id)
      assert.equal("campaign", o.type)
      assert.equal("api", o.source)
      assert.equal("running", o.status)
      assert.same({ "push" }, o.channels)
      assert.same({ "SPRING" }, o.labels)
      assert.equal("Spring push", o.name)
      local today = utc(os.time())
      local function stats_of(oid)
        return "/orchestrations/stats?orchestration_id=" .. oid .. "&from=" .. today .. "&to=" .. today
      end
      status, body, raw = api("GET", stats_of(id))
      assert.equal(200, status, raw)
      assert.equal(id, body.id)
      assert.equal(1, #body.details)
      local d = body.details[1]
      assert.equal(today, d.date)
      for _, f in ipairs{ "sent", "delivered", "unique_open", "total_open", "unique_machine_open", "unique_click",
                          "total_click", "spam", "unsubscribe", "total_bounce", "skipped" } do
        assert.is_number(d[f], f)
      end
      -- a running, started, one-time campaign cannot be updated; a draft can
      status, body, raw = api("POST", "/campaigns/update", { body = { id = id, campaign = campaign{ name = "x" } } })
      assert_error(400, "MALFORMED_PARAMETER", "running", status, body, raw)
      status, body = api("POST", "/campaigns/create", { body = campaign() })
      assert.equal(201, status)
      local draft = body.id
      local renamed = campaign{ name = "Renamed", messages = { { channel_type = "email", subject = "s" } } }
      status, body, raw = api("POST", "/campaigns/update", { body = { id = draft, campaign = renamed } })
      assert.equal(200, status, raw)
      assert.same({}, body)
      local stored = project().orchestrations[draft]
      assert.equal("Renamed", stored.name)
      assert.same({ "email" }, stored.channels)
      status, body = api("GET", stats_of(draft))
      assert.equal(200, status)
      assert.same({}, body.details) -- drafts are not sent

      status, body = api("POST", "/campaigns/delete", { body = { id = draft } })
      assert.equal(200, status)
      assert.same({}, body)
      status, body, raw = api("POST", "/campaigns/delete", { body = { id = draft } })
      assert_error(404, "ROUTE_NOT_FOUND", "Not found", status, body, raw)
      status, body, raw = api("GET", stats_of(draft))
      assert_error(404, "ROUTE_NOT_FOUND", nil, status, body, raw)
    end)

    it("refuses campaigns outside the documented schema", function()
      local cases = {
        { campaign{ name = cjson.null }, "MISSING_PARAMETER", "name" },
        { campaign{ state = cjson.null }, "MISSING_PARAMETER", "state" },
        { campaign{ state = "PAUSED" }, "MALFORMED_PARAMETER", "state" },
        { campaign{ when = cjson.null }, "MISSING_PARAMETER", "when" },
        { campaign{ when = { start_time = "tomorrow" } }, "MALFORMED_PARAMETER", "start_time" },
        { campaign{ messages = cjson.null }, "MISSING_PARAMETER", "messages" },
        { campaign{ messages = { { channel_type = "push" }, { channel_type = "email" } } }, "MALFORMED_PARAMETER",
          "exactly one" },
        { campaign{ messages = { { channel_type = "fax" } } }, "MALFORMED_PARAMETER", "channel_type" },
        { campaign{ send_rate = 999 }, "MALFORMED_PARAMETER", "send_rate" },
        { campaign{ send_rate = 1000001 }, "MALFORMED_PARAMETER", "send_rate" },
        { campaign{ labels = { "a", "b", "c", "d", "e", "f" } }, "MALFORMED_PARAMETER", "5 labels" },
        { campaign{ targeting = { languages = "en" } }, "MALFORMED_PARAMETER", "languages" },
      }
      for _, c in ipairs(cases) do
        local status, body, raw = api("POST", "/campaigns/create", { body = c[1] })
        assert_error(400, c[2], c[3], status, body, raw)
      end
      for _, rate in ipairs{ 1000, 1000000 } do
        assert.equal(201, (api("POST", "/campaigns/create", { body = campaign{ send_rate = rate,
          labels = { "a", "b", "c", "d", "e" } } })))
      end
      local status, body, raw = api("POST", "/campaigns/update", { body = { campaign = campaign() } })
      assert_error(400, "MISSING_PARAMETER", "id", status, body, raw)
      status, body, raw = api("POST", "/campaigns/update", { body = { id = "orchestration_none" } })
      assert_error(400, "MISSING_PARAMETER", "campaign", status, body, raw)
      status, body, raw = api("POST", "/campaigns/update",
                              { body = { id = "orchestration_none", campaign = campaign() } })
      assert_error(404, "ROUTE_NOT_FOUND", nil, status, body, raw)
    end)

    it("stats need orchestration_id, from and to (YYYY-MM-DD, from within 6 months, to after from)", function()
      local _, list = api("GET", "/orchestrations/list?limit=100")
      assert.equal(12, #list.orchestrations)
      local running
      for _, o in ipairs(list.orchestrations) do
        assert.equal("dashboard", o.source)
        if o.status == "running" then running = o.id end
      end
      local now = os.time()
      local from, to = utc(now - 10 * 86400), utc(now)
      local status, body = api("GET", "/orchestrations/stats?orchestration_id=" .. running .. "&from=" .. from
                                      .. "&to=" .. to)
      assert.equal(200, status)
      assert.equal(11, #body.details)
      assert.equal(from, body.details[1].date)
      local cases = {
        { "from=" .. from .. "&to=" .. to, "MISSING_PARAMETER", "orchestration_id" },
        { "orchestration_id=" .. running .. "&to=" .. to, "MISSING_PARAMETER", "from" },
        { "orchestration_id=" .. running .. "&from=" .. from, "MISSING_PARAMETER", "to" },
        { "orchestration_id=" .. running .. "&from=last-week&to=" .. to, "MALFORMED_PARAMETER", "from" },
        { "orchestration_id=" .. running .. "&from=" .. utc(now - 200 * 86400) .. "&to=" .. to, "MALFORMED_PARAMETER",
          "6 months" },
        { "orchestration_id=" .. running .. "&from=" .. to .. "&to=" .. from, "MALFORMED_PARAMETER", "to" },
      }
      for _, c in ipairs(cases) do
        local s, b, raw = api("GET", "/orchestrations/stats?" .. c[1])
        assert_error(400, c[2], c[3], s, b, raw)
      end
    end)
  end)

  ------------------------------------------------------------------------------------ catalogs
  describe("catalogs", function()
    local FIELDS = { { name = "price", type = "float" }, { name = "title", type = "string" } }

    it("create (201 {}), update fields (202), items/edit (202 + indexing token), view, list, remove", function()
      m:config{ indexing_delay = 1 }
      local status, body, raw = api("POST", "/catalogs/create", { body = { name = "products", fields = FIELDS } })
      assert.equal(201, status, raw)
      assert.same({}, body)
      status, body, raw = api("POST", "/catalogs/update", { body = { name = "products", fields = {
        { action = "add", name = "in_stock", type = "bool" }, { action = "remove", name = "title" } } } })
      assert.equal(202, status, raw)
      assert.same({}, body)
      status, body, raw = api("POST", "/catalogs/items/edit", { body = { name = "products", items = {
        { id = "p1", action = "add", attributes = { price = 3.99, in_stock = true, ["url(page)"] = "https://x.io/p1",
                                                   ["date(added)"] = "2025-07-29T13:48:02Z", sizes = { "S", "M" } } },
        { id = "p2", action = "add", attributes = { price = 1 } } } } })
      assert.equal(202, status, raw)
      local token = body.indexing_token
      assert.is_string(token)
      status, body = api("GET", "/catalogs/view?name=products&indexing_token=" .. token)
      assert.equal(200, status)
      assert.equal("products", body.name)
      assert.same({ { name = "price", type = "float" }, { name = "in_stock", type = "bool" } }, body.fields)
      assert.equal(2, body.items)
      assert.is_true(body.size > 0)
      assert.equal("IN_PROGRESS", body.indexing_state)
      wait(1.1)
      assert.equal("APPLIED", select(2, api("GET", "/catalogs/view?name=products")).indexing_state)
      api("POST", "/catalogs/items/edit",
          { body = { name = "products", items = { { id = "p2", action = "remove" } } } })
      assert.same({ "p1" }, (function()
        local ids = {}
        for id in pairs(project().catalogs.products.items) do ids[#ids + 1] = id end
        return ids
      end)())

      status, body = api("GET", "/catalogs/list")
      assert.equal(200, status)
      assert.equal(1, body.count)
      assert.is_false(body.has_more)
      assert.equal(1, body.catalogs[1].items)
      for _, f in ipairs{ "name", "fields", "items", "size", "created", "updated" } do
        assert.is_not_nil(body.catalogs[1][f], f)
      end
      assert.equal(202, (api("POST", "/catalogs/remove", { body = { name = "products" } })))
      status, body, raw = api("POST", "/catalogs/remove", { body = { name = "products" } })
      assert_error(404, "ROUTE_NOT_FOUND", "Not found", status, body, raw)
    end)

    it("caps: 25 fields, 5 catalogs a project, 200 items a call; field names and types; item attributes", function()
      local status, body, raw = api("POST", "/catalogs/create", { body = { name = "big",
        fields = many(26, function(i) return { name = "f" .. i, type = "string" } end) } })
      assert_error(400, "MALFORMED_PARAMETER", "25", status, body, raw)
      local fields = {
        { { name = "Price", type = "float" }, "name" }, { { name = string.rep("f", 251), type = "float" }, "250" },
        { { name = "price", type = "money" }, "type" }, { { name = "price" }, "type" },
      }
      for _, f in ipairs(fields) do
        status, body, raw = api("POST", "/catalogs/create", { body = { name = "c", fields = { f[1] } } })
        assert.equal(400, status, raw)
        assert.matches(f[2], body.error_message)
      end
      for i = 1, 5 do
        assert.equal(201, (api("POST", "/catalogs/create", { body = { name = "c" .. i,
          fields = i == 1 and many(25, function(k) return { name = "f" .. k, type = "string" } end) or nil } })))
      end
      status, body, raw = api("POST", "/catalogs/create", { body = { name = "c6" } })
      assert_error(400, "MALFORMED_PARAMETER", "5 catalogs", status, body, raw)
      status, body, raw = api("POST", "/catalogs/create", { body = { name = "c1" } })
      assert_error(400, "MALFORMED_PARAMETER", "exists", status, body, raw)
      status, body, raw = api("POST", "/catalogs/update", { body = { name = "c1", fields = {
        { action = "add", name = "f26", type = "string" } } } })
      assert_error(400, "MALFORMED_PARAMETER", "25", status, body, raw)
      status, body, raw = api("POST", "/catalogs/update", { body = { name = "c2", fields = {
        { action = "remove", name = "nothing" } } } })
      assert_error(400, "MALFORMED_PARAMETER", "no field", status, body, raw)

      local function items(n) return many(n, function(i) return { id = "i" .. i, action = "add",
                                                                  attributes = { n = i } } end) end
      assert.equal(202, (api("POST", "/catalogs/items/edit", { body = { name = "c2", items = items(200) } })))
      status, body, raw = api("POST", "/catalogs/items/edit", { body = { name = "c2", items = items(201) } })
      assert_error(400, "MALFORMED_PARAMETER", "200", status, body, raw)
      local bad = {
        { { id = "x", action = "add", attributes = { Bad = 1 } }, "Bad" },
        { { id = "x", action = "add", attributes = { d = string.rep("d", 10001) } }, "10000" },
        { { id = "x", action = "add", attributes = { l = many(16, tostring) } }, "15" },
        { { id = "x", action = "add", attributes = { ["date(d)"] = "never" } }, "date" },
        { { id = "x", action = "toss", attributes = {} }, "action" },
        { { action = "add", attributes = {} }, "id" },
      }
      for _, b in ipairs(bad) do
        status, body, raw = api("POST", "/catalogs/items/edit", { body = { name = "c2", items = { b[1] } } })
        assert.equal(400, status, raw)
        assert.matches(b[2], body.error_message)
      end
      status, body, raw = api("POST", "/catalogs/items/edit", { body = { name = "nope", items = items(1) } })
      assert_error(404, "ROUTE_NOT_FOUND", nil, status, body, raw)
    end)
  end)

  it("GET /_mock/routes lists every 2.x route as /2.N/...; faults and the log apply; reset empties all", function()
    local _, routes = m:control("GET", "/_mock/routes")
    local listed = {}
    for _, r in ipairs(routes) do listed[r.method .. " " .. r.path] = r.auth end
    for _, r in ipairs{ "POST profiles/update", "POST profiles/mass-update", "POST audiences/create",
                        "POST audiences/update", "POST audiences/replace", "POST audiences/remove",
                        "GET audiences/list",
                        "GET audiences/view", "POST campaigns/create", "POST campaigns/update", "POST campaigns/delete",
                        "GET orchestrations/list", "GET orchestrations/stats", "POST catalogs/create",
                        "POST catalogs/update", "POST catalogs/remove", "GET catalogs/list", "GET catalogs/view",
                        "POST catalogs/items/edit", "POST profiles/export", "GET exports/view", "GET exports/list",
                        "GET exports/download" } do
      local method, path = r:match("^(%S+) (.*)$")
      assert.equal("cep", listed[method .. " /2.N/" .. path], r)
      m:fault{ path = "/" .. path, method = method, status = 503 }
      local status, body, raw = api(method, "/" .. path, { body = "{}" }, "2.7")
      assert_error(503, "MAINTENANCE_ERROR", nil, status, body, raw)
      local last = m:log()
      assert.equal("/2.7/" .. path, last[#last].path)
    end
    api("POST", "/profiles/update", { body = { { identifiers = { custom_id = "x" } } } })
    api("POST", "/catalogs/create", { body = { name = "c" } })
    m:reset()
    local p = project()
    assert.same({}, p.profiles)
    assert.same({}, p.catalogs)
    assert.same({}, p.audiences)
  end)
end)
