-- The exit status of `batch`, as cron and scripts read it: 0, 1 (permanent), 2 (usage), 75 (try again
-- later: EX_TEMPFAIL), and for a write whose outcome is unknown, 1 with a line saying so. bin/batch runs
-- as a child process against the emulator, whose faults stand for Batch's failures.
local cjson = require "cjson.safe"
local files = require "spec.support.files"
local cli = require "spec.support.cli"

local lines = cli.lines

describe("batch exit status", function()
  local m, r, token, body

  cli.world(function(w) m, r = w.m, w.r end)
  setup(function()
    body = r:file("campaign.json", cjson.encode{ name = "Exit codes", messages = { { language = "en", body = "x" } } })
  end)
  before_each(function()
    token = r:run("campaign list --limit 1 --field campaign_token").out:match("^(%x+)")
  end)

  -- The error lines of a run that failed with `code`; nothing on stdout.
  local function failed(res, code)
    assert.equal(code, res.code, res.err)
    assert.equal("", res.out)
    return lines(res.err)
  end

  it("a read refused for now (429, 503, 500) exits 75", function()
    for _, status in ipairs{ 429, 503, 500 } do
      m:fault{ path = "/campaigns/", status = status, count = 5 }
      local ls = failed(r:run("campaign get " .. token .. " --max-retries 0"), 75)
      assert.equal(1, #ls)
      m:clear_faults()
    end
  end)

  it("a read that timed out exits 75", function()
    m:fault{ path = "/campaigns/", delay = 2, count = 5 }
    local ls = failed(r:run("campaign get " .. token .. " --max-retries 0 --timeout 0.3"), 75)
    assert.matches("^batch: TIMEOUT: ", ls[1])
  end)

  it("an API error that will not change exits 1 (404, 401, 400)", function()
    failed(r:run("campaign get 0123456789abcdef"), 1)
    failed(r:run("campaign get " .. token, { BATCH_REST_API_KEY = "nope" }), 1)
    failed(r:run("campaign create --data '{\"name\": 3}'"), 1)
  end)

  it("a write Batch surely did not apply exits 75: 429, 503, or never sent", function()
    for _, status in ipairs{ 429, 503 } do
      m:fault{ path = "/campaigns/create", status = status, count = 5 }
      local ls = failed(r:run("campaign create --data @" .. files.quote(body) .. " --max-retries 0"), 75)
      assert.equal(1, #ls, table.concat(ls, "\n"))
      m:clear_faults()
    end
    local ls = failed(r:run("campaign create --data @" .. files.quote(body) .. " --max-retries 0",
                            { BATCH_BASE_URL = "http://127.0.0.1:1" }), 75)
    assert.matches("^batch: NETWORK_ERROR: ", ls[1])
    assert.equal(1, #ls)
  end)

  it("a write whose outcome is unknown (500, a connection cut after sending) exits 1 and says so", function()
    m:fault{ path = "/campaigns/create", status = 500 }
    local ls = failed(r:run("campaign create --data @" .. files.quote(body) .. " --max-retries 0"), 1)
    assert.equal(2, #ls)
    assert.matches("^batch: SERVER_ERROR: ", ls[1])
    assert.equal("batch: the outcome of this POST is unknown: Batch may have applied it; check before sending it " ..
                 "again", ls[2])
    m:fault{ path = "/campaigns/delete/", action = "drop" }
    ls = failed(r:run("campaign delete " .. token .. " --max-retries 0"), 1)
    assert.equal(2, #ls)
    assert.matches("outcome of this POST is unknown", ls[2])
  end)

  it("an export that failed or expired exits 1; one past --timeout exits 75", function()
    m:exports_config{ pending_after = 0.05, done_after = 0.1, outcome = "EXPIRED" }
    local id = r:run("export create --campaign " .. token .. " --from now --events push_sent --ids install_id" ..
                     " --field id").out:match("^(%S+)")
    local ls = failed(r:run("export wait " .. id .. " --interval 0.05"), 1)
    assert.matches("^batch: EXPORT_EXPIRED: ", ls[1])
    m:exports_config{ pending_after = 0.05, done_after = 60, outcome = "SUCCESS" }
    local w = r:run("export create --campaign " .. token .. " --from now --events push_sent --ids install_id" ..
                    " --wait --interval 0.05 --timeout 0.3")
    assert.equal(75, w.code)
    ls = lines(w.err)
    assert.matches("^batch: still running: batch export wait %S+$", ls[1])
    assert.matches("^batch: WAIT_TIMEOUT: ", ls[2])
  end)

  it("a usage error exits 2 before any request", function()
    m:clear_log()
    failed(r:run("campaign list --limit"), 2)
    failed(r:run("campaign create"), 2)
    failed(r:run("campaign create --data '[1]'"), 2)
    failed(r:run("api GET campaigns/list"), 2)
    assert.equal(0, #m:log())
  end)
end)
