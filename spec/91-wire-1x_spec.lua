-- Every per-app (1.x) route on the wire, one case each (spec/support/wire_cases.lua): the method of the
-- client sends what Batch documents (method, path with the API key and percent-encoding, query, the
-- X-Authorization header, the JSON body) and reads the answer; then the refusals of batch.rules, each
-- sending nothing, and Batch's documented errors.
local batch = require "batch"
local mock = require "spec.support.mock"
local wire = require "spec.support.wire"
local wire_cases = require "spec.support.wire_cases"
local file_util = require "spec.support.files"

describe("on the wire, 1.x", function()
  local m, c, ctx
  setup(function()
    m = mock.start()
    m:exports_config{ pending_after = 0.01, done_after = 0.02 }
    c = batch.new{ api_key = m.keys.api_key, rest_key = m.keys.rest_key, project_key = m.keys.project_key,
                   base_url = m.url }
    local seeded = assert(c.campaigns:list{ limit = 1, from_api = false })[1].campaign_token
    local seeded_inapp = assert(c.inapp_campaigns:list{ limit = 1 })[1].campaign_token
    local export = assert(c.exports:create{ campaign = seeded, kind = "events", from = "now", to = "now",
                                            events = { "push_sent" }, ids = { "install_id" } })
    ctx = { keys = m.keys, campaigns = { seeded = seeded }, inapp_campaigns = { seeded = seeded_inapp },
            export = assert(c.exports:wait(export, { interval = 0.02 })), tmpdir = file_util.tmpdir }
  end)
  teardown(function()
    if c then c:close() end
    m:stop()
  end)

  for _, name in ipairs(wire_cases.order) do
    local case = wire_cases.cases[name]
    if case.family == "1" then
      it(name .. ": " .. case.method .. " " .. (case.path or "(path of the case)"), function()
        wire.run(m, c, case, ctx)
      end)
    end
  end

  -- What Batch documents as invalid, refused before anything is sent (batch-api.md §6-§12).
  local function events_of(n, ev) local t = {} for i = 1, n do t[i] = ev or { name = "e" .. i } end return t end
  local function attrs(n) local t = {} for i = 1, n do t["a" .. i] = i end return t end
  local function ids(n) local t = {} for i = 1, n do t[i] = "u" .. i end return t end
  local OK_RECIPIENTS = { custom_ids = { "a" } }
  local REFUSED = {
    { "group_id characters", function() return c.transactional:send{ group_id = "order shipped",
        recipients = OK_RECIPIENTS, message = { body = "x" } } end, "group_id may hold only" },
    { "group_id missing", function() return c.transactional:send{ recipients = OK_RECIPIENTS } end,
      "group_id is required" },
    { "recipients missing", function() return c.transactional:send{ group_id = "g" } end, "recipients is required" },
    { "empty recipients", function()
        return c.transactional:send{ group_id = "g", recipients = { custom_ids = {} } } end,
      "recipients holds no id" },
    { "stats without from", function() return c.transactional:stats("g", {}) end, "from is required" },
    { "stats from after to", function()
        return c.transactional:stats("g", { from = "2026-02-01", to = "2026-01-01" }) end,
      "from must come before to" },
    { "stats over 6 months", function()
        return c.transactional:stats("g", { from = "2025-01-01", to = "2025-12-01" }) end,
      "at most 6 months" },
    { "an empty custom ID", function() return c.custom_data:set("", { a = 1 }) end, "custom_id is empty" },
    { "10 001 custom data updates", function()
        local t = {} for i = 1, 10001 do t[i] = { id = "u" .. i, values = { a = 1 } } end
        return c.custom_data:set_many(t) end, "at most 10000 custom data updates" },
    { "10 001 ids to delete", function() return c.custom_data:delete_many(ids(10001)) end, "at most 10000 custom IDs" },
    { "1001 events", function() return c.events:track("u", events_of(1001)) end, "at most 1000 events" },
    { "1001 events in all", function()
        return c.events:track_many{ { id = "a", events = events_of(600) }, { id = "b", events = events_of(401) } } end,
      "at most 1000 events" },
    { "16 attributes", function() return c.events:track("u", { { name = "e", attributes = attrs(16) } }) end,
      "16 attributes (at most 15)" },
    { "11 tags", function() return c.events:track("u", { { name = "e", tags = ids(11) } }) end,
      "11 tags (at most 10)" },
    { "a label of 201 characters", function()
        return c.events:track("u", { { name = "e", label = ("x"):rep(201) } }) end,
      "label is longer than 200" },
    { "an attribute name with capitals", function()
        return c.events:track("u", { { name = "e", attributes = { Plan = "x" } } }) end, "attribute name 'Plan'" },
    { "an attribute name of 31 characters", function()
        return c.events:track("u", { { name = "e", attributes = { [("a"):rep(31)] = 1 } } }) end,
      "1 to 30 characters" },
    { "a typed attribute with a bad name", function()
        return c.events:track("u", { { name = "e", attributes = { ["date(Bad)"] = 1 } } }) end, "date(Bad)" },
    { "an event older than 24 hours", function()
        return c.events:track("u", { { name = "e", time = os.time() - 25 * 3600 } }) end, "older than 24 hours" },
    { "an event in the future", function()
        return c.events:track("u", { { name = "e", time = os.date("!%Y-%m-%dT%H:%M:%S", os.time() + 3600) } }) end,
      "in the future" },
    { "an event without a name", function() return c.events:track("u", { { label = "x" } }) end, "name is required" },
    { "a GDPR request_type other than review or remove", function()
        return c.gdpr:request{ request_type = "erase", id = { type = "custom_id", value = "j" } } end,
      "request_type must be 'review' or 'remove'" },
    { "a GDPR request without an id", function() return c.gdpr:request{ request_type = "review" } end,
      "id is required" },
    { "an audience name with a space", function()
        return c.custom_audiences:create("vip list", { type = "custom_ids" }) end,
      "may hold only letters" },
    { "a 1.0 audience type", function()
        return c.custom_audiences:create("vip", { type = "emails", version = "1.0" }) end, "type must be" },
    { "10 001 audience ids", function() return c.custom_audiences:update("vip", ids(10001)) end, "at most 10000 ids" },
    { "a bad action", function() return c.custom_audiences:update("vip", { { action = "drop", id = "a" } }) end,
      "action must be 'add' or 'remove'" },
  }
  for _, r in ipairs(REFUSED) do
    it("refuses " .. r[1] .. ", sending nothing", function() wire.refused(m, c, r[2], r[3]) end)
  end

  it("gives Batch's documented errors: 404 for an unknown GDPR request or campaign, 401 for a bad key", function()
    local _, err = c.gdpr:get("0f0e0d0c-0000-0000-0000-000000000000")
    assert.equal("ROUTE_NOT_FOUND", err.name)
    assert.equal(404, err.status)
    assert.equal(20, err.code)
    _, err = c.campaigns:update("0123456789abcdef0123456789abcdef", { name = "Wire", live = true })
    assert.equal("ROUTE_NOT_FOUND", err.name)
    local bad = batch.new{ api_key = m.keys.api_key, rest_key = "not-the-key", base_url = m.url }
    _, err = bad.transactional:send{ group_id = "g", recipients = OK_RECIPIENTS, message = { body = "x" } }
    bad:close()
    assert.equal("AUTHENTICATION_INVALID", err.name)
    assert.equal(10, err.code)
    assert.is_false(err.retryable)
  end)

  it("custom data set, then visible in the emulator's state view", function()
    assert(c.custom_data:set("state.user", { plan = "gold" }))
    local user = m:state().apps.ios.custom_data["state.user"]
    assert.is_table(user)
    assert.equal("gold", (user.values or user).plan)
  end)
end)
