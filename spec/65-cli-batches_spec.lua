-- Commands that send in batches (profiles update, events track --data, custom-data delete ...) when they
-- stop part-way: a refused line, a library refusal inside a later batch, a call that fails (500: the
-- outcome unknown; 429: surely not applied), a signal. stderr's last line says which input lines (or
-- ids) Batch accepted, which may have been applied, and from which one on nothing was sent; sending
-- from there (tail -n +N) completes the work. bin/batch runs as a child process against the emulator.
local cjson = require "cjson.safe"
local mock = require "spec.support.mock"
local files = require "spec.support.files"
local cli = require "spec.support.cli"

local q, lines = files.quote, cli.lines

describe("batch commands that send in batches", function()
  local m, dir, r

  setup(function()
    m = mock.start()
    dir = files.tmpdir()
    r = cli.new(m, dir)
  end)
  teardown(function()
    m:stop()
    files.remove_tree(dir)
  end)
  before_each(function()
    m:reset()
  end)

  -- The profiles/update calls the emulator got since the last call: the custom IDs each carried.
  local function profile_calls()
    local out = {}
    for _, e in ipairs(m:log()) do
      local ids = {}
      for i, p in ipairs(cjson.decode(e.body)) do ids[i] = p.identifiers.custom_id end
      out[#out + 1] = ids
    end
    m:clear_log()
    return out
  end

  -- A JSON Lines file of profiles user-1 .. user-n; `lines_of` replaces some lines (by number).
  local function profiles(n, lines_of)
    local t = {}
    for i = 1, n do
      t[i] = (lines_of or {})[i] or cjson.encode{ identifiers = { custom_id = "user-" .. i }, attributes = { n = i } }
    end
    return r:file("profiles.jsonl", table.concat(t, "\n") .. "\n")
  end

  local function stored() return m:state().projects[m.keys.project_key].profiles end
  local function count(t) local n = 0 for _ in pairs(t) do n = n + 1 end return n end

  -- The second profiles/update call gets `fault` (the first goes through).
  local function second_call(fault)
    m:fault{ path = "/profiles/update", delay = 0, count = 1 }
    fault.path = "/profiles/update"
    m:fault(fault)
  end

  it("a bad line after an accepted batch: exit 2, the line named, how far it went; tail -n +N sends the rest",
     function()
    local path = profiles(450, { [300] = '{"identifiers": ' })
    local res = r:run("profiles update --data @" .. q(path))
    assert.equal(2, res.code)
    assert.equal("", res.out)
    local err = lines(res.err)
    assert.equal(2, #err, res.err)
    assert.matches("^batch: INVALID_ARGUMENT: line 300: not JSON: ", err[1])
    assert.equal("batch: lines 1 to 200 were accepted (1 batch); lines from 201 on were not sent " ..
                 "(tail -n +201 gives them)", err[2])
    local sent = profile_calls()
    assert.equal(1, #sent)
    assert.same({ "user-1", "user-200" }, { sent[1][1], sent[1][200] })
    -- the line fixed, the rest sent from where the command stopped
    path = profiles(450)
    res = r:run("profiles update --data -", nil, r:file("rest.jsonl", files.read_cmd("tail -n +201 " .. q(path))))
    assert.equal(0, res.code, res.err)
    assert.same({ profiles = 250, batches = 2, partial_errors = 0 }, cjson.decode(res.out))
    assert.equal(450, count(stored()))
  end)

  it("a line the library refuses inside a later batch is named by its input line", function()
    local t = {}
    for i = 1, 1300 do
      t[i] = cjson.encode{ id = "u" .. i, name = "e", time = i == 1203 and "2001-01-01T00:00:00" or nil }
    end
    local res = r:run("events track --data @" .. q(r:file("events.jsonl", table.concat(t, "\n"))))
    assert.equal(2, res.code)
    local err = lines(res.err)
    assert.equal(2, #err, res.err)
    assert.matches("^batch: INVALID_ARGUMENT: line 1203: events:track_many: users%[203%]%.events%[1%]%.time " ..
                   "is older", err[1])
    assert.equal("batch: lines 1 to 1000 were accepted (1 batch); lines from 1001 on were not sent " ..
                 "(tail -n +1001 gives them)", err[2])
    assert.equal(1, #m:log())
  end)

  it("a call of unknown outcome (500): exit 1, which lines may have been applied, from where nothing was sent",
     function()
    second_call{ status = 500, count = 5 }
    local res = r:run("profiles update --data @" .. q(profiles(450)))
    assert.equal(1, res.code)
    assert.equal("", res.out)
    assert.same({ "batch: SERVER_ERROR: Server error (HTTP 500, code 0)",
                  "batch: the outcome of this POST is unknown: Batch may have applied it; " ..
                  "check before sending it again",
                  "batch: lines 1 to 200 were accepted (1 batch); lines 201 to 400 may have been applied; " ..
                  "lines from 401 on were not sent (tail -n +401 gives them)" }, lines(res.err))
    local sent = profile_calls()
    assert.same({ 200, 200 }, { #sent[1], #sent[2] })
    assert.equal(200, count(stored()))
  end)

  it("the last batch of unknown outcome: nothing is said of lines after it", function()
    second_call{ status = 502, count = 5 }
    local res = r:run("profiles update --data @" .. q(profiles(250)))
    assert.equal(1, res.code)
    assert.equal("batch: lines 1 to 200 were accepted (1 batch); lines 201 to 250 may have been applied",
                 lines(res.err)[3])
  end)

  it("a call Batch surely did not apply (429): exit 75, from which line on nothing was sent", function()
    second_call{ status = 429, count = 5 }
    local res = r:run("profiles update --data @" .. q(profiles(450)) .. " --max-retries 0")
    assert.equal(75, res.code)
    local err = lines(res.err)
    assert.equal(2, #err, res.err)
    assert.matches("^batch: TOO_MANY_REQUESTS: ", err[1])
    assert.equal("batch: lines 1 to 200 were accepted (1 batch); lines from 201 on were not sent " ..
                 "(tail -n +201 gives them)", err[2])
  end)

  it("ids count as places: custom-data delete of 20 001 ids, its second call failing", function()
    m:fault{ path = "/data/users", delay = 0, count = 1 }
    m:fault{ path = "/data/users", status = 500, count = 5 }
    local ids = {}
    for i = 1, 20001 do ids[i] = "u" .. i end
    local res = r:run("custom-data delete -", nil, r:file("ids.txt", table.concat(ids, "\n")))
    assert.equal(1, res.code)
    assert.equal(1, #lines(res.out))  -- the first call's answer
    assert.equal(10000, cjson.decode(res.out).ids)
    assert.equal("batch: ids 1 to 10000 were accepted (1 batch); ids 10001 to 20000 may have been applied; " ..
                 "ids from 20001 on were not sent", lines(res.err)[3])
  end)

  it("SIGINT while a batch is in flight: exit 130, what was sent, then the signal's line", function()
    second_call{ delay = 1.5 }
    local res = r:shell(table.concat({
      "batch profiles update --data @" .. q(profiles(450)) .. " 2>" .. q(dir .. "/int.err") .. " &",
      "pid=$!",
      "sleep 0.7",
      "kill -INT $pid",
      "wait $pid; echo \"exit $?\"",
    }, "\n") .. "\n")
    assert.equal("exit 130\n", res.out)
    assert.same({ "batch: lines 1 to 200 were accepted (1 batch); lines 201 to 400 may have been applied; " ..
                  "lines from 401 on were not sent (tail -n +401 gives them)", "batch: interrupted (SIGINT)" },
                lines(files.read_all(dir .. "/int.err")))
    assert.equal(2, #m:log())
  end)
end)
