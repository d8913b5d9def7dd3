-- Every per-project (2.x) route on the wire, one case each (spec/support/wire_cases.lua), under the
-- client's api_version (2.11 by default, another one when set); the refusals of batch.rules, each sending
-- nothing; 2.x errors (error_code strings) and cursor lists whose count comes on the first page only.
local batch = require "batch"
local mock = require "spec.support.mock"
local wire = require "spec.support.wire"
local wire_cases = require "spec.support.wire_cases"
local file_util = require "spec.support.files"

describe("on the wire, 2.x", function()
  local m, c, ctx, dirs
  setup(function()
    m = mock.start()
    m:exports_config{ pending_after = 0.01, done_after = 0.02, parts = 2 }
    m:limits{ enabled = false }
    c = batch.new{ api_key = m.keys.api_key, rest_key = m.keys.rest_key, project_key = m.keys.project_key,
                   base_url = m.url }
    local started = assert(c.profiles:export{ export_type = "ATTRIBUTES", identifiers = { "custom_id" } })
    dirs = {}
    ctx = { keys = m.keys, view = assert(c.project_exports:wait(started.id, { interval = 0.02 })),
            tmpdir = function() dirs[#dirs + 1] = file_util.tmpdir() return dirs[#dirs] end }
  end)
  teardown(function()
    for _, d in ipairs(dirs or {}) do file_util.remove_tree(d) end
    if c then c:close() end
    m:stop()
  end)

  for _, name in ipairs(wire_cases.order) do
    local case = wire_cases.cases[name]
    if case.family == "2" then
      it(name .. ": " .. case.method .. " " .. case.path, function() wire.run(m, c, case, ctx) end)
    end
  end

  it("builds every 2.x path from api_version", function()
    local c28 = batch.new{ rest_key = m.keys.rest_key, project_key = m.keys.project_key, base_url = m.url,
                           api_version = "2.8" }
    m:clear_log()
    assert(c28.audiences:list{ limit = 1 })
    assert(c28.profiles:update{ { identifiers = { custom_id = "v28" } } })
    c28:close()
    local log = m:log()
    assert.equal("/2.8/audiences/list", log[1].path)
    assert.equal("/2.8/profiles/update", log[2].path)
    assert.has_error(function() batch.new{ api_version = "2" } end)
    assert.has_error(function() batch.new{ api_version = "v2.11" } end)
  end)

  local function many(n, fn) local t = {} for i = 1, n do t[i] = fn(i) end return t end
  local function profile(i) return { identifiers = { custom_id = "u" .. i } } end
  local CAMPAIGN = { name = "n", state = "DRAFT", when = { start_time = "now" },
                     messages = { { channel_type = "push" } } }
  local function with(t, k, v) local o = {} for a, b in pairs(t) do o[a] = b end o[k] = v return o end
  local REFUSED = {
    { "201 profiles on update", function() return c.profiles:update(many(201, profile)) end, "at most 200 profiles" },
    { "10 001 profiles on mass_update", function() return c.profiles:mass_update(many(10001, profile)) end,
      "at most 10000 profiles" },
    { "a profile without identifiers", function()
        return c.profiles:update{ profile(1), { attributes = { a = 1 } } } end,
      "profiles[2] has no identifiers table" },
    { "an empty list of profiles", function() return c.profiles:update{} end, "profiles is empty" },
    { "an audience name with a space", function()
        return c.audiences:create{ name = "vip list", type = "custom_ids" } end,
      "may hold only letters" },
    { "an audience name of 256 characters", function()
        return c.audiences:create{ name = ("a"):rep(256), type = "custom_ids" } end, "longer than 255" },
    { "an audience without a type", function() return c.audiences:create{ name = "vip" } end, "type is required" },
    { "10 001 audience ids", function() return c.audiences:update("vip", many(10001, tostring)) end,
      "at most 10000 ids" },
    { "16 attributes on an audience id", function()
        local a = {} for i = 1, 16 do a["k" .. i] = i end
        return c.audiences:update("vip", { { action = "add", id = "x", attributes = a } }) end, "at most 15" },
    { "attributes on a removal", function()
        return c.audiences:update("vip", { { action = "remove", id = "x", attributes = { a = 1 } } }) end,
      "attributes go only with the action 'add'" },
    { "a send_rate under 1000", function() return c.orchestrations:create(with(CAMPAIGN, "send_rate", 999)) end,
      "send_rate must be a whole number from 1000" },
    { "a send_rate over 1 000 000", function() return c.orchestrations:create(with(CAMPAIGN, "send_rate", 1000001)) end,
      "send_rate" },
    { "6 labels", function()
        return c.orchestrations:create(with(CAMPAIGN, "labels", { "a", "b", "c", "d", "e", "f" })) end,
      "6 labels (at most 5)" },
    { "two messages", function() return c.orchestrations:create(with(CAMPAIGN, "messages", { {}, {} })) end,
      "exactly one message" },
    { "stats from over 6 months ago", function()
        return c.orchestrations:stats("orchestration_x", { from = "2020-01-01", to = "2020-01-02" }) end,
      "6 months" },
    { "a catalog field name with capitals", function()
        return c.catalogs:create{ name = "p", fields = { { name = "Price", type = "float" } } } end,
      "fields[1].name must be 1 to 250 characters of [a-z0-9_]" },
    { "a catalog field type", function()
        return c.catalogs:create{ name = "p", fields = { { name = "price", type = "money" } } } end,
      "fields[1].type must be" },
    { "26 catalog fields", function()
        local fields = many(26, function(i) return { name = "f" .. i, type = "string" } end)
        return c.catalogs:create{ name = "p", fields = fields } end,
      "at most 25 fields" },
    { "201 catalog items", function()
        return c.catalogs:edit_items("p", many(201, function(i) return { id = "i" .. i, action = "add" } end)) end,
      "at most 200 items" },
    { "a catalog name with a slash", function() return c.catalogs:view("a/b") end, "may hold only letters" },
  }
  for _, r in ipairs(REFUSED) do
    it("refuses " .. r[1] .. ", sending nothing", function() wire.refused(m, c, r[2], r[3]) end)
  end

  it("names 2.x errors from error_code; another code is kept in batch_code, the name from the status", function()
    local _, err = c.audiences:view("no-such-audience")
    assert.equal(404, err.status)
    assert.equal("ROUTE_NOT_FOUND", err.name)
    m:fault{ path = "/audiences/list", status = 400, count = 1,
             body = '{"error_code":"AUDIENCE_QUOTA","error_message":"too many audiences"}' }
    _, err = c.audiences:list()
    assert.equal("HTTP_ERROR", err.name)
    assert.equal("AUDIENCE_QUOTA", err.batch_code)
    assert.equal("too many audiences", err.message)
    m:fault{ path = "/audiences/list", status = 429, count = 1,
             body = '{"error_code":"TOO_MANY_REQUESTS","error_message":"slow down"}' }
    local slept = {}
    local quick = batch.new{ rest_key = m.keys.rest_key, project_key = m.keys.project_key, base_url = m.url,
                             max_retries = 0, sleep = function(s) slept[#slept + 1] = s end }
    _, err = quick.audiences:list()
    quick:close()
    assert.equal("TOO_MANY_REQUESTS", err.name)
    assert.equal(60, err.code)
    assert.is_nil(err.batch_code)
  end)

  it("each: cursor pages to the end, count (first page only) kept from the first page", function()
    for i = 1, 5 do assert(c.audiences:create{ name = "paged-" .. i, type = "custom_ids" }) end
    local first = assert(c.audiences:list{ limit = 2 })
    assert.is_number(first.count)
    local second = assert(c.audiences:list{ limit = 2, from = first.next_from })
    assert.is_nil(second.count)
    local seen = 0
    for a, err in c.audiences:each{ page_size = 2 } do
      assert.is_truthy(a, tostring(err))
      seen = seen + 1
    end
    assert.equal(first.count, seen)
  end)

  it("profiles:update faster than Batch's bucket: 429s, TOO_MANY_REQUESTS, as many as the emulator sent", function()
    m:reset()
    m:limits{ enabled = true, rates = { ["profiles/update"] = { rate = 1, burst = 150 } } }
    local quick = batch.new{ rest_key = m.keys.rest_key, project_key = m.keys.project_key, base_url = m.url,
                             max_retries = 0 }
    local accepted, limited = 0, 0
    for call = 1, 4 do
      local ps = many(50, function(i) return { identifiers = { custom_id = "rate-" .. call .. "-" .. i } } end)
      local res, err = quick.profiles:update(ps)
      if res then
        accepted = accepted + 1
      else
        assert.equal("TOO_MANY_REQUESTS", err.name)
        assert.equal(429, err.status)
        limited = limited + 1
      end
    end
    quick:close()
    local state = m:limits{ enabled = false }
    assert.equal(3, accepted) -- 150 tokens: three calls of 50 distinct custom IDs
    assert.equal(1, limited)
    assert.equal(limited, state.rejected["profiles/update"])
    m:reset()
    m:limits{ enabled = false }
  end)

  it("profiles:update gives partial errors as a result, and the rest of the batch is applied", function()
    local res = assert(c.profiles:update{
      { identifiers = { custom_id = "partial-ok" }, attributes = { plan = "gold" } },
      { identifiers = { custom_id = "partial-bad" }, attributes = { ["Bad Name"] = 1, plan = "silver" } } })
    assert.equal("SUCCESS_WITH_PARTIAL_ERRORS", res.code)
    assert.is_true(#res.errors >= 1)
    assert.equal(1, res.errors[1].bulk_index)
    local profiles = m:state().projects[m.keys.project_key].profiles
    assert.is_table(profiles["partial-ok"])
  end)
end)
