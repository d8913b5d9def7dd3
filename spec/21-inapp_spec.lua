-- In-app campaigns API 1.1 against the emulator.
local batch = require "batch"
local cjson = require "cjson"
local mock = require "spec.support.mock"

describe("inapp_campaigns (API 1.1)", function()
  local m, client, keys
  setup(function() m = mock.start() keys = m.keys end)
  teardown(function()
    if client then client:close() end
    m:stop()
  end)
  before_each(function()
    m:reset()
    if client then client:close() end
    client = batch.new{ api_key = keys.api_key, rest_key = keys.rest_key, base_url = m.url, sleep = function() end }
  end)

  local base = function() return "/1.1/" .. keys.api_key .. "/in-app-campaigns" end

  it("list, get: the in-app routes with the in-app fields", function()
    local page = assert(client.inapp_campaigns:list{ limit = 3, live = true })
    assert.equal(3, #page)
    local log = m:log()
    assert.equal(base() .. "/list", log[1].path)
    assert.equal("limit=3&live=true", log[1].query)
    local c = assert(client.inapp_campaigns:get(page[1].campaign_token))
    assert.equal(page[1].campaign_token, c.campaign_token)
    assert.is_table(c.landing)
    assert.is_table(c.trigger)
    assert.equal(base() .. "/" .. c.campaign_token, m:log()[2].path)
  end)

  it("each: walks all in-app campaigns", function()
    local all = assert(client.inapp_campaigns:list{ limit = 100 })
    local n = 0
    for c in client.inapp_campaigns:each{ page_size = 5 } do
      n = n + 1
      assert.equal(all[n].campaign_token, c.campaign_token)
    end
    assert.equal(#all, n)
  end)

  it("create, update, delete: POST routes with the documented bodies", function()
    local body = {
      name = "Test Campaign", local_start_date = "2017-06-01T14:00:00", live = true,
      trigger = { capping = 1, when = "NEXT_SESSION" },
      landing = { theme = "HELLO-THEME", contents = { { language = "en", title = "Hello!", body = "How is it going?",
                  actions = { { label = "Continue", action = "continue" } } } } },
    }
    local res = assert(client.inapp_campaigns:create(body))
    local token = res.campaign_token
    assert.equal(base() .. "/create", m:log()[1].path)
    assert.same(body, cjson.decode(m:log()[1].body))
    -- an update carries at least the create's parameters (batch-api.md §1.4): the whole body, changed
    local changed = {}
    for k, v in pairs(body) do changed[k] = v end
    changed.name, changed.live = "Renamed", false
    assert.is_true(client.inapp_campaigns:update(token, changed))
    assert.equal(base() .. "/update/" .. token, m:log()[2].path)
    assert.equal("Renamed", assert(client.inapp_campaigns:get(token)).name)
    assert.is_true(client.inapp_campaigns:delete(token))
    assert.equal(base() .. "/delete/" .. token, m:log()[4].path)
    local _, err = client.inapp_campaigns:get(token)
    assert.equal("ROUTE_NOT_FOUND", err.name)
  end)

  it("has no stats method (Batch documents no in-app stats route)", function()
    assert.is_nil(client.inapp_campaigns.stats)
    assert.is_function(client.campaigns.stats)
  end)

  it("for_app reaches another app's data with its own key, on the same connection", function()
    local ios = assert(client.inapp_campaigns:list{ limit = 100 })
    local android = client:for_app(keys.other_api_key)
    local other = assert(android.inapp_campaigns:list{ limit = 100 })
    assert.are_not.same(ios, other)
    local log = m:log()
    assert.equal("/1.1/" .. keys.other_api_key .. "/in-app-campaigns/list", log[2].path)
    assert.equal(log[1].connection, log[2].connection)
    android:close()
  end)
end)
