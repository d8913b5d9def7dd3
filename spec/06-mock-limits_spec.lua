-- The emulator's rate limits (batch-api.md §7, §13, §15): token buckets shared by every nginx worker,
-- 429 TOO_MANY_REQUESTS over the limit, and their control route /_mock/limits. Concurrent senders
-- are curl loops in the background, so that two clients really send at once.
local mock = require "spec.support.mock"
local files = require "spec.support.files"
local socket = require "socket"

local KEYS = mock.DOCUMENTED_KEYS

local function many(n, fn)
  local t = {}
  for i = 1, n do t[i] = fn(i) end
  return t
end

-- A profiles/update body of n profiles with distinct custom IDs (prefix .. i).
local function profiles(n, prefix)
  return many(n, function(i) return { identifiers = { custom_id = (prefix or "u") .. i } } end)
end

-- Runs `senders` curl loops at once, each sending `count` POSTs of body to url with pause seconds
-- between them; returns the HTTP statuses received, all senders together, and the elapsed time.
local function send_concurrently(m, path, body, senders, count, pause)
  local dir = files.tmpdir()
  local body_file = dir .. "/body.json"
  local f = assert(io.open(body_file, "wb"))
  f:write(body)
  f:close()
  local loops = {}
  for s = 1, senders do
    loops[s] = "(i=0; while [ $i -lt " .. count .. " ]; do curl -s -o /dev/null -w '%{http_code}\\n' -X POST"
      .. " -H " .. files.quote("Authorization: Bearer " .. KEYS.rest_key)
      .. " -H " .. files.quote("X-Batch-Project: " .. KEYS.project_key)
      .. " -H 'Content-Type: application/json' --data-binary @" .. files.quote(body_file)
      .. " " .. files.quote(m.url .. path) .. "; i=$((i+1)); sleep " .. pause .. "; done) > "
      .. files.quote(dir .. "/out" .. s) .. " &"
  end
  local t0 = socket.gettime()
  os.execute(table.concat(loops, " ") .. " wait")
  local elapsed = socket.gettime() - t0
  local statuses = {}
  for s = 1, senders do
    for code in (files.read_all(dir .. "/out" .. s) or ""):gmatch("%d+") do statuses[#statuses + 1] = tonumber(code) end
  end
  files.remove_tree(dir)
  return statuses, elapsed
end

local function count(list, value)
  local n = 0
  for _, v in ipairs(list) do if v == value then n = n + 1 end end
  return n
end

-- The distinct nginx workers that served the logged requests.
local function workers_seen(m)
  local seen, n = {}, 0
  for _, e in ipairs(m:log()) do
    if not seen[e.worker] then seen[e.worker], n = true, n + 1 end
  end
  return n
end

describe("batch-mock rate limits", function()
  local m
  setup(function() m = mock.start{ workers = 2 } end)
  teardown(function() m:stop() end)
  before_each(function() m:reset() end)

  local function update(body) return m:request("POST", "/2.11/profiles/update", { body = body }) end

  it("GET /_mock/limits: on, Batch's rates, counters at zero for every limited route", function()
    local l = m:limits()
    assert.is_true(l.enabled)
    assert.is_false(l.retry_after)
    assert.same({ rate = 300, burst = 1000 }, l.rates["profiles/update"])
    assert.same({ rate = 10000, burst = 10000 }, l.rates["profiles/mass-update"])
    assert.same({ rate = 5, burst = 5 }, l.rates.catalogs)
    assert.same({ rate = 1000, burst = 1000 }, l.rates["catalogs/items"])
    for _, r in ipairs{ "profiles/update", "profiles/mass-update", "catalogs/create", "catalogs/update",
                        "catalogs/remove", "catalogs/list", "catalogs/view", "catalogs/items/edit" } do
      assert.equal(0, l.accepted[r], r)
      assert.equal(0, l.rejected[r], r)
    end
    for _, bad in ipairs{ { enabld = false }, { enabled = "no" }, { rates = { ["profiles/delete"] = { rate = 1 } } },
                          { rates = { catalogs = { rate = -1 } } }, { rates = { catalogs = { speed = 1 } } } } do
      local status, body = m:control("POST", "/_mock/limits", bad)
      assert.equal(400, status)
      assert.is_string(body.error)
    end
  end)

  it("profiles/update: 1000 updates at once, then 300 a second; one update is one distinct custom ID", function()
    -- the same custom ID five times is one update
    local same = many(5, function() return { identifiers = { custom_id = "jane" } } end)
    assert.equal(202, (update(same)))
    assert.equal(1, m:limits().accepted["profiles/update"])
    local t0 = socket.gettime()
    local statuses, refusal = {}, nil
    for i = 1, 8 do
      local status, body, _, headers = update(profiles(200, "batch" .. i .. "-"))
      statuses[i] = status
      if status == 429 then refusal = refusal or { body = body, headers = headers } end
    end
    local elapsed = socket.gettime() - t0
    local accepted = count(statuses, 202)
    -- 999 tokens left, 300 a second more: at most that many updates of 200 went through
    assert.is_true(accepted * 200 <= 999 + 300 * elapsed, accepted .. " in " .. elapsed .. " s")
    assert.is_true(accepted >= 4)
    assert.equal(8 - accepted, count(statuses, 429))
    local l = m:limits()
    assert.equal(1 + accepted, l.accepted["profiles/update"])
    assert.equal(8 - accepted, l.rejected["profiles/update"])

    assert.equal("TOO_MANY_REQUESTS", refusal.body.error_code)
    assert.matches("profiles/update", refusal.body.error_message)
    assert.is_nil(refusal.headers["retry-after"]) -- off by default (UNCONFIRMED whether Batch sends one)
    socket.sleep(0.7) -- 210 tokens back
    assert.equal(202, (update(profiles(200))))
  end)

  it("sending faster than allowed from two clients gets 429s, and the counters say exactly how many", function()
    m:limits{ rates = { ["profiles/update"] = { rate = 5, burst = 5 } } }
    local statuses, elapsed = send_concurrently(m, "/2.11/profiles/update", '[{"identifiers":{"custom_id":"x"}}]',
                                                2, 30, 0)
    assert.equal(60, #statuses)
    local ok, limited = count(statuses, 202), count(statuses, 429)
    assert.equal(60, ok + limited)
    assert.is_true(limited > 0)
    local l = m:limits()
    assert.equal(ok, l.accepted["profiles/update"])
    assert.equal(limited, l.rejected["profiles/update"])
    -- one bucket for both workers, drawn atomically: never more than the burst plus the refill
    assert.is_true(ok <= 5 + 5 * elapsed + 1, ok .. " accepted in " .. elapsed .. " s")
    assert.is_true(ok >= 5)
    assert.equal(2, workers_seen(m))
  end)

  it("at a rate below the limit, two clients on two workers never get a 429", function()
    m:limits{ rates = { ["profiles/update"] = { rate = 40, burst = 4 } } }
    local statuses = send_concurrently(m, "/2.11/profiles/update", '[{"identifiers":{"custom_id":"x"}}]', 2, 15, 0.1)
    assert.equal(30, #statuses)
    assert.equal(30, count(statuses, 202))
    local l = m:limits()
    assert.equal(0, l.rejected["profiles/update"])
    assert.equal(30, l.accepted["profiles/update"])
    assert.equal(2, workers_seen(m))
  end)

  it("profiles/mass-update: its own bucket, one token per distinct custom ID", function()
    -- a slow refill, so that the second call finds the bucket empty however long the first one took
    m:limits{ rates = { ["profiles/mass-update"] = { rate = 100, burst = 10000 } } }
    local body = profiles(10000)
    assert.equal(202, (m:request("POST", "/2.11/profiles/mass-update", { body = body })))
    local status, answer = m:request("POST", "/2.11/profiles/mass-update", { body = body })
    assert.equal(429, status)
    assert.equal("TOO_MANY_REQUESTS", answer.error_code)
    assert.equal(1, m:limits().rejected["profiles/mass-update"])
  end)

  it("catalogs: 5 requests a second on every catalog route; items/edit also 1 000 items a second", function()
    local t0 = socket.gettime()
    local statuses = {}
    for i = 1, 10 do statuses[i] = (m:request("GET", "/2.11/catalogs/list")) end
    local elapsed = socket.gettime() - t0
    local ok = count(statuses, 200)
    assert.is_true(ok >= 5 and ok <= 5 + 5 * elapsed + 1, ok .. " in " .. elapsed .. " s")
    assert.equal(10 - ok, count(statuses, 429))
    local l = m:limits()
    assert.equal(ok, l.accepted["catalogs/list"])
    assert.equal(10 - ok, l.rejected["catalogs/list"])

    m:reset()
    m:limits{ rates = { catalogs = { rate = 1000, burst = 1000 }, ["catalogs/items"] = { rate = 100, burst = 300 } } }
    assert.equal(201, (m:request("POST", "/2.11/catalogs/create", { body = { name = "products" } })))
    local function edit(n)
      return m:request("POST", "/2.11/catalogs/items/edit", { body = { name = "products",
        items = many(n, function(i) return { id = "p" .. i, action = "add", attributes = { n = i } } end) } })
    end
    assert.equal(202, (edit(200)))
    local status, body = edit(200) -- 100 items left, 100 a second
    assert.equal(429, status)
    assert.equal("TOO_MANY_REQUESTS", body.error_code)
    assert.equal(202, (edit(50)))
    l = m:limits()
    assert.equal(2, l.accepted["catalogs/items/edit"])
    assert.equal(1, l.rejected["catalogs/items/edit"])
  end)

  it("retry_after adds a Retry-After header; enabled = false lifts every limit; reset restores them", function()
    m:limits{ retry_after = true, rates = { ["profiles/update"] = { rate = 0.5, burst = 1 } } }
    assert.equal(202, (update(profiles(1))))
    local status, _, _, headers = update(profiles(1))
    assert.equal(429, status)
    assert.matches("^%d+$", headers["retry-after"])
    assert.is_true(tonumber(headers["retry-after"]) >= 1)

    local l = m:limits{ enabled = false }
    assert.is_false(l.enabled)
    for _ = 1, 5 do assert.equal(202, (update(profiles(1)))) end
    for _ = 1, 8 do assert.equal(200, (m:request("GET", "/2.11/catalogs/list"))) end
    assert.equal(0, m:limits().rejected["catalogs/list"])

    m:reset()
    l = m:limits()
    assert.is_true(l.enabled)
    assert.is_false(l.retry_after)
    assert.same({ rate = 300, burst = 1000 }, l.rates["profiles/update"])
    assert.equal(0, l.accepted["profiles/update"])
    assert.equal(0, l.rejected["profiles/update"])
  end)
end)
