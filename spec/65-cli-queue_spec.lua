-- `batch profiles update` (without --mass) and `batch events track --data` send through the library's
-- queue: calls filled to the route's cap within Batch's rate (the emulator's limits on: no 429 at
-- 2000 profiles), what may be retried sent again (a 429, a 500), what Batch refused named by its
-- input line, the --timeout after which the rest is given up on (exit 75, the lines named), a bad line
-- (the lines before it sent, exit 2, tail -n +N), a refused key (nothing more sent), a signal, and the
-- progress line on a terminal. bin/batch runs as a child process against the emulator.
local cjson = require "cjson.safe"
local files = require "spec.support.files"
local cli = require "spec.support.cli"
local core = require "batch.core"

local q, lines = files.quote, cli.lines

describe("batch commands that send through the queue", function()
  local m, dir, r

  cli.world(function(w) m, dir, r = w.m, w.dir, w.r end)

  -- JSON Lines of profiles user-1 .. user-n (attribute n = i); `lines_of` replaces some lines.
  local function profiles(n, lines_of, name)
    local t = {}
    for i = 1, n do
      t[i] = (lines_of or {})[i] or cjson.encode{ identifiers = { custom_id = "user-" .. i }, attributes = { n = i } }
    end
    return r:file(name or "profiles.jsonl", table.concat(t, "\n") .. "\n")
  end

  local function stored() return m:state().projects[m.keys.project_key].profiles end
  local function count(t) local n = 0 for _ in pairs(t) do n = n + 1 end return n end

  -- The custom IDs of each profiles/update call the emulator got.
  local function profile_calls()
    local out = {}
    for _, e in ipairs(m:log()) do
      if e.path:match("/profiles/update$") then
        local ids = {}
        for i, p in ipairs(cjson.decode(e.body) or {}) do ids[i] = p.identifiers.custom_id end
        out[#out + 1] = ids
      end
    end
    return out
  end

  -- r:run, and the seconds it took.
  local function timed(...)
    local t0 = core.now()
    local res = r:run(...)
    return res, core.now() - t0
  end

  it("fills calls of 200 within Batch's rate: 2000 profiles, the emulator's limits on, no 429", function()
    m:limits{ enabled = true }
    local res, took = timed("profiles update --data @" .. q(profiles(2000)))
    assert.equal(0, res.code, res.err)
    assert.equal("", res.err)
    assert.same({ profiles = 2000, sent = 2000, dropped = 0, batches = 10, partial_errors = 0 }, cjson.decode(res.out))
    local calls = profile_calls()
    assert.equal(10, #calls)
    for _, ids in ipairs(calls) do assert.equal(200, #ids) end
    -- past the burst (1000 custom IDs) the queue keeps to 5% under 300 a second: (2000 - 950) / 285 s
    assert.is_true(took >= (2000 - 950) / 285 - 0.5, tostring(took))
    assert.equal(0, m:limits().rejected["profiles/update"] or 0)
    assert.equal(2000, count(stored()))
  end)

  it("a 429 pauses the route at least 5 s, a 500 is sent again: everything arrives, exit 0", function()
    m:limits{ enabled = false }
    m:fault{ path = "/profiles/update", count = 1, status = 429 }
    m:fault{ path = "/profiles/update", count = 1, status = 500 }
    local res, took = timed("profiles update --data @" .. q(profiles(450)))
    assert.equal(0, res.code, res.err)
    local s = cjson.decode(res.out)
    assert.same({ 450, 450, 0 }, { s.profiles, s.sent, s.dropped })
    assert.same({}, m:faults())       -- both were met
    assert.equal(5, #profile_calls())  -- 3 batches, 2 of them sent again
    assert.is_true(took >= 5, tostring(took))
    -- each user's update arrived, the one hit by the 500 maybe twice (at least once)
    assert.equal(450, count(stored()))
    assert.equal(450, stored()["user-450"].attributes.n)
  end)

  it("--timeout passes while Batch answers 503: exit 75, the lines named; sending them again completes", function()
    m:limits{ enabled = false }
    m:fault{ path = "/profiles/update", count = 1000, status = 503 }
    local res = r:run("profiles update --timeout 2 --data @" .. q(profiles(3)))
    assert.equal(75, res.code, res.err)
    local s = cjson.decode(res.out)
    assert.same({ 3, 0, 3 }, { s.profiles, s.sent, s.dropped })
    assert.same({ "QUEUE_CLOSED", 1, "user-1" }, { s.errors[1].error, s.errors[1].line, s.errors[1].custom_id })
    local err = lines(res.err)
    assert.matches("^batch: lines 1%-3: QUEUE_CLOSED: ", err[1])
    assert.equal("batch: QUEUE_CLOSED: 3 items not sent within 2 s (lines 1-3): send those lines again", err[2])
    m:clear_faults()
    res = r:run("profiles update --data @" .. q(profiles(3)))
    assert.equal(0, res.code, res.err)
    assert.equal(3, count(stored()))
  end)

  it("a bad line: the lines before it are sent, exit 2, tail -n +N sends the rest", function()
    m:limits{ enabled = false }
    local res = r:run("profiles update --data @" .. q(profiles(450, { [300] = '{"identifiers": ' })))
    assert.equal(2, res.code)
    assert.same({ profiles = 299, sent = 299, dropped = 0, batches = 2, partial_errors = 0 }, cjson.decode(res.out))
    local err = lines(res.err)
    assert.equal(2, #err, res.err)
    assert.matches("^batch: INVALID_ARGUMENT: line 300: not JSON: ", err[1])
    assert.equal("batch: lines from 300 on were not sent (tail -n +300 gives them)", err[2])
    assert.equal(299, count(stored()))
    local fixed = profiles(450, nil, "fixed.jsonl")
    res = r:run("profiles update --data -", nil, r:file("rest.jsonl", files.read_cmd("tail -n +300 " .. q(fixed))))
    assert.equal(0, res.code, res.err)
    assert.equal(450, count(stored()))
  end)

  it("a refused key: one call, nothing more sent, every line named, exit 1", function()
    m:limits{ enabled = false }
    local res = r:run("profiles update --rest-key WRONG0000000000000000000000000000 --data @" .. q(profiles(450)))
    assert.equal(1, res.code)
    local s = cjson.decode(res.out)
    assert.same({ 200, 0, 200 }, { s.profiles, s.sent, s.dropped })
    assert.equal(1, #profile_calls())
    local err = lines(res.err)
    assert.equal(3, #err, res.err)
    assert.matches("^batch: lines 1%-200: AUTHENTICATION_INVALID", err[1])
    assert.matches("^batch: AUTHENTICATION_INVALID", err[2])
    assert.equal("batch: lines from 201 on were not sent (tail -n +201 gives them)", err[3])
    assert.is_nil(res.err:find("WRONG0000", 1, true))
  end)

  it("SIGINT while a batch is in flight: exit 130, from which line to send again", function()
    m:limits{ enabled = false }
    m:fault{ path = "/profiles/update", delay = 0, count = 1 }
    m:fault{ path = "/profiles/update", delay = 1.5, count = 1 }
    local res = r:shell(table.concat({
      "batch profiles update --data @" .. q(profiles(450)) .. " >" .. q(dir .. "/int.out") .. " 2>" ..
        q(dir .. "/int.err") .. " &",
      "pid=$!",
      "sleep 0.7",
      "kill -INT $pid",
      "wait $pid; echo \"exit $?\"",
    }, "\n") .. "\n")
    assert.equal("exit 130\n", res.out)
    assert.same({ "batch: lines 201-400: not sent, or sent and not answered yet",
                  "batch: lines from 201 on may not have been sent (tail -n +201 sends them again)",
                  "batch: interrupted (SIGINT)" }, lines(files.read_all(dir .. "/int.err")))
    -- no call after the signal (the queue's close did not send what waited)
    assert.equal(2, #profile_calls())
  end)

  it("shows sent, dropped and pending on a terminal", function()
    m:limits{ enabled = false }
    local out = r:tty("profiles update --data @" .. q(profiles(450)), { BATCH_PROGRESS = "1" }, true)
    assert.truthy(out:find("sent 450 of 450, 0 dropped, 0 pending", 1, true), out)
  end)

  it("events track --data: what Batch refuses is named by its line, the rest is sent, exit 1", function()
    m:limits{ enabled = false }
    local t = {}
    for i = 1, 30 do t[i] = cjson.encode{ id = "u" .. i, name = i == 17 and "bad name" or "opened" } end
    local res = r:run("events track --data @" .. q(r:file("events.jsonl", table.concat(t, "\n"))))
    assert.equal(1, res.code)
    local s = cjson.decode(res.out)
    assert.same({ 30, 30, 29, 1 }, { s.lines, s.events, s.sent, s.dropped })
    assert.same({ 17, "u17", "MALFORMED_PARAMETER" }, { s.errors[1].line, s.errors[1].custom_id, s.errors[1].error })
    local err = lines(res.err)
    assert.matches("^batch: line 17: MALFORMED_PARAMETER", err[1])
    assert.equal("batch: PARTIAL_ERROR: Batch refused 1 item (line 17): the rest were sent", err[2])
    local events = m:state().apps.ios.events
    assert.equal("opened", events.u30.events[1].name)
    assert.is_nil(events.u17)
  end)

  it("events track --data: an event past the 24-hour window stops the reading there, exit 2", function()
    m:limits{ enabled = false }
    local t = {}
    for i = 1, 5 do t[i] = cjson.encode{ id = "u" .. i, name = "e", time = i == 4 and "2001-01-01T00:00:00" or nil } end
    local res = r:run("events track --data @" .. q(r:file("events.jsonl", table.concat(t, "\n"))))
    assert.equal(2, res.code)
    assert.same({ 3, 3, 3 }, { cjson.decode(res.out).lines, cjson.decode(res.out).events, cjson.decode(res.out).sent })
    local err = lines(res.err)
    assert.matches("^batch: INVALID_ARGUMENT: line 4: queue:track: event%.time is older than 24 hours", err[1])
    assert.equal("batch: lines from 4 on were not sent (tail -n +4 gives them)", err[2])
  end)
end)
