-- One-shot flows of `batch`: create, wait and download in one command under one --timeout; campaign
-- and in-app writes from a JSON file or stdin; `batch api` for any route. bin/batch runs as a child
-- process against the emulator.
local cjson = require "cjson.safe"
local files = require "spec.support.files"
local cli = require "spec.support.cli"

local q, lines, json_lines = files.quote, cli.lines, cli.json_lines

describe("batch one-shot flows", function()
  local m, dir, r, token

  cli.world(function(w) m, dir, r = w.m, w.dir, w.r end)
  before_each(function()
    m:exports_config{ pending_after = 0.05, running_after = 0.1, done_after = 0.3, rows = 25, parts = 2 }
    token = r:run("campaign list --limit 1 --field campaign_token").out:match("^(%x+)")
  end)

  local CREATE = " --from now --events push_sent,push_open --ids install_id,custom_id"

  it("export create --wait --out PATH: one command, the CSV whole at PATH", function()
    local path = dir .. "/events.csv"
    local res = r:run("export create --campaign " .. token .. CREATE .. " --wait --interval 0.05 --out " .. q(path))
    assert.equal(0, res.code, res.err)
    assert.equal("", res.err)
    local v = cjson.decode(res.out)
    assert.equal(path, v.path)
    assert.matches("^%x+%-", v.id)
    local csv = files.read_all(path)
    assert.equal(#csv, v.bytes)
    assert.equal("install_id;custom_id;event_type", lines(csv)[1])
    assert.equal(26, #lines(csv))
  end)

  it("export create --wait --out -: the CSV alone on stdout; --wait alone prints the final info", function()
    local res = r:run("export create --campaign " .. token .. CREATE .. " --wait --interval 0.05 --out -")
    assert.equal(0, res.code, res.err)
    assert.equal("install_id;custom_id;event_type", lines(res.out)[1])
    assert.equal(26, #lines(res.out))
    local w = r:run("export create --campaign " .. token .. CREATE .. " --wait --interval 0.05 --field status")
    assert.equal("SUCCESS\n", w.out)
  end)

  it("one --timeout bounds create, wait and download together", function()
    m:exports_config{ pending_after = 0.05, done_after = 0.6 }
    local started = os.time()
    local res = r:run("export create --campaign " .. token .. CREATE .. " --wait --interval 0.05 --timeout 0.4 " ..
                      "--out " .. q(dir .. "/late.csv"))
    assert.equal(75, res.code)
    assert.is_true(os.time() - started <= 2)
    assert.is_false(files.exists(dir .. "/late.csv"))
    -- the same export, resumed with the command on stderr
    local resume = res.err:match("still running: (batch export wait %S+)")
    assert.truthy(resume, res.err)
    local again = r:run(resume:gsub("^batch ", "") .. " --interval 0.05 --field status")
    assert.equal("SUCCESS\n", again.out)
  end)

  it("a download failing after the wait: its error, and the command to download the finished export", function()
    m:fault{ path = "/_storage/", status = 500, count = 10 }
    local res = r:run("export create --campaign " .. token .. CREATE .. " --wait --interval 0.05 --max-retries 0 " ..
                      "--out " .. q(dir .. "/failed.csv"))
    assert.equal(75, res.code)
    local ls = lines(res.err)
    local target = dir:gsub("%p", "%%%0") .. "/failed%.csv"
    assert.matches("^batch: the export is done: batch export download %S+ " .. target .. "$", ls[1])
    assert.matches("^batch: HTTP_ERROR: storage answered HTTP 500", ls[2])
    assert.is_false(files.exists(dir .. "/failed.csv"))
  end)

  it("--out, --timeout and --interval go with --wait", function()
    for _, extra in ipairs{ " --out x.csv", " --timeout 5", " --interval 1" } do
      local res = r:run("export create --campaign " .. token .. CREATE .. extra)
      assert.equal(2, res.code)
      assert.truthy(res.err:find("goes with --wait", 1, true), res.err)
    end
  end)

  it("profiles export --wait --dir DIR: every part in DIR, one line per file", function()
    local out = dir .. "/parts"
    local res = r:run("profiles export --identifiers custom_id --attributes '$region' --wait --interval 0.05 " ..
                      "--dir " .. q(out))
    assert.equal(0, res.code, res.err)
    local parts = json_lines(res.out)
    assert.equal(2, #parts)
    local n = 0
    for _, p in ipairs(parts) do
      assert.equal(out, p.path:match("^(.*)/[^/]+$"))
      assert.equal(p.bytes, #files.read_all(p.path))
      n = n + #lines(files.read_all(p.path))
    end
    assert.equal(25, n)
    local view = cjson.decode(r:run("profiles export --identifiers custom_id --wait --interval 0.05").out)
    assert.equal("SUCCESS", view.status)
  end)

  it("profiles export --data @FILE and --data -", function()
    local path = r:file("export.json", '{"export_type":"ATTRIBUTES","identifiers":["custom_id"]}')
    local a = r:run("profiles export --data @" .. q(path) .. " --field id")
    assert.matches("^export_%w+\n$", a.out)
    local b = r:run("profiles export --data - --field id", nil, path)
    assert.matches("^export_%w+\n$", b.out)
    assert.equal(2, r:run("profiles export --data @" .. q(path) .. " --type EVENTS").code)
  end)

  local landing = { theme = "T", contents = { { language = "en", title = "Hi" } } }
  for _, g in ipairs{ { group = "campaign", key = "messages", value = { { language = "en", body = "Hello" } } },
                      { group = "inapp", key = "landing", value = landing,
                        trigger = { when = "NEXT_SESSION" } } } do
    it(g.group .. " create, update and delete from a JSON file or stdin", function()
      local body = { name = "From the CLI", live = false, [g.key] = g.value, trigger = g.trigger }
      local path = r:file(g.group .. ".json", cjson.encode(body))
      local made = r:run(g.group .. " create --data @" .. q(path))
      assert.equal(0, made.code, made.err)
      local new = cjson.decode(made.out).campaign_token
      assert.matches("^%x+$", new)
      local log = m:log()
      assert.same(body, cjson.decode(log[#log].body))

      -- an update carries at least the create's fields (batch-api.md §1.4)
      local changed = {}
      for k, v in pairs(body) do changed[k] = v end
      changed.name = "Renamed by the CLI"
      local upd = r:file("update.json", cjson.encode(changed))
      local u = r:run(g.group .. " update " .. new .. " --data -", nil, upd)
      assert.equal(0, u.code, u.err)
      assert.same({ ok = true, campaign_token = new }, cjson.decode(u.out))
      assert.equal("Renamed by the CLI\n", r:run(g.group .. " get " .. new .. " --field name").out)

      local d = r:run(g.group .. " delete " .. new)
      assert.equal(0, d.code, d.err)
      assert.same({ ok = true, campaign_token = new }, cjson.decode(d.out))
      assert.equal(1, r:run(g.group .. " get " .. new).code)
    end)
  end

  it("--data that is not a JSON object, or stdin asked twice, is a usage error, nothing sent", function()
    m:clear_log()
    local bad = r:file("bad.json", "{nope")
    for _, args in ipairs{ "campaign create --data @" .. q(bad), "campaign create --data @/no/such.json",
                           "campaign update - --data -" } do
      local res = r:run(args, nil, bad)
      assert.equal(2, res.code, args)
      assert.equal("", res.out)
    end
    assert.equal(0, #m:log())
  end)

  describe("batch api", function()
    it("a 1.1 GET: the API key put in the path, X-Authorization added, --query encoded", function()
      m:clear_log()
      local res = r:run("api GET /1.1/campaigns/list --query limit=2 --query 'from=0' --field campaign_token")
      assert.equal(0, res.code, res.err)
      assert.equal(2, #lines(res.out))
      local log = m:log()
      assert.equal("/1.1/" .. m.keys.api_key .. "/campaigns/list", log[#log].path)
      assert.same({ ["from=0"] = true, ["limit=2"] = true },
                  { [log[#log].query:match("^([^&]+)")] = true, [log[#log].query:match("&(.+)$")] = true })
      assert.equal(m.keys.rest_key, log[#log].headers["x-authorization"])
    end)

    it("a POST with --data @FILE; the answer printed as JSON", function()
      local path = r:file("api.json", cjson.encode{ name = "Through batch api", live = false,
                                                      messages = { { language = "en", body = "x" } } })
      local res = r:run("api POST /1.1/campaigns/create --data @" .. q(path))
      assert.equal(0, res.code, res.err)
      local made = cjson.decode(res.out).campaign_token
      assert.equal("Through batch api\n", r:run("campaign get " .. made .. " --field name").out)
    end)

    it("a 2.x route: Bearer and X-Batch-Project added; /2/ is the client's version", function()
      m:clear_log()
      local res = r:run("api GET /2/exports/list --query limit=1")
      assert.equal(0, res.code, res.err)
      assert.is_table(cjson.decode(res.out).exports)
      local log = m:log()
      assert.matches("^/2%.%d+/exports/list$", log[#log].path)
      assert.equal("Bearer " .. m.keys.rest_key, log[#log].headers["authorization"])
      assert.equal(m.keys.project_key, log[#log].headers["x-batch-project"])
    end)

    it("keys are redacted in what it prints; a status other than 2xx is an error", function()
      assert.equal(0, r:run("export create --campaign " .. token .. CREATE .. " --wait --interval 0.05").code)
      local res = r:run("api GET /1.0/export/requests --debug")
      assert.equal(0, res.code, res.err)
      assert.matches("/1%.0/%*%*%*/export/request/", res.out)
      for _, k in ipairs{ m.keys.api_key, m.keys.rest_key, m.keys.project_key } do
        assert.is_nil(res.out:find(k, 1, true))
        assert.is_nil(res.err:find(k, 1, true))
      end
      local missing = r:run("api GET /1.1/campaigns/0123456789abcdef")
      assert.equal(1, missing.code)
      assert.matches("^batch: ROUTE_NOT_FOUND: ", missing.err)
    end)
  end)
end)
