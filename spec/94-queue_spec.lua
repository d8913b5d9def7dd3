-- client:queue in plain Lua against the emulator: batches filled to each route's cap and never over it,
-- the order of each custom ID's items across batches and resends, flush_interval honoured by the adds,
-- flush's report, QUEUE_FULL, the checks of an add, on_flush's reports.
local batch = require "batch"
local core = require "batch.core"
local api = require "batch.api"
local kinds = require "batch.queue.kinds"
local mock = require "spec.support.mock"
local qs = require "spec.support.queue"

describe("client:queue", function()
  local m

  setup(function() m = mock.start() end)
  teardown(function() m:stop() end)
  before_each(function() m:reset() end)

  it("fills each route's batches to its cap and never goes over it", function()
    local c = qs.client(m)
    local q = c:queue{ flush_interval = 60, max_pending = 50000 }
    for i = 1, 450 do assert(q:update_profile{ identifiers = { custom_id = "p" .. i }, attributes = { n = i } }) end
    for i = 1, 2500 do assert(q:track("e" .. (i % 40), { name = "seen", attributes = { seq = i } })) end
    for i = 1, 25000 do assert(q:set_custom_data("c" .. i, { n = i })) end
    local report = q:close()
    assert.same({ 0, 0, 0 }, { report.failed, report.dropped, report.pending })
    assert.equal(450 + 2500 + 25000, q:stats().sent)

    local sizes = {}
    for _, body in ipairs(qs.bodies(m, "/profiles/update")) do sizes[#sizes + 1] = #body end
    assert.same({ 200, 200, 50 }, sizes)
    sizes = {}
    for _, body in ipairs(qs.bodies(m, "/events/users")) do
      local n = 0
      for _, user in ipairs(body) do n = n + #user.events end
      sizes[#sizes + 1] = n
    end
    assert.same({ 1000, 1000, 500 }, sizes)
    sizes = {}
    for _, body in ipairs(qs.bodies(m, "/data/users")) do sizes[#sizes + 1] = #body end
    assert.same({ 10000, 10000, 5000 }, sizes)

    assert.equal(450, qs.count(qs.profiles(m)))
    assert.equal(25000, qs.count(qs.custom_data(m)))
    local events = 0
    for _, list in pairs(qs.events(m)) do events = events + #list end
    assert.equal(2500, events)
    c:close()
  end)

  it("uses the caps of the route table's body checks", function()
    local c = qs.client(m)
    local function batch_of(kind, n)
      local b = { n = n, ids = {}, items = {}, flags = {} }
      for i = 1, n do
        b.ids[i] = "u" .. i
        b.items[i] = kind == kinds.profile and { identifiers = { custom_id = "u" .. i } }
                     or kind == kinds.event and { name = "e" } or { a = 1 }
      end
      local events = kind == kinds.event and b.items or nil
      return (kind.body(b, 1, n, events))
    end
    for _, kind in ipairs(kinds.list) do
      local job, err = api.job(c, kind.route, { body = batch_of(kind, kind.cap) })
      assert.is_table(job, kind.route.name .. ": " .. tostring(err))
      job, err = api.job(c, kind.route, { body = batch_of(kind, kind.cap + 1) })
      assert.is_nil(job, kind.route.name)
      assert.equal("INVALID_ARGUMENT", err.name)
    end
    c:close()
  end)

  it("keeps each custom ID's items in the order they were added, across batches and resends", function()
    local c = qs.client(m)
    local q = c:queue{ flush_interval = 60 }
    -- the first events batch fails (500), then a later one is cut: both are sent again, and items of
    -- their custom IDs added meanwhile wait for them
    m:fault{ path = "/events/users", count = 1, status = 500 }
    m:fault{ path = "/events/users", count = 1, action = "drop" }
    m:fault{ path = "/profiles/update", count = 1, status = 503 }
    local ids = { "alice", "bob", "carol", "dave" }
    local N = 3000 -- the emulator keeps the last 1000 events of a custom ID: alice and bob get 1000
    local last = {} -- custom ID -> the `last` of its latest profile update
    for i = 1, N do
      local id = ids[(i % 4) + 1]
      if i > 2000 then id = ids[(i % 2) + 1] end -- the last third: only alice and bob
      assert(q:track(id, { name = "step", attributes = { seq = i } }))
      local pid = ids[(i % 3) + 1]
      assert(q:update_profile{ identifiers = { custom_id = pid }, attributes = { last = i } })
      last[pid] = i
    end
    local report = q:close{ deadline = 20 }
    assert.equal(0, report.pending)
    assert.equal(0, q:stats().dropped)
    assert.is_true(q:stats().retries >= 3)
    local events = qs.events(m)
    local total = 0
    for _, id in ipairs(ids) do
      local seqs = qs.seqs(events[id])
      total = total + #seqs
      for k = 2, #seqs do
        assert.is_true(seqs[k] > seqs[k - 1], id .. ": event " .. seqs[k] .. " arrived after " .. seqs[k - 1])
      end
    end
    assert.equal(N, total)
    local profiles = qs.profiles(m)
    for id, n in pairs(last) do assert.equal(n, profiles[id].attributes.last, id) end
    c:close()
  end)

  it("sends a batch that is not full once flush_interval has passed, at the next add", function()
    local c = qs.client(m)
    local q = c:queue{ flush_interval = 0.3 }
    assert(q:track("u1", { name = "first" }))
    assert.equal(0, #m:log())
    core.sleep(0.35)
    assert(q:track("u1", { name = "second" }))
    local bodies = qs.bodies(m, "/events/users")
    assert.equal(1, #bodies)
    assert.same({ "first", "second" }, { bodies[1][1].events[1].name, bodies[1][1].events[2].name })
    assert.same({ pending = 0, sent = 2, failed = 0, dropped = 0, batches = 1, retries = 0, accepted = 2,
                  recovered = 0 }, q:stats())
    q:close()
    c:close()
  end)

  it("flush sends what waits at once and reports what that call did", function()
    local c = qs.client(m)
    local q = c:queue{ flush_interval = 60 }
    for i = 1, 10 do assert(q:set_custom_data("u" .. i, { n = i }, i == 1)) end
    assert.equal(0, #m:log())
    assert.same({ sent = 10, failed = 0, dropped = 0, pending = 0 }, q:flush())
    assert.same({ sent = 0, failed = 0, dropped = 0, pending = 0 }, q:flush{ deadline = 1 })
    local body = qs.bodies(m, "/data/users")[1]
    assert.same({ id = "u1", update = { overwrite = true, values = { n = 1 } } }, body[1])
    assert.same({ id = "u2", update = { overwrite = false, values = { n = 2 } } }, body[2])
    assert.same({ sent = 0, failed = 0, dropped = 0, pending = 0 }, q:close())
    c:close()
  end)

  it("gives QUEUE_FULL past max_pending, and takes items again once they are sent", function()
    local c = qs.client(m)
    local q = c:queue{ flush_interval = 60, max_pending = 5 }
    for i = 1, 5 do assert(q:track("u", { name = "e" .. i })) end
    local ok, err = q:track("u", { name = "e6" })
    assert.is_nil(ok)
    assert.equal("QUEUE_FULL", err.name)
    assert.is_true(batch.is_error(err))
    assert.equal(5, q:stats().pending)
    assert.equal(5, q:flush().sent)
    assert.is_true(q:track("u", { name = "e6" }))
    q:close()
    c:close()
  end)

  it("refuses an invalid item with INVALID_ARGUMENT, and raises on a wrong type or after close", function()
    local c = qs.client(m)
    local q = c:queue{ flush_interval = 60 }
    local invalid = {
      function() return q:update_profile{ attributes = { a = 1 } } end,
      function() return q:update_profile{ identifiers = {} } end,
      function() return q:update_profile{ identifiers = { custom_id = "" } } end,
      function() return q:track("", { name = "e" }) end,
      function() return q:track("u", { label = "no name" }) end,
      function() return q:track("u", { name = "e", time = os.time() - 2 * 86400 }) end,
      function() return q:track("u", { name = "e", time = os.time() + 3600 }) end,
      function() return q:set_custom_data("", { a = 1 }) end,
    }
    for i, add in ipairs(invalid) do
      local ok, err = add()
      assert.is_nil(ok, "case " .. i)
      assert.equal("INVALID_ARGUMENT", err.name, "case " .. i)
    end
    assert.error_matches(function() q:update_profile("p") end, "profile must be a table")
    assert.error_matches(function() q:update_profile{ identifiers = { custom_id = 5 } } end,
                         "custom_id must be a string")
    assert.error_matches(function() q:track(5, { name = "e" }) end, "custom_id must be a string")
    assert.error_matches(function() q:track("u", "e") end, "event must be a table")
    assert.error_matches(function() q:set_custom_data("u", "v") end, "values must be a table")
    assert.error_matches(function() q:set_custom_data("u", {}, "yes") end, "overwrite must be a boolean")
    assert.error_matches(function() q:flush{ dead_line = 1 } end, "unknown option 'dead_line'")
    assert.equal(0, q:stats().accepted)
    q:close()
    assert.error_matches(function() q:track("u", { name = "e" }) end, "the queue is closed")
    assert.equal(0, #m:log())
    assert.error_matches(function() c:queue{ flush_intervall = 1 } end, "unknown option 'flush_intervall'")
    assert.error_matches(function() c:queue{ flush_interval = 0 } end, "flush_interval must be")
    assert.error_matches(function() c:queue{ max_pending = 1.5 } end, "max_pending must be")
    assert.error_matches(function() c:queue{ on_drop = true } end, "on_drop must be a function")
    assert.error_matches(function() c:queue{ shared_dict = "q" } end, "shared_dict works inside nginx only")
    assert.error_matches(function() c:queue{ rates = { ["profiles.updates"] = { rate = 1 } } } end,
                         "unknown route 'profiles.updates'")
    c:close()
  end)

  it("needs the keys of the calls it makes, and says which at the first add", function()
    local c = batch.new{ base_url = m.url, api_key = m.keys.api_key, rest_key = m.keys.rest_key }
    local q = c:queue{ flush_interval = 60 }
    assert.error_matches(function() q:update_profile{ identifiers = { custom_id = "u" } } end,
                         "project_key is required")
    assert.is_true(q:track("u", { name = "e" }))
    assert.equal(1, q:close().sent)
    c:close()
  end)

  it("reports each batch to on_flush: route, a count of items, status, attempts", function()
    local c = qs.client(m)
    local reports = {}
    local q = c:queue{ flush_interval = 60, on_flush = function(r) reports[#reports + 1] = r end }
    m:fault{ path = "/profiles/update", count = 1, status = 500 }
    for i = 1, 3 do assert(q:update_profile{ identifiers = { custom_id = "u" .. i } }) end
    for i = 1, 2 do assert(q:track("u" .. i, { name = "e" })) end
    q:close()
    table.sort(reports, function(a, b) return a.route < b.route end)
    assert.same({
      { route = "events.track_many", items = 2, sent = 2, dropped = 0, status = 202, attempts = 1 },
      { route = "profiles.update", items = 3, sent = 3, dropped = 0, status = 202, attempts = 2 },
    }, reports)
    assert.same({ pending = 0, sent = 5, failed = 3, dropped = 0, batches = 3, retries = 1, accepted = 5,
                  recovered = 0 }, q:stats())
    c:close()
  end)
end)
