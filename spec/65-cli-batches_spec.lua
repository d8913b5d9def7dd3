-- Commands that send in batches, one call at a time (catalogs edit-items, profiles update --mass,
-- custom-data delete ...), when they stop part-way: a refused line, a library refusal inside a later
-- batch, a call that fails (500: the outcome unknown; 429: surely not applied), a signal. stderr's
-- last line says which input lines (or ids) Batch accepted, which may have been applied, and from
-- which one on nothing was sent; sending from there (tail -n +N) completes the work. bin/batch runs as
-- a child process against the emulator. (`profiles update` and `events track --data` send through the
-- library's queue instead: spec/65-cli-queue_spec.lua.)
local cjson = require "cjson.safe"
local files = require "spec.support.files"
local cli = require "spec.support.cli"

local q, lines = files.quote, cli.lines

describe("batch commands that send in batches", function()
  local m, dir, r

  cli.world(function(w) m, dir, r = w.m, w.dir, w.r end)

  -- The catalogs/items/edit calls the emulator got since the last call: the item ids each carried.
  local function item_calls()
    local out = {}
    for _, e in ipairs(m:log()) do
      if e.path:match("/catalogs/items/edit$") then
        local ids = {}
        for i, item in ipairs(cjson.decode(e.body).items) do ids[i] = item.id end
        out[#out + 1] = ids
      end
    end
    m:clear_log()
    return out
  end

  -- A JSON Lines file of catalog items sku-1 .. sku-n; `lines_of` replaces some lines (by number).
  local function items(n, lines_of)
    local t = {}
    for i = 1, n do
      t[i] = (lines_of or {})[i] or cjson.encode{ id = "sku-" .. i, action = "add", attributes = { title = "n" .. i } }
    end
    return r:file("items.jsonl", table.concat(t, "\n") .. "\n")
  end

  local EDIT = "catalogs edit-items products --data "

  -- A catalog to edit, the emulator's rate limits off (5 catalog calls a second: spec/06's concern).
  local function catalog()
    m:limits{ enabled = false }
    local res = r:run("catalogs create products --fields title:string")
    assert.equal(0, res.code, res.err)
    m:clear_log()
  end

  local function stored() return m:state().projects[m.keys.project_key].catalogs.products.nb_items end

  -- The second catalogs/items/edit call gets `fault` (the first goes through).
  local function second_call(fault)
    m:fault{ path = "/catalogs/items/edit", delay = 0, count = 1 }
    fault.path = "/catalogs/items/edit"
    m:fault(fault)
  end

  it("a bad line after an accepted batch: exit 2, the line named, how far it went; tail -n +N sends the rest",
     function()
    catalog()
    local path = items(450, { [300] = '{"id": ' })
    local res = r:run(EDIT .. "@" .. q(path))
    assert.equal(2, res.code)
    assert.equal("", res.out)
    local err = lines(res.err)
    assert.equal(2, #err, res.err)
    assert.matches("^batch: INVALID_ARGUMENT: line 300: not JSON: ", err[1])
    assert.equal("batch: lines 1 to 200 were accepted (1 batch); lines from 201 on were not sent " ..
                 "(tail -n +201 gives them)", err[2])
    local sent = item_calls()
    assert.equal(1, #sent)
    assert.same({ "sku-1", "sku-200" }, { sent[1][1], sent[1][200] })
    -- the line fixed, the rest sent from where the command stopped
    path = items(450)
    res = r:run(EDIT .. "-", nil, r:file("rest.jsonl", files.read_cmd("tail -n +201 " .. q(path))))
    assert.equal(0, res.code, res.err)
    local summary = cjson.decode(res.out)
    assert.same({ 250, 2 }, { summary.items, summary.batches })
    assert.equal(450, stored())
  end)

  it("a line the library refuses inside a later batch is named by its input line", function()
    catalog()
    local res = r:run(EDIT .. "@" .. q(items(1300, { [1203] = '{"action": "add"}' })))
    assert.equal(2, res.code)
    local err = lines(res.err)
    assert.equal(2, #err, res.err)
    assert.matches("^batch: INVALID_ARGUMENT: line 1203: catalogs:edit_items: items%[3%] has no id", err[1])
    assert.equal("batch: lines 1 to 1200 were accepted (6 batches); lines from 1201 on were not sent " ..
                 "(tail -n +1201 gives them)", err[2])
    assert.equal(6, #item_calls())
  end)

  it("a call of unknown outcome (500): exit 1, which lines may have been applied, from where nothing was sent",
     function()
    catalog()
    second_call{ status = 500, count = 5 }
    local res = r:run(EDIT .. "@" .. q(items(450)))
    assert.equal(1, res.code)
    assert.equal("", res.out)
    assert.same({ "batch: SERVER_ERROR: Server error (HTTP 500, code 0)",
                  "batch: the outcome of this POST is unknown: Batch may have applied it; " ..
                  "check before sending it again",
                  "batch: lines 1 to 200 were accepted (1 batch); lines 201 to 400 may have been applied; " ..
                  "lines from 401 on were not sent (tail -n +401 gives them)" }, lines(res.err))
    local sent = item_calls()
    assert.same({ 200, 200 }, { #sent[1], #sent[2] })
    assert.equal(200, stored())
  end)

  it("the last batch of unknown outcome: nothing is said of lines after it", function()
    catalog()
    second_call{ status = 502, count = 5 }
    local res = r:run(EDIT .. "@" .. q(items(250)))
    assert.equal(1, res.code)
    assert.equal("batch: lines 1 to 200 were accepted (1 batch); lines 201 to 250 may have been applied",
                 lines(res.err)[3])
  end)

  it("a call Batch surely did not apply (429): exit 75, from which line on nothing was sent", function()
    catalog()
    second_call{ status = 429, count = 5 }
    local res = r:run(EDIT .. "@" .. q(items(450)) .. " --max-retries 0")
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
    catalog()
    second_call{ delay = 1.5 }
    local res = r:shell(table.concat({
      "batch " .. EDIT .. "@" .. q(items(450)) .. " 2>" .. q(dir .. "/int.err") .. " &",
      "pid=$!",
      "sleep 0.7",
      "kill -INT $pid",
      "wait $pid; echo \"exit $?\"",
    }, "\n") .. "\n")
    assert.equal("exit 130\n", res.out)
    assert.same({ "batch: lines 1 to 200 were accepted (1 batch); lines 201 to 400 may have been applied; " ..
                  "lines from 401 on were not sent (tail -n +401 gives them)", "batch: interrupted (SIGINT)" },
                lines(files.read_all(dir .. "/int.err")))
    assert.equal(2, #item_calls())
  end)
end)
