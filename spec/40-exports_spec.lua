-- Export API 1.0 end to end against the emulator: create, wait, the 302 link, download, rows.
local batch = require "batch"
local cjson = require "cjson"
local mock = require "spec.support.mock"
local interp = require "spec.support.interp"
local file_util = require "spec.support.files"
local exists, read_all = file_util.exists, file_util.read_all

describe("exports (API 1.0)", function()
  local m, client, keys, dir, token

  setup(function()
    m = mock.start()
    keys = m.keys
    dir = file_util.tmpdir()
  end)
  teardown(function()
    if client then client:close() end
    m:stop()
    file_util.remove_tree(dir)
  end)
  before_each(function()
    m:reset()
    m:exports_config{ pending_after = 0.05, done_after = 0.2, rows = 50 }
    if client then client:close() end
    client = batch.new{ api_key = keys.api_key, rest_key = keys.rest_key, base_url = m.url }
    token = assert(client.campaigns:list{ limit = 1 })[1].campaign_token
    m:clear_log()
  end)

  local function new_export()
    return assert(client.exports:create{ campaign = token, kind = "events", from = "2019-08-14T22:00:00",
                                         to = "now", events = { "push_sent", "push_open" },
                                         ids = { "install_id", "custom_id" } })
  end

  it("create: POST /1.0/{key}/export/campaign/{token}/events with the documented body", function()
    local info = new_export()
    assert.is_string(info.id)
    local r = m:log()[1]
    assert.equal("POST", r.method)
    assert.equal("/1.0/" .. keys.api_key .. "/export/campaign/" .. token .. "/events", r.path)
    assert.equal(keys.rest_key, r.headers["x-authorization"])
    assert.same({ from = "2019-08-14T22:00:00", to = "now", events = { "push_sent", "push_open" },
                  ids = { "install_id", "custom_id" } }, cjson.decode(r.body))
  end)

  it("create: the request id read from `id` or `token` (Batch's answer is undocumented), always as .id", function()
    m:exports_config{ id_field = "token" }
    local info = new_export()
    assert.is_string(info.id)
    assert.equal(info.token, info.id)
    local got = assert(client.exports:get(info.id))
    assert.equal(info.id, got.id)
  end)

  it("create: ids exports and in-app event exports use their routes", function()
    assert(client.exports:create{ campaign = token, kind = "ids", from = "now", to = "now",
                                  events = { "push_sent" }, ids = { "install_id" } })
    assert.equal("/1.0/" .. keys.api_key .. "/export/campaign/" .. token .. "/ids", m:log()[1].path)
    local inapp = assert(client.inapp_campaigns:list{ limit = 1 })[1].campaign_token
    m:clear_log()
    assert(client.exports:create{ inapp_campaign = inapp, kind = "events", from = "now", to = "now",
                                  events = { "inapp_display" }, ids = { "install_id" } })
    assert.matches("/inapp%-campaign/" .. inapp .. "/events$", m:log()[1].path)
  end)

  it("create: bad values give INVALID_ARGUMENT and send nothing", function()
    local base = { campaign = token, kind = "events", from = "now", to = "now", events = { "push_sent" },
                   ids = { "install_id" } }
    local function with(k, v)
      local t = {}
      for a, b in pairs(base) do t[a] = b end
      t[k] = v
      return t
    end
    for _, spec in ipairs{ with("kind", "users"), with("from", "yesterday"), with("to", "2019-08-14"),
                           with("events", {}), with("ids", { "" }), with("campaign", "a/b") } do
      local res, err = client.exports:create(spec)
      assert.is_nil(res)
      assert.equal("INVALID_ARGUMENT", err.name)
    end
    assert.has_error(function() client.exports:create(with("bogus", 1)) end, "exports:create: unknown option 'bogus'")
    assert.equal(0, #m:log())
  end)

  it("get and list: the request info", function()
    local info = new_export()
    local got = assert(client.exports:get(info.id))
    assert.equal(info.id, got.id)
    assert.matches("^[A-Z]+$", got.status)
    assert.equal("/1.0/" .. keys.api_key .. "/export/request/" .. info.id, m:log()[2].path)
    local all = assert(client.exports:list())
    assert.equal(info.id, all[1].id)
    assert.equal("/1.0/" .. keys.api_key .. "/export/requests", m:log()[3].path)
  end)

  it("wait: polls until SUCCESS and gives the final info, on_poll seeing the states", function()
    local info = new_export()
    local states = {}
    local final, err = client.exports:wait(info, { interval = 0.05, factor = 1,
      on_poll = function(i) states[#states + 1] = i.status end })
    assert.is_nil(err)
    assert.equal("SUCCESS", final.status)
    assert.is_string(final.file_url)
    assert.is_true(#states >= 1)
    for _, s in ipairs(states) do assert.is_true(s == "CREATED" or s == "PENDING") end
  end)

  it("wait: reports each poll as a 'poll' event with the status", function()
    local events = {}
    local c = batch.new{ api_key = keys.api_key, rest_key = keys.rest_key, base_url = m.url,
                         on_event = function(ev) if ev.type == "poll" then events[#events + 1] = ev end end }
    assert(c.exports:wait(new_export(), { interval = 0.05, factor = 1 }))
    c:close()
    assert.is_true(#events >= 1)
    for i, ev in ipairs(events) do
      assert.equal(i, ev.attempt)
      assert.is_true(ev.status == "CREATED" or ev.status == "PENDING")
      assert.is_number(ev.elapsed)
    end
  end)

  it("wait: an ERROR export gives EXPORT_FAILED with the export and its error_msg", function()
    m:exports_config{ pending_after = 0.05, done_after = 0.1, outcome = "ERROR", error_msg = "boom" }
    local _, err = client.exports:wait(new_export(), { interval = 0.05 })
    assert.equal("EXPORT_FAILED", err.name)
    assert.equal("boom", err.message)
    assert.equal("ERROR", err.export.status)
  end)

  it("wait: an EXPIRED export gives EXPORT_EXPIRED", function()
    m:exports_config{ pending_after = 0.05, done_after = 0.1, outcome = "EXPIRED" }
    local _, err = client.exports:wait(new_export(), { interval = 0.05 })
    assert.equal("EXPORT_EXPIRED", err.name)
  end)

  it("wait: WAIT_TIMEOUT with the last info when the export takes too long", function()
    m:exports_config{ pending_after = 0.05, done_after = 60 }
    local _, err = client.exports:wait(new_export(), { interval = 0.05, timeout = 0.3 })
    assert.equal("WAIT_TIMEOUT", err.name)
    assert.equal("PENDING", err.info.status)
  end)

  it("wait: a 503 during polling does not end the wait", function()
    local info = new_export()
    m:fault{ path = "/export/request/", count = 2, status = 503 }
    local final = assert(client.exports:wait(info, { interval = 0.05 }))
    assert.equal("SUCCESS", final.status)
  end)

  it("download_url reads the 302 Location without following it", function()
    local final = assert(client.exports:wait(new_export(), { interval = 0.05 }))
    m:clear_log()
    local url, expires = client.exports:download_url(final)
    assert.matches("^http://127%.0%.0%.1:%d+/_storage/", url)
    assert.is_true(expires > os.time())
    local log = m:log()
    assert.equal(1, #log)
    assert.equal(keys.rest_key, log[1].headers["x-authorization"])
  end)

  it("download: streams to path without credentials, whole, with progress", function()
    local final = assert(client.exports:wait(new_export(), { interval = 0.05 }))
    m:clear_log()
    local path = dir .. "/events.csv"
    local progress = {}
    local res, err = client.exports:download(final, path, { on_progress = function(done, total)
      progress[#progress + 1] = { done, total }
    end })
    assert.is_nil(err)
    assert.equal(path, res.path)
    local content = read_all(path)
    assert.equal(#content, res.bytes)
    assert.same({}, file_util.temp_files_of(path))
    assert.matches("^install_id;custom_id;event_type\r?\n", content)
    local last = progress[#progress]
    assert.same({ res.bytes, res.bytes }, last)
    local storage = m:log()[2]
    assert.matches("^/_storage/", storage.path)
    assert.is_nil(storage.headers["x-authorization"])
    assert.is_nil(storage.headers["authorization"])
    assert.is_nil(storage.headers["x-batch-project"])
  end)

  it("download: an expired link is refreshed once through the API", function()
    m:exports_config{ pending_after = 0.05, done_after = 0.1, link_ttl = 0 }
    local final = assert(client.exports:wait(new_export(), { interval = 0.05 }))
    m:clear_log()
    local _, err = client.exports:download(final, dir .. "/expired.csv")
    -- Links that expire at once stay expired after the refresh: the error says so, and no file is left.
    assert.equal("HTTP_ERROR", err.name)
    assert.equal(403, err.status)
    local links = 0
    for _, r in ipairs(m:log()) do if r.path:find("/results/", 1, true) then links = links + 1 end end
    assert.equal(2, links)
    assert.is_false(exists(dir .. "/expired.csv"))
    assert.same({}, file_util.temp_files_of(dir .. "/expired.csv"))
  end)

  it("download: a link refused once (410) is refreshed and the download completes", function()
    local final = assert(client.exports:wait(new_export(), { interval = 0.05 }))
    m:fault{ path = "/_storage/", count = 1, status = 410 }
    local res = assert(client.exports:download(final, dir .. "/refreshed.csv"))
    assert.is_true(res.bytes > 0)
  end)

  it("download: a dropped connection mid-way is retried; a persistent one leaves no file", function()
    local final = assert(client.exports:wait(new_export(), { interval = 0.05 }))
    local c = batch.new{ api_key = keys.api_key, rest_key = keys.rest_key, base_url = m.url, max_retries = 1,
                         sleep = function() end }
    m:fault{ path = "/_storage/", count = 1, action = "truncate" }
    assert(c.exports:download(final, dir .. "/retried.csv"))
    m:fault{ path = "/_storage/", count = 5, action = "truncate" }
    local _, err = c.exports:download(final, dir .. "/broken.csv")
    c:close()
    assert.equal("NETWORK_ERROR", err.name)
    assert.equal(2, err.attempts)
    assert.is_false(exists(dir .. "/broken.csv"))
    assert.same({}, file_util.temp_files_of(dir .. "/broken.csv"))
  end)

  it("download: an unwritable target gives IO_ERROR and leaves nothing", function()
    local final = assert(client.exports:wait(new_export(), { interval = 0.05 }))
    local _, err = client.exports:download(final, dir .. "/no/such/dir/x.csv")
    assert.equal("IO_ERROR", err.name)
    assert.same({}, file_util.temp_files_of(dir .. "/no/such/dir/x.csv"))
  end)

  it("download: on_progress returning false cancels and leaves nothing", function()
    m:exports_config{ pending_after = 0.05, done_after = 0.1, size = 8 * 1024 * 1024 }
    local final = assert(client.exports:wait(new_export(), { interval = 0.05 }))
    local _, err = client.exports:download(final, dir .. "/cancel.csv", { on_progress = function() return false end })
    assert.equal("CANCELLED", err.name)
    -- neither the file nor its temporary file (".cancel.csv.<random>.part") is left
    assert.equal("", file_util.read_cmd("ls -A " .. file_util.quote(dir) .. " | grep cancel || true"))
  end)

  it("wait: on_poll returning false gives CANCELLED", function()
    m:exports_config{ pending_after = 0.05, done_after = 60 }
    local _, err = client.exports:wait(new_export(), { interval = 0.05, on_poll = function() return false end })
    assert.equal("CANCELLED", err.name)
  end)

  it("rows: every row as a table keyed by the header", function()
    local final = assert(client.exports:wait(new_export(), { interval = 0.05 }))
    local n = 0
    for row, err in client.exports:rows(final) do
      assert.is_nil(err)
      n = n + 1
      assert.is_string(row.install_id)
      assert.is_string(row.custom_id)
      assert.is_string(row.event_type)
    end
    assert.equal(50, n)
  end)

  it("rows: quoted fields with ';', quotes and newlines, CRLF and a BOM", function()
    -- The emulator's edge-case file is documented byte for byte in mock/README.md.
    m:exports_config{ pending_after = 0.05, done_after = 0.1, rows = 5, csv_edge_cases = true }
    local info = assert(client.exports:create{ campaign = token, kind = "events", from = "now", to = "now",
                                               events = { "push_sent", "push_open" },
                                               ids = { "custom_id", "install_id" } })
    local final = assert(client.exports:wait(info, { interval = 0.05 }))
    local path = dir .. "/edge.csv"
    local rows = {}
    for row, err in client.exports:rows(final, { path = path }) do
      assert.is_nil(err)
      rows[#rows + 1] = row
    end
    local raw = read_all(path)
    assert.equal("\239\187\191custom_id;install_id;event_type\r\n", raw:sub(1, 36))
    local uuid = "8c4e1d2a-5b1e-4c7d-9a3f-00000000000"
    assert.same({
      { custom_id = "semi;colon;value", install_id = uuid .. "1", event_type = "push_sent" },
      { custom_id = 'say "hello"', install_id = uuid .. "2", event_type = "push_open" },
      { custom_id = "line one\nline two\r\nline three", install_id = uuid .. "3", event_type = "push_sent" },
      { custom_id = "user-0000000004", install_id = uuid .. "4", event_type = "push_open" },
      { custom_id = "user-0000000005", install_id = uuid .. "5", event_type = "push_sent" },
    }, rows)
  end)

  it("rows: a 200 MB export streams with the Lua process's peak RSS under 40 MB", function()
    m:exports_config{ pending_after = 0.05, done_after = 0.1, size = 200 * 1024 * 1024 }
    local final = assert(client.exports:wait(new_export(), { interval = 0.05 }))
    -- A child process, so that the peak RSS (VmHWM) is this download's alone.
    local script = ([[
      local batch = require "batch"
      local c = batch.new{ api_key = %q, rest_key = %q, base_url = %q }
      local n, bytes = 0, 0
      for row, err in c.exports:rows(%q) do
        if not row then error(tostring(err)) end
        n = n + 1
      end
      local res = assert(c.exports:download(%q, %q))
      for line in io.lines("/proc/self/status") do
        local hwm = line:match("^VmHWM:%%s+(%%d+) kB")
        if hwm then io.write(n, " ", res.bytes, " ", hwm) end
      end
    ]]):format(keys.api_key, keys.rest_key, m.url, final.id, final.id, dir .. "/big.csv")
    local p = io.popen("LUA_PATH='" .. package.path .. "' LUA_CPATH='" .. package.cpath .. "' " .. interp .. " -e '"
                       .. script:gsub("'", "'\\''") .. "' 2>&1")
    local out = p:read("*a")
    p:close()
    local n, bytes, hwm = out:match("^(%d+) (%d+) (%d+)$")
    assert.is_truthy(n, out)
    assert.is_true(tonumber(bytes) > 190 * 1024 * 1024)
    assert.is_true(tonumber(n) > 1000000)
    assert.is_true(tonumber(hwm) < 40 * 1024, "peak RSS " .. hwm .. " kB")
    print(("\n  200 MB export: %d rows, peak RSS %d kB"):format(n, hwm))
    os.remove(dir .. "/big.csv")
  end)

  it("rows: a failed download yields false, err once", function()
    local final = assert(client.exports:wait(new_export(), { interval = 0.05 }))
    local c = batch.new{ api_key = keys.api_key, rest_key = keys.rest_key, base_url = m.url, max_retries = 0 }
    m:fault{ path = "/_storage/", count = 5, status = 500 }
    local results = {}
    for row, err in c.exports:rows(final) do results[#results + 1] = { row, err } end
    c:close()
    assert.equal(1, #results)
    assert.is_false(results[1][1])
    assert.equal("HTTP_ERROR", results[1][2].name)
  end)
end)

describe("rows iterator cleanup (every Lua version)", function()
  local rows = require "batch.files.rows"

  -- A rows.csv iterator over a small CSV written by the fetch function; returns it and the temp path.
  local function csv_iter(n)
    local where = { path = os.tmpname() }
    local it = rows.csv(function()
      local f = assert(io.open(where.path, "wb"))
      f:write("a;b\n")
      for i = 1, n do f:write(i, ";x\n") end
      f:close()
      return { path = where.path, temporary = true }
    end)
    return it, where
  end

  it("survives a garbage collection mid-loop (the for loop drops the closing value before Lua 5.4)", function()
    local it, where = csv_iter(50)
    local count = 0
    for row in it do
      count = count + 1
      collectgarbage() collectgarbage()
      assert.equal(tostring(count), row.a)
    end
    assert.equal(50, count)
    assert.is_false(exists(where.path))
  end)

  it("records: reads a part that is one JSON array as well as NDJSON", function()
    local parts = { "[\n {\"a\": 1},\n {\"a\": 2}\n]\n", "{\"a\": 3}\n{\"a\": 4}\n" }
    local seen = {}
    for r, err in rows.records(function()
      local files = {}
      for i = 1, 2 do
        files[i] = { path = os.tmpname() }
        local f = assert(io.open(files[i].path, "wb"))
        f:write(parts[i])
        f:close()
      end
      return files
    end) do
      assert.is_truthy(r, tostring(err))
      seen[#seen + 1] = r.a
    end
    assert.same({ 1, 2, 3, 4 }, seen)
  end)

  it("removes the temporary file of a loop left early once the iterator is collected", function()
    local it, where = csv_iter(10)
    assert.equal("1", it().a)
    assert.is_true(exists(where.path))
    it = nil -- luacheck: ignore 311
    collectgarbage() collectgarbage()
    assert.is_false(exists(where.path))
  end)
end)
