-- What the queue gives up on, and how it says so: partial errors (errors[].bulk_index) drop only the
-- items they name; a 400 naming no item is split until the bad item is alone; events gone stale by the
-- time their batch goes; a refused batch; close's deadline; a collected or closed queue. Every drop
-- reaches on_drop with its reason, or on_event (type "drop", no item data) without on_drop.
local batch = require "batch"
local core = require "batch.core"
local cjson = require "cjson.safe"
local mock = require "spec.support.mock"
local qs = require "spec.support.queue"

-- An on_drop hook that records its calls: drops[k] = { items = ..., err = ... }.
local function recorder()
  local drops = {}
  return drops, function(items, err) drops[#drops + 1] = { items = items, err = err } end
end

describe("client:queue drops", function()
  local m

  setup(function() m = mock.start() end)
  teardown(function() m:stop() end)
  before_each(function() m:reset() end)

  it("hands to on_drop only the items Batch's partial errors name, with PARTIAL_ERROR", function()
    local c = qs.client(m)
    local drops, on_drop = recorder()
    local reports = {}
    local q = c:queue{ flush_interval = 60, on_drop = on_drop, on_flush = function(r) reports[#reports + 1] = r end }
    local profiles = {}
    for i = 1, 5 do
      profiles[i] = { identifiers = { custom_id = "u" .. i },
                      attributes = { ["$language"] = (i == 2 or i == 4) and "english" or "en" } }
      assert(q:update_profile(profiles[i]))
    end
    assert.same({ sent = 3, failed = 0, dropped = 2, pending = 0 }, q:flush())
    assert.equal(1, #drops)
    assert.equal(profiles[2], drops[1].items[1])
    assert.equal(profiles[4], drops[1].items[2])
    assert.equal(2, #drops[1].items)
    local err = drops[1].err
    assert.is_true(batch.is_error(err))
    assert.equal("PARTIAL_ERROR", err.name)
    assert.same({ 1, 3 }, { err.errors[1].bulk_index, err.errors[2].bulk_index })
    assert.equal("$language", err.errors[1].attribute)
    -- each entry names its item in on_drop's array: profiles[2] is items[1], profiles[4] items[2]
    assert.same({ { 1 }, { 2 } }, { err.errors[1].items, err.errors[2].items })
    assert.same({ route = "profiles.update", items = 5, sent = 3, dropped = 2, status = 202, attempts = 1, err = err },
                reports[1])
    q:close()
    c:close()
  end)

  it("splits a batch refused with a 400 that names no item until the bad item is alone", function()
    local c = qs.client(m)
    local drops, on_drop = recorder()
    local q = c:queue{ flush_interval = 60, on_drop = on_drop }
    for i = 1, 16 do
      -- Batch's names are letters, digits, _ . and - (the emulator refuses the call); the client's
      -- check only asks for a name
      assert(q:track("u" .. (i % 3), { name = i == 11 and "bad name!" or "fine", attributes = { seq = i } }))
    end
    assert.same({ sent = 15, failed = 0, dropped = 1, pending = 0 }, q:flush())
    assert.equal(1, #drops)
    assert.same({ custom_id = "u2", event = { name = "bad name!", attributes = { seq = 11 } } }, drops[1].items[1])
    assert.equal("MALFORMED_PARAMETER", drops[1].err.name)
    assert.equal(400, drops[1].err.status)
    assert.is_true(#qs.bodies(m, "/events/users") <= 1 + 2 * 4)
    local seen = {}
    for _, list in pairs(qs.events(m)) do
      for _, s in ipairs(qs.seqs(list)) do
        assert.is_nil(seen[s], "event " .. s .. " sent twice")
        seen[s] = true
      end
    end
    assert.equal(15, qs.count(seen))
    q:close()
    c:close()
  end)

  it("drops an event that is older than 24 hours when its batch goes, and sends the rest", function()
    local c = qs.client(m)
    local drops, on_drop = recorder()
    local q = c:queue{ flush_interval = 60, on_drop = on_drop }
    local old = { name = "late", time = os.time() - 86400 + 2 }
    assert(q:track("u1", old))
    assert(q:track("u1", { name = "fresh" }))
    core.sleep(3)
    assert.same({ sent = 1, failed = 0, dropped = 1, pending = 0 }, q:flush())
    assert.equal(1, #drops)
    assert.equal(old, drops[1].items[1].event)
    assert.equal("INVALID_ARGUMENT", drops[1].err.name)
    assert.truthy(drops[1].err.message:find("older than 24 hours", 1, true))
    local body = qs.bodies(m, "/events/users")[1]
    assert.same({ "fresh" }, { body[1].events[1].name, body[1].events[2] })
    q:close()
    c:close()
  end)

  it("drops a batch Batch refuses for good, with Batch's error, and does not send it again", function()
    local c = qs.client(m)
    local drops, on_drop = recorder()
    local q = c:queue{ flush_interval = 60, on_drop = on_drop }
    m:fault{ path = "/events/users", status = 401 }
    for i = 1, 3 do assert(q:track("u" .. i, { name = "e" })) end
    assert.same({ sent = 0, failed = 0, dropped = 3, pending = 0 }, q:flush())
    assert.equal("AUTHENTICATION_INVALID", drops[1].err.name)
    assert.equal(3, #drops[1].items)
    assert.equal(1, #m:log())
    q:close()
    c:close()
  end)

  it("reports drops to on_event without their items when there is no on_drop", function()
    local events = {}
    local c = qs.client(m, { on_event = function(ev) if ev.type == "drop" then events[#events + 1] = ev end end })
    local q = c:queue{ flush_interval = 60 }
    m:fault{ path = "/data/users", status = 403 }
    assert(q:set_custom_data("secret-user-7", { email = "someone@example.com" }))
    assert(q:set_custom_data("secret-user-8", { email = "other@example.com" }))
    q:flush()
    assert.same({ { type = "drop", route = "custom_data.set_many", count = 2, reason = "API_MISUSE" } }, events)
    local text = cjson.encode(events)
    assert.is_nil(text:find("secret-user", 1, true))
    assert.is_nil(text:find("example.com", 1, true))
    q:close()
    c:close()
  end)

  it("gives up at close's deadline what could not be sent, with QUEUE_CLOSED", function()
    local c = qs.client(m)
    local drops, on_drop = recorder()
    local q = c:queue{ flush_interval = 60, on_drop = on_drop }
    m:fault{ path = "/profiles/update", status = 429, retry_after = "60" }
    for i = 1, 10 do assert(q:update_profile{ identifiers = { custom_id = "u" .. i } }) end
    assert(q:track("u1", { name = "e" }))
    local t0 = core.now()
    assert.same({ sent = 1, failed = 10, dropped = 10, pending = 0 }, q:close{ deadline = 1 })
    assert.is_true(core.now() - t0 < 1.5)
    assert.equal(1, #drops)
    assert.equal(10, #drops[1].items)
    assert.equal("QUEUE_CLOSED", drops[1].err.name)
    assert.error_matches(function() q:update_profile{ identifiers = { custom_id = "u" } } end, "closed")
    assert.same({ sent = 0, failed = 0, dropped = 0, pending = 0 }, q:close())
    c:close()
  end)

  it("gives close 30 s when it has no deadline", function()
    for _, case in ipairs{ { pause = "25", sent = 1, dropped = 0 }, { pause = "40", sent = 0, dropped = 1 } } do
      m:reset()
      local clock = qs.clock()
      local c = qs.client(m, { now = clock.now, sleep = clock.sleep })
      local q = c:queue{ flush_interval = 60, on_drop = function() end }
      m:fault{ path = "/profiles/update", status = 429, retry_after = case.pause }
      assert(q:update_profile{ identifiers = { custom_id = "u" } })
      local r = q:close()
      assert.same({ case.sent, case.dropped }, { r.sent, r.dropped }, "Retry-After " .. case.pause)
      c:close()
    end
  end)

  it("flushes a queue that is collected with items pending, or reports them dropped", function()
    local c = qs.client(m)
    do
      local q = c:queue{ flush_interval = 60 }
      for i = 1, 5 do assert(q:track("gc", { name = "e", attributes = { seq = i } })) end
    end
    collectgarbage()
    collectgarbage()
    assert.same({ 1, 2, 3, 4, 5 }, qs.seqs(qs.events(m).gc))

    local drops, on_drop = recorder()
    m:fault{ path = "/profiles/update", status = 429, retry_after = "120" }
    do
      local q = c:queue{ flush_interval = 60, on_drop = on_drop }
      assert(q:update_profile{ identifiers = { custom_id = "u" } })
      assert(q:flush{ deadline = 0.5 })
    end
    collectgarbage()
    collectgarbage()
    assert.equal(1, #drops)
    assert.equal("QUEUE_CLOSED", drops[1].err.name)
    c:close()
  end)

  it("closes with __close, as `local q <close>` does on Lua 5.4", function()
    local c = qs.client(m)
    local q = c:queue{ flush_interval = 60 }
    assert(q:track("u", { name = "e1" }))
    getmetatable(q).__close(q)
    assert.equal(1, #qs.bodies(m, "/events/users"))
    assert.error_matches(function() q:track("u", { name = "e2" }) end, "closed")
    if _VERSION == "Lua 5.4" then
      local chunk = assert(load([[
        local c = ...
        do
          local q <close> = c:queue{ flush_interval = 60 }
          assert(q:track("u", { name = "e3" }))
        end
      ]]))
      chunk(c)
      assert.equal(2, #qs.bodies(m, "/events/users"))
    end
    c:close()
  end)

  it("raises a hook's raise to the caller and stays usable; a hook may not yield", function()
    local c = qs.client(m)
    local calls = 0
    local q = c:queue{ flush_interval = 60, on_flush = function()
      calls = calls + 1
      if calls == 1 then error("hook failed") end
    end }
    assert(q:track("u", { name = "e1" }))
    assert.error_matches(function() q:flush() end, "hook failed")
    assert.same({ pending = 0, sent = 1 }, { pending = q:stats().pending, sent = q:stats().sent })
    assert(q:track("u", { name = "e2" }))
    assert.equal(1, q:flush().sent)
    q:close()

    local y = c:queue{ flush_interval = 60, on_drop = function() coroutine.yield() end }
    m:fault{ path = "/events/users", status = 404 }
    assert(y:track("u", { name = "e3" }))
    assert.error_matches(function() y:flush() end, "on_drop must not yield")
    assert.equal(1, y:stats().dropped)
    y:close()
    c:close()
  end)
end)
