-- The queue's rate budgets (batch-api.md §7, §15): profiles/update's token bucket 5% under 300 custom
-- IDs a second with a burst of 1000, counting distinct custom IDs; the 429 pause of at least 5 s (or
-- Retry-After); a 429 storm with nothing lost; budgets shared by the queues of one project. Most cases
-- run on a virtual clock (sleeps return at once and move it), with the emulator's limits off; one runs
-- in real time against the emulator's own bucket.
local core = require "batch.core"
local mock = require "spec.support.mock"
local qs = require "spec.support.queue"

-- Records the time (on clock) and the status of every call of a client: on_event's hook.
local function recorder(clock)
  local calls = {}
  return calls, function(ev)
    if ev.type == "request" then
      calls[#calls + 1] = { route = ev.url:match("/profiles/update$") and "profiles" or "events", t = clock.now() }
    elseif ev.type == "response" then
      calls[#calls].status = ev.status
    end
  end
end

local function profile(id, n) return { identifiers = { custom_id = id }, attributes = { n = n } } end

describe("client:queue rate budgets", function()
  local m

  setup(function() m = mock.start() end)
  teardown(function() m:stop() end)
  before_each(function()
    m:reset()
    m:limits{ enabled = false }
  end)

  it("runs profiles/update's bucket 5% under 300 custom IDs/s with a burst of 1000", function()
    local clock = qs.clock()
    local calls, on_event = recorder(clock)
    local c = qs.client(m, { now = clock.now, sleep = clock.sleep, on_event = on_event })
    local q = c:queue{ flush_interval = 60 }
    local t0 = clock.now() -- the bucket starts full no earlier than this
    for i = 1, 3000 do assert(q:update_profile(profile("u" .. i, i))) end
    assert.equal(0, q:close{ deadline = 60 }.pending)
    local sizes = {}
    for i, body in ipairs(qs.bodies(m, "/profiles/update")) do sizes[i] = #body end
    assert.equal(15, #calls)
    local used = 0
    for i, call in ipairs(calls) do
      used = used + sizes[i]
      assert.is_true(used <= 950 + 285 * (call.t - t0),
                     ("call %d: %d custom IDs by %.3f s"):format(i, used, call.t - t0))
    end
    -- and not slower than the budget allows: 3000 updates need (3000 - 950) / 285 s
    local took = calls[#calls].t - calls[1].t
    assert.is_true(took >= 7.0 and took < 7.6, "took " .. took .. " s")
    c:close()
  end)

  it("counts one token per distinct custom ID of a call", function()
    local clock = qs.clock()
    local c = qs.client(m, { now = clock.now, sleep = clock.sleep })
    local q = c:queue{ flush_interval = 60 }
    for i = 1, 3000 do assert(q:update_profile(profile("u" .. (i % 10), i))) end
    q:close{ deadline = 60 }
    -- 15 calls of 10 custom IDs: 150 tokens, within the burst (3000 would have waited 7 s)
    assert.equal(15, #qs.bodies(m, "/profiles/update"))
    assert.same({}, clock.slept)
    assert.equal(2999, qs.profiles(m).u9.attributes.n)
    c:close()
  end)

  it("stays within the emulator's own bucket in real time, which a faster budget overruns", function()
    m:limits{ enabled = true }
    local c = qs.client(m)
    local q = c:queue{ flush_interval = 60 }
    local t0 = core.now()
    for i = 1, 1400 do assert(q:update_profile(profile("u" .. i, i))) end
    assert.equal(0, q:close{ deadline = 30 }.pending)
    local took = core.now() - t0
    local limits = m:limits()
    assert.equal(0, limits.rejected["profiles/update"])
    assert.equal(7, limits.accepted["profiles/update"])
    assert.is_true(took >= 1.4, "took " .. took .. " s")
    assert.equal(1400, qs.count(qs.profiles(m)))
    -- the control: a budget above Batch's is refused with 429s, and still nothing is lost
    m:reset()
    m:limits{ enabled = true }
    local fast = c:queue{ flush_interval = 60, rates = { ["profiles.update"] = { rate = 600, burst = 2000 } } }
    for i = 1, 1400 do assert(fast:update_profile(profile("v" .. i, i))) end
    assert.equal(0, fast:close{ deadline = 30 }.pending)
    assert.is_true(m:limits().rejected["profiles/update"] > 0)
    assert.equal(1400, qs.count(qs.profiles(m)))
    assert.equal(0, fast:stats().dropped)
    c:close()
  end)

  it("pauses a route at least 5 s after a 429, or as long as Retry-After asks, and loses nothing", function()
    local clock = qs.clock()
    local calls, on_event = recorder(clock)
    local c = qs.client(m, { now = clock.now, sleep = clock.sleep, on_event = on_event })
    local q = c:queue{ flush_interval = 60 }
    m:fault{ path = "/profiles/update", count = 3, status = 429 }
    m:fault{ path = "/profiles/update", count = 1, status = 429, retry_after = "12" }
    m:fault{ path = "/profiles/update", count = 2, status = 500 }
    m:fault{ path = "/events/users", count = 1, status = 429 }
    m:fault{ path = "/events/users", count = 1, action = "drop" }
    for i = 1, 600 do assert(q:update_profile(profile("u" .. i, i))) end
    for i = 1, 1500 do assert(q:track("e" .. (i % 30), { name = "storm", attributes = { seq = i } })) end
    local report = q:close{ deadline = 120 }
    assert.same({ 0, 0 }, { report.pending, report.dropped })
    local rejected = { profiles = 0, events = 0 }
    for i, call in ipairs(calls) do
      if call.status == 429 then
        rejected[call.route] = rejected[call.route] + 1
        local floor = (call.route == "profiles" and rejected.profiles == 4) and 12 or 5
        for k = i + 1, #calls do
          if calls[k].route == call.route then
            assert.is_true(calls[k].t - call.t >= floor, ("%s resent %.2f s after a 429"):format(call.route,
                                                                                             calls[k].t - call.t))
            break
          end
        end
      end
    end
    assert.same({ profiles = 4, events = 1 }, rejected)
    assert.equal(600, qs.count(qs.profiles(m)))
    local events = 0
    for _, list in pairs(qs.events(m)) do events = events + #list end
    assert.equal(1500, events)
    assert.equal(0, q:stats().dropped)
    c:close()
  end)

  it("rides out a storm of 429s on every call with nothing lost", function()
    local clock = qs.clock()
    local c = qs.client(m, { now = clock.now, sleep = clock.sleep })
    local q = c:queue{ flush_interval = 60 }
    m:fault{ path = "/profiles/update", count = 30, status = 429 }
    for i = 1, 1000 do assert(q:update_profile(profile("u" .. i, i))) end
    local t0 = clock.now()
    assert.equal(0, q:close{ deadline = 600 }.pending)
    assert.is_true(clock.now() - t0 >= 30 * 5)
    assert.equal(1000, qs.count(qs.profiles(m)))
    local s = q:stats()
    assert.same({ 1000, 0, 30 + 5 }, { s.sent, s.dropped, s.batches })
    c:close()
  end)

  it("shares one budget between the queues of one project", function()
    local clock = qs.clock()
    local c1 = qs.client(m, { now = clock.now, sleep = clock.sleep })
    local c2 = qs.client(m, { now = clock.now, sleep = clock.sleep })
    local q1, q2 = c1:queue{ flush_interval = 60 }, c2:queue{ flush_interval = 60 }
    for i = 1, 1000 do
      assert(q1:update_profile(profile("a" .. i, i)))
      assert(q2:update_profile(profile("b" .. i, i)))
    end
    local t0 = clock.now()
    q1:close{ deadline = 60 }
    q2:close{ deadline = 60 }
    -- 2000 custom IDs through one bucket: (2000 - 950) / 285 s; two buckets would take none
    assert.is_true(clock.now() - t0 >= 3.5, "took " .. (clock.now() - t0))
    assert.equal(2000, qs.count(qs.profiles(m)))
    c1:close()
    c2:close()
  end)

  it("lets no other queue of the app take a route a 429 paused, not even as the slot is let go", function()
    local clock = qs.clock()
    local calls, record = recorder(clock)
    local q2
    -- the clock of both (one clock: their budgets are shared) runs q2's flush each time q1 reads it
    -- after its 429: at every point where q1 could let the slot go before the pause is written, q2
    -- tries to send
    local after_429, in_q2 = false, false
    local function now()
      if after_429 and q2 and not in_q2 then
        in_q2 = true
        q2:flush{ deadline = 0.06 }
        in_q2 = false
      end
      return clock.now()
    end
    local c1 = qs.client(m, { now = now, sleep = clock.sleep, on_event = function(ev)
      record(ev)
      if ev.type == "response" and ev.status == 429 then after_429 = true end
    end })
    local c2 = qs.client(m, { now = now, sleep = clock.sleep, on_event = record })
    local q1 = c1:queue{ flush_interval = 60 }
    q2 = c2:queue{ flush_interval = 60 }
    m:fault{ path = "/events/users", count = 1, status = 429 }
    for i = 1, 10 do assert(q1:track("a" .. i, { name = "first", attributes = { seq = i } })) end
    for i = 1, 10 do assert(q2:track("b" .. i, { name = "second", attributes = { seq = i } })) end
    q1:flush{ deadline = 0.01 }
    after_429 = false
    assert.equal(429, calls[1].status)
    assert.equal(0, q1:close{ deadline = 60 }.pending)
    assert.equal(0, q2:close{ deadline = 60 }.pending)
    assert.is_true(#calls >= 2)
    for k = 2, #calls do
      local gap = calls[k].t - calls[1].t
      assert.is_true(gap >= 5, ("call %d went %.2f s after the 429"):format(k, gap))
    end
    local events = 0
    for _, list in pairs(qs.events(m)) do events = events + #list end
    assert.equal(20, events)
    c1:close()
    c2:close()
  end)

  it("takes the rates of the project when they are given, and sizes its batches to the burst", function()
    local clock = qs.clock()
    local c = qs.client(m, { now = clock.now, sleep = clock.sleep })
    local q = c:queue{ flush_interval = 60, rates = { ["profiles.update"] = { rate = 100, burst = 100 } } }
    local t0 = clock.now()
    for i = 1, 400 do assert(q:update_profile(profile("u" .. i, i))) end
    q:close{ deadline = 60 }
    local sizes = {}
    for i, body in ipairs(qs.bodies(m, "/profiles/update")) do sizes[i] = #body end
    assert.same({ 95, 95, 95, 95, 20 }, sizes)
    local took = clock.now() - t0
    assert.is_true(took >= (400 - 95) / 95 - 0.01 and took < 3.6, "took " .. took)
    c:close()
  end)
end)
