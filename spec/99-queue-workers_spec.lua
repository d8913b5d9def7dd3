-- Four nginx workers, one budget: with shared_dict every worker draws from the same token bucket (and
-- sees the same pause, and takes turns on a route that sends one batch at a time), so together they
-- stay within Batch's limit: the emulator's 429 counter stays at zero while they send at the limit.
-- Without shared_dict (the control) each worker has a budget of its own and the emulator refuses some
-- calls; nothing is lost either way.
local socket = require "socket"
local cjson = require "cjson.safe"
local mock = require "spec.support.mock"
local nginx = require "spec.support.nginx"
local qs = require "spec.support.queue"

local WORKERS, PER_WORKER = 4, 600

-- nginx with 4 workers; once /go is called each worker adds PER_WORKER items of `what` ("profile" or
-- "event"), 100 at a time, 50 ms apart; /stats gives every worker's queue stats.
local function start(m, opts, what)
  local main, env = qs.nginx_env(m, { QUEUE_OPTS = cjson.encode(opts), WHAT = what })
  return nginx.start{
    workers = WORKERS, main = main, env = env,
    http = [[
      lua_shared_dict budgets 1m;
      lua_shared_dict results 1m;
      init_worker_by_lua_block {
        local cjson = require "cjson.safe"
        local q = require("batch").new{}:queue(cjson.decode(os.getenv("QUEUE_OPTS")))
        local id, what, results, started = ngx.worker.id(), os.getenv("WHAT"), ngx.shared.results, false
        local function add(i)
          if what == "profile" then
            return q:update_profile{ identifiers = { custom_id = "w" .. id .. "-" .. i } }
          end
          return q:track("w" .. id, { name = "step", attributes = { seq = i } })
        end
        ngx.timer.every(0.05, function()
          results:set("w" .. id, cjson.encode(q:stats()))
          if started or not results:get("go") then return end
          started = true
          ngx.timer.at(0, function()
            for i = 1, ]] .. PER_WORKER .. [[ do
              assert(add(i))
              if i % 100 == 0 then ngx.sleep(0.05) end
            end
          end)
        end)
      }
    ]],
    conf_body = [[
      location = /go { content_by_lua_block { ngx.shared.results:set("go", true) ngx.say("go") } }
      location = /stats { content_by_lua_block {
        local out = {}
        for i = 0, ]] .. (WORKERS - 1) .. [[ do out[#out + 1] = ngx.shared.results:get("w" .. i) or "null" end
        ngx.say("[" .. table.concat(out, ",") .. "]")
      } }
    ]],
  }
end

-- Every worker's queue stats, summed: { accepted, sent, pending, dropped, workers (that reported) }.
local function totals(n)
  local _, body = n:get("/stats")
  local t = { accepted = 0, sent = 0, pending = 0, dropped = 0, workers = 0 }
  for _, s in ipairs(cjson.decode(body) or {}) do
    if s ~= cjson.null then
      t.workers = t.workers + 1
      for k in pairs(t) do if s[k] then t[k] = t[k] + s[k] end end
    end
  end
  return t
end

-- Waits until every item was accepted and none is pending; returns the seconds from `t0`.
local function all_sent(n, t0, seconds)
  while socket.gettime() - t0 < seconds do
    local t = totals(n)
    if t.accepted == WORKERS * PER_WORKER and t.pending == 0 then return socket.gettime() - t0, t end
    socket.sleep(0.05)
  end
  error("not everything was sent in " .. seconds .. " s: " .. cjson.encode(totals(n)))
end

describe("client:queue in four nginx workers", function()
  local m

  setup(function() m = mock.start() end)
  teardown(function()
    nginx.stop_all()
    m:stop()
  end)
  before_each(function() m:reset() end)

  it("keeps every worker within one profiles/update budget: no 429 while they send at the limit", function()
    local n = start(m, { flush_interval = 0.2, shared_dict = "budgets" }, "profile")
    socket.sleep(0.2)
    local t0 = socket.gettime()
    n:get("/go")
    local took, t = all_sent(n, t0, 20)
    assert.same({ WORKERS, 0 }, { t.workers, t.dropped })
    local limits = m:limits()
    assert.equal(0, limits.rejected["profiles/update"])
    assert.equal(WORKERS * PER_WORKER, qs.count(qs.profiles(m)))
    -- 2400 custom IDs through one bucket of 285/s after a burst of 950: about 5.1 s, at the limit
    assert.is_true(took >= 4.9 and took < 7, "took " .. took .. " s")
    assert.equal("", n:new_errors())
    n:stop()
  end)

  it("overruns Batch's limit without shared_dict, one budget per worker, and still loses nothing", function()
    local n = start(m, { flush_interval = 0.2 }, "profile")
    socket.sleep(0.2)
    n:get("/go")
    local _, t = all_sent(n, socket.gettime(), 40)
    assert.equal(0, t.dropped)
    assert.is_true(m:limits().rejected["profiles/update"] > 0)
    assert.equal(WORKERS * PER_WORKER, qs.count(qs.profiles(m)))
    n:stop()
  end)

  it("shares a 429's pause between the workers, and sends one events batch at a time", function()
    m:config{ latency = 0.2 }
    m:fault{ path = "/events/users", count = 1, status = 429, retry_after = "3" }
    local n = start(m, { flush_interval = 0.2, shared_dict = "budgets" }, "event")
    socket.sleep(0.2)
    n:get("/go")
    local t0 = socket.gettime()
    while socket.gettime() - t0 < 20 do
      local t = totals(n)
      if t.accepted == WORKERS * PER_WORKER and t.pending == 0 then break end
      socket.sleep(0.02)
    end
    assert.equal(0, totals(n).pending)
    -- when each events call reached the emulator (its own clock): one at a time means each call starts
    -- after the answer to the one before, which the emulator holds 0.2 s (nginx's cached clock may lag a little)
    local _, seen = qs.bodies(m, "/events/users")
    assert.is_true(#seen >= WORKERS + 1)
    assert.is_true(seen[2] - seen[1] >= 2.9, "a call " .. (seen[2] - seen[1]) .. " s after the 429")
    for k = 3, #seen do
      assert.is_true(seen[k] - seen[k - 1] >= 0.18, ("calls %d and %d %.3f s apart"):format(k - 1, k,
                                                                                       seen[k] - seen[k - 1]))
    end
    local total = 0
    for _, list in pairs(qs.events(m)) do total = total + #list end
    assert.equal(WORKERS * PER_WORKER, total)
    n:stop()
  end)
end)
