-- Parallel requests: the C core's request_many (a pool of easy handles on the client's multi handle) and
-- campaigns:get_many / inapp_campaigns:get_many on top of it, against the emulator. The concurrency bound is
-- read from the request log's connection numbers and from lower bounds on the time with emulator latency
-- (never from upper bounds tight enough to flake on a loaded machine).
local batch = require "batch"
local core = require "batch.core"
local mock = require "spec.support.mock"
local file_util = require "spec.support.files"
local interp = require "spec.support.interp"
local exists = file_util.exists

local function count(t)
  local n = 0
  for _ in pairs(t) do n = n + 1 end
  return n
end

-- The distinct connection numbers of log entries (optionally only those whose path contains `part`).
local function connections(log, part)
  local set = {}
  for _, r in ipairs(log) do
    if not part or r.path:find(part, 1, true) then set[r.connection] = true end
  end
  return set
end

describe("parallel requests", function()
  local m, keys, client, tokens, inapp_tokens, tmp

  setup(function()
    m = mock.start()
    keys = m.keys
    local p = assert(io.popen('mktemp -d "${TMPDIR:-/tmp}/batch-many-spec.XXXXXX"'))
    tmp = p:read("*l")
    p:close()
  end)
  teardown(function()
    if client then client:close() end
    m:stop()
    os.execute("rm -rf '" .. tmp .. "'")
  end)
  before_each(function()
    m:reset()
    if client then client:close() end
    client = batch.new{ api_key = keys.api_key, rest_key = keys.rest_key, base_url = m.url,
                        sleep = function() end }
    tokens, inapp_tokens = {}, {}
    for c in client.campaigns:each{} do tokens[#tokens + 1] = c.campaign_token end
    for c in client.inapp_campaigns:each{} do inapp_tokens[#inapp_tokens + 1] = c.campaign_token end
    m:clear_log()
  end)

  describe("core request_many", function()
    local h
    before_each(function() h = core.new{} end)
    after_each(function() h:close() end)

    local function req(path) return { url = m.url .. "/1.1/" .. keys.api_key .. path,
                                      headers = { ["X-Authorization"] = keys.rest_key } } end

    it("gives a res or an err for every request, by index", function()
      local reqs = { req("/campaigns/" .. tokens[1]), req("/campaigns/nope"),
                     { url = "http://127.0.0.1:1/closed" }, req("/campaigns/" .. tokens[2]) }
      local res, errs = h:request_many(reqs, { concurrency = 2 })
      assert.equal(200, res[1].status)
      assert.matches(tokens[1], res[1].body, 1, true)
      assert.equal(404, res[2].status)
      assert.is_nil(res[3])
      assert.equal("network", errs[3].kind)
      assert.is_false(errs[3].sent)
      assert.equal(200, res[4].status)
      assert.is_nil(errs[1] or errs[2] or errs[4])
    end)

    it("an empty list gives two empty tables", function()
      local res, errs = h:request_many({})
      assert.same({}, res)
      assert.same({}, errs)
    end)

    it("checks every request before sending any", function()
      local reqs = { req("/campaigns/" .. tokens[1]), { url = 42 } }
      assert.has_error(function() h:request_many(reqs) end)
      assert.has_error(function() h:request_many({ "not a table" }) end)
      assert.has_error(function() h:request_many({}, { concurrency = 0 }) end)
      assert.has_error(function() h:request_many({}, { concurrency = 1.5 }) end)
      assert.equal(0, #m:log())
      -- the handle still works after a raise
      local res = h:request(req("/campaigns/" .. tokens[1]))
      assert.equal(200, res.status)
    end)

    it("keeps at most `concurrency` connections and reuses them on the next call and by request", function()
      m:config{ latency = 0.05 }
      local reqs = {}
      for i = 1, 12 do reqs[i] = req("/campaigns/" .. tokens[i]) end
      local t0 = core.now()
      local res = h:request_many(reqs, { concurrency = 3 })
      local elapsed = core.now() - t0
      for i = 1, 12 do assert.equal(200, res[i].status) end
      assert.is_true(elapsed >= 4 * 0.05 - 0.01, "12 requests, 3 at a time: at least 4 latencies")
      local first = connections(m:log())
      assert.equal(3, count(first))
      m:clear_log()
      res = h:request_many(reqs, { concurrency = 3 })
      for i = 1, 12 do assert.is_true(res[i].reused) end
      for c in pairs(connections(m:log())) do assert.is_true(first[c], "a new connection on the second call") end
      m:clear_log()
      assert.is_true(h:request(reqs[1]).reused)
      assert.is_true(first[m:log()[1].connection])
    end)

    it("stream_many makes each request as a slot frees up and hands each outcome over as it ends", function()
      m:config{ latency = 0.02 }
      local reqs = { req("/campaigns/" .. tokens[1]), req("/campaigns/nope"), { url = "http://127.0.0.1:1/closed" } }
      for i = 4, 7 do reqs[i] = req("/campaigns/" .. tokens[i]) end
      local made, ended, most, seen = 0, 0, 0, {}
      local res, errs = {}, {}
      assert.is_true(h:stream_many(function()
        if made == #reqs then return nil end
        made = made + 1
        if made - ended > most then most = made - ended end
        return reqs[made]
      end, function(i, r, failure)
        ended = ended + 1
        seen[#seen + 1] = i
        res[i], errs[i] = r, failure
      end, { concurrency = 2 }))
      m:config{ latency = 0 }
      assert.equal(2, most, "never more than 2 requests made and not ended")
      table.sort(seen)
      assert.same({ 1, 2, 3, 4, 5, 6, 7 }, seen)
      assert.equal(200, res[1].status)
      assert.matches(tokens[1], res[1].body, 1, true)
      assert.equal(404, res[2].status)
      assert.is_nil(res[3])
      assert.equal("network", errs[3].kind)
      for i = 4, 7 do assert.matches(tokens[i], res[i].body, 1, true) end
      assert.is_nil(errs[1] or errs[2] or errs[4])
    end)

    it("stream_many asks again after each outcome: a done may make another request", function()
      local queue, got = { req("/campaigns/" .. tokens[1]) }, {}
      h:stream_many(function() return table.remove(queue, 1) end, function(i, r)
        got[i] = r.status
        if i == 1 then queue[1] = req("/campaigns/" .. tokens[2]) end
      end, { concurrency = 4 })
      assert.same({ 200, 200 }, got)
      assert.equal(2, #m:log())
    end)

    it("stream_many: a raise in next or done cancels the run and goes on; the handle works after", function()
      m:config{ latency = 0.2 }
      local sinks, n = {}, 0
      local function next_req()
        n = n + 1
        if n > 3 then return nil end
        local r = req("/campaigns/" .. tokens[n])
        r.sink = tmp .. "/stream" .. n .. ".json"
        sinks[n] = r.sink
        return r
      end
      local given
      assert.has_error(function()
        h:stream_many(next_req, function(i) given = i error("boom", 0) end, { concurrency = 3 })
      end, "boom")
      m:config{ latency = 0 }
      -- the file done was given is the caller's; those of the transfers still running are removed
      for i, path in ipairs(sinks) do
        if i == given then assert.is_true(exists(path), path .. " removed") else
          assert.is_false(exists(path), path .. " left behind") end
      end
      os.remove(sinks[given])
      assert.has_error(function() h:stream_many(function() return 42 end, function() end) end,
        "batch.core: stream_many's next must return a request table or nil, got number")
      assert.has_error(function() h:stream_many(nil, function() end) end)
      assert.equal(200, h:request(req("/campaigns/" .. tokens[1])).status)
    end)

    it("streams bodies to sink files; a failed transfer leaves no file", function()
      local reqs = {}
      for i = 1, 4 do
        reqs[i] = req("/campaigns/" .. tokens[i])
        reqs[i].sink = tmp .. "/c" .. i .. ".json"
      end
      reqs[5] = { url = "http://127.0.0.1:1/closed", sink = tmp .. "/c5.json" }
      local res, errs = h:request_many(reqs, { concurrency = 4 })
      for i = 1, 4 do
        assert.is_nil(res[i].body)
        local f = assert(io.open(reqs[i].sink, "rb"))
        assert.matches(tokens[i], f:read("*a"), 1, true)
        f:close()
      end
      assert.equal("network", errs[5].kind)
      assert.is_false(exists(reqs[5].sink))
    end)

    it("step_many(0) moves the transfers on: a loop of zero waits ends them", function()
      assert.is_true(h:start_many({ req("/campaigns/" .. tokens[1]), req("/campaigns/" .. tokens[2]) }))
      local t0 = core.now()
      local done
      repeat done = h:step_many(0) until done or core.now() - t0 > 10
      assert.is_true(done, "still running after 10 s of step_many(0)")
      local res = h:finish_many()
      assert.equal(200, res[1].status)
      assert.equal(200, res[2].status)
    end)

    it("step_many reports progress; abort_many cancels and removes partial sinks", function()
      m:config{ latency = 0.3 }
      local reqs = {}
      for i = 1, 3 do
        reqs[i] = req("/campaigns/" .. tokens[i])
        reqs[i].sink = tmp .. "/s" .. i .. ".json"
      end
      assert.is_true(h:start_many(reqs, { concurrency = 3 }))
      assert.has_error(function() h:request(reqs[1]) end, "batch.core: a transfer is already running on this handle")
      local done, bytes, ended = h:step_many(0.01)
      assert.is_false(done)
      assert.equal(0, bytes)
      assert.equal(0, ended)
      h:abort_many()
      for i = 1, 3 do assert.is_false(exists(reqs[i].sink)) end
      m:config{ latency = 0 }
      assert.is_true(h:start_many(reqs, { concurrency = 2 }))
      repeat done, bytes, ended = h:step_many(0.05) until done
      assert.equal(3, ended)
      assert.is_true(bytes > 0)
      local res = h:finish_many()
      for i = 1, 3 do assert.equal(200, res[i].status) end
      assert.has_error(function() h:step_many() end, "batch.core: no start_many running on this handle")
    end)

    -- In a child Lua of its own: in the spec process, the finalizers of other specs' objects (run by
    -- this case's collectgarbage) may open or close descriptors of their own while it counts.
    it("a handle collected or closed while request_many runs releases everything", function()
      m:config{ latency = 0.5 }
      local build = interp == "luajit" and "luajit" or interp:match("%d+%.%d+")
      local urls = {}
      for i = 1, 3 do urls[i] = ("%q"):format(req("/campaigns/" .. tokens[i]).url) end
      local code = ([[
        package.cpath = "build/%s/?.so;" .. package.cpath
        package.path = "spec/?.lua;spec/?/init.lua;" .. package.path
        local core = require "batch.core"
        local fds = require("support.files").open_fds
        local many = {}
        for i, url in ipairs{ %s } do many[i] = { url = url, headers = { ["X-Authorization"] = %q } } end
        -- a first transfer opens what stays for the process (libcurl's and OpenSSL's own files)
        local w = core.new{}
        w:request_many(many, { concurrency = 3 })
        w:close()
        local before = fds()
        local h2 = core.new{}
        h2:start_many(many, { concurrency = 3 })
        h2:step_many(0.1)
        local during = fds() - before
        h2:close()
        h2:close()
        local closed = fds() - before
        local ok, err = pcall(h2.start_many, h2, many)
        local h3 = core.new{}
        h3:start_many(many, { concurrency = 3 })
        h3:step_many(0.1)
        h3 = nil
        collectgarbage()
        collectgarbage()
        print(during >= 3, closed, ok, err, fds() - before)
      ]]):format(build, table.concat(urls, ", "), keys.rest_key)
      local script = tmp .. "/release.lua"
      local f = assert(io.open(script, "wb"))
      f:write(code)
      f:close()
      local out = file_util.read_cmd("cd " .. file_util.quote(file_util.root) .. " && " .. interp .. " " ..
                                     file_util.quote(script) .. " 2>&1")
      m:config{ latency = 0 }
      -- the transfers held their connections; closing (twice) and collecting released every one
      assert.equal("true\t0\tfalse\tbatch.core: handle is closed\t0", out, out)
    end)
  end)

  describe("campaigns:get_many", function()
    it("gives every campaign by token, as get does", function()
      local got, errs = client.campaigns:get_many(tokens, { concurrency = 8 })
      assert.same({}, errs)
      assert.equal(#tokens, count(got))
      for _, t in ipairs(tokens) do
        assert.same(assert(client.campaigns:get(t)), got[t])
      end
      assert.equal(#tokens * 2, #m:log())
    end)

    it("in-app campaigns too", function()
      local got, errs = client.inapp_campaigns:get_many(inapp_tokens)
      assert.same({}, errs)
      assert.equal(#inapp_tokens, count(got))
      for _, t in ipairs(inapp_tokens) do assert.equal(t, got[t].campaign_token) end
      for _, r in ipairs(m:log()) do assert.matches("/in%-app%-campaigns/", r.path) end
    end)

    it("gives an error per token: not found, invalid (never sent), and results for the rest", function()
      local list = { tokens[1], "00000000000000000000000000000000", "not valid!", "", tokens[2], tokens[1] }
      local got, errs = client.campaigns:get_many(list)
      assert.equal(2, count(got))
      assert.equal(tokens[1], got[tokens[1]].campaign_token)
      assert.equal(tokens[2], got[tokens[2]].campaign_token)
      local nf = errs["00000000000000000000000000000000"]
      assert.equal("ROUTE_NOT_FOUND", nf.name)
      assert.equal(404, nf.status)
      assert.equal(20, nf.code)
      assert.equal(1, nf.attempts)
      assert.is_true(batch.is_error(nf))
      assert.not_matches(keys.api_key, nf.url, 1, true)
      assert.equal("INVALID_ARGUMENT", errs["not valid!"].name)
      assert.equal("INVALID_ARGUMENT", errs[""].name)
      assert.equal(3, count(errs))
      -- the invalid tokens were never sent, the repeated one once
      local log = m:log()
      assert.equal(3, #log)
      for _, r in ipairs(log) do assert.not_matches("not valid", r.path, 1, true) end
    end)

    it("an empty list or only invalid tokens sends nothing", function()
      local got, errs = client.campaigns:get_many({})
      assert.same({}, got)
      assert.same({}, errs)
      got, errs = client.campaigns:get_many({ "a/b" })
      assert.same({}, got)
      assert.equal("INVALID_ARGUMENT", errs["a/b"].name)
      assert.equal(0, #m:log())
    end)

    it("retries retryable failures in a second round, as get would", function()
      m:fault{ path = "/campaigns/" .. tokens[3], status = 503, count = 2 }
      m:fault{ path = "/campaigns/" .. tokens[4], action = "drop", count = 1 }
      m:fault{ path = "/campaigns/" .. tokens[5], status = 400, count = 1 }
      local retries = 0
      local c2 = batch.new{ api_key = keys.api_key, rest_key = keys.rest_key, base_url = m.url,
                            sleep = function() end,
                            on_event = function(ev) if ev.type == "retry" then retries = retries + 1 end end }
      local got, errs = c2.campaigns:get_many({ tokens[1], tokens[3], tokens[4], tokens[5] })
      c2:close()
      assert.equal(tokens[3], got[tokens[3]].campaign_token)
      assert.equal(tokens[4], got[tokens[4]].campaign_token)
      assert.equal(tokens[1], got[tokens[1]].campaign_token)
      assert.equal("MALFORMED_PARAMETER", errs[tokens[5]].name)
      assert.equal(1, errs[tokens[5]].attempts)
      assert.equal(3, retries) -- tokens[3] twice, tokens[4] once
    end)

    it("retries the same way when nothing of the caller's runs per request (the streamed rounds)", function()
      m:fault{ path = "/campaigns/" .. tokens[3], status = 503, count = 2 }
      m:fault{ path = "/campaigns/" .. tokens[4], action = "drop", count = 1 }
      m:fault{ path = "/campaigns/" .. tokens[5], status = 400, count = 1 }
      local slept = {}
      local c2 = batch.new{ api_key = keys.api_key, rest_key = keys.rest_key, base_url = m.url,
                            sleep = function(s) slept[#slept + 1] = s end }
      local got, errs = c2.campaigns:get_many({ tokens[1], tokens[3], tokens[4], tokens[5] }, { concurrency = 4 })
      c2:close()
      assert.equal(tokens[1], got[tokens[1]].campaign_token)
      assert.equal(tokens[3], got[tokens[3]].campaign_token)
      assert.equal(tokens[4], got[tokens[4]].campaign_token)
      assert.equal("MALFORMED_PARAMETER", errs[tokens[5]].name)
      assert.equal(1, errs[tokens[5]].attempts)
      -- a wait before each later round: tokens[3] twice, tokens[4] once, together when their delays allow
      assert.is_true(#slept >= 2 and #slept <= 3, #slept .. " waits")
      local sent = {}
      for _, r in ipairs(m:log()) do sent[r.path] = (sent[r.path] or 0) + 1 end
      local function path(t) return "/1.1/" .. keys.api_key .. "/campaigns/" .. t end
      assert.equal(1, sent[path(tokens[1])])
      assert.equal(3, sent[path(tokens[3])])
      assert.equal(2, sent[path(tokens[4])])
      assert.equal(1, sent[path(tokens[5])])
    end)

    it("an on_event handler may call the same client while get_many runs", function()
      local inner
      local c2
      c2 = batch.new{ api_key = keys.api_key, rest_key = keys.rest_key, base_url = m.url,
                      on_event = function(ev)
                        if ev.type == "response" and inner == nil then
                          inner = false -- the inner call's own events come here too
                          inner = assert(c2.campaigns:get(tokens[3]))
                        end
                      end }
      local got, errs = c2.campaigns:get_many({ tokens[1], tokens[2] }, { concurrency = 2 })
      c2:close()
      assert.is_nil(next(errs))
      assert.equal(2, count(got))
      assert.equal(tokens[3], inner.campaign_token)
    end)

    it("gives up after max_retries with the last error", function()
      m:fault{ path = "/campaigns/" .. tokens[1], status = 500, count = 10 }
      local c2 = batch.new{ api_key = keys.api_key, rest_key = keys.rest_key, base_url = m.url,
                            sleep = function() end, max_retries = 2 }
      local got, errs = c2.campaigns:get_many({ tokens[1], tokens[2] })
      c2:close()
      assert.equal(tokens[2], got[tokens[2]].campaign_token)
      assert.equal("SERVER_ERROR", errs[tokens[1]].name)
      assert.equal(3, errs[tokens[1]].attempts)
      assert.is_true(errs[tokens[1]].retryable)
    end)

    it("bounds the number of requests in flight", function()
      m:config{ latency = 0.1 }
      local list = { (table.unpack or unpack)(tokens, 1, 8) } -- luacheck: ignore 143
      local t0 = core.now()
      local got = client.campaigns:get_many(list, { concurrency = 2 })
      local elapsed = core.now() - t0
      assert.equal(8, count(got))
      assert.is_true(elapsed >= 4 * 0.1 - 0.02, "8 requests, 2 at a time: at least 4 latencies")
      assert.is_true(count(connections(m:log(), "/campaigns/")) <= 2)
      m:clear_log()
      t0 = core.now()
      got = client.campaigns:get_many(list, { concurrency = 8 })
      elapsed = core.now() - t0
      assert.equal(8, count(got))
      assert.is_true(elapsed < 8 * 0.1, "8 at a time is faster than one after the other")
      assert.is_true(count(connections(m:log(), "/campaigns/")) <= 8)
    end)

    it("reuses the connections of the previous call", function()
      -- with latency all 4 slots are in flight at once, so each call needs its 4 connections (without, a
      -- client slower than the server, as under valgrind, may get by with fewer and open more later)
      m:config{ latency = 0.05 }
      client.campaigns:get_many(tokens, { concurrency = 4 })
      local first = connections(m:log(), "/campaigns/")
      assert.equal(4, count(first))
      m:clear_log()
      client.campaigns:get_many(tokens, { concurrency = 4 })
      local log = m:log()
      assert.equal(#tokens, #log)
      for _, r in ipairs(log) do
        assert.is_true(first[r.connection], "a new connection on the second call")
        assert.is_true(r.connection_requests > 1)
      end
    end)

    it("works over HTTPS and for a for_app client (shared connections)", function()
      local c2 = batch.new{ api_key = keys.api_key, rest_key = keys.rest_key, base_url = m.tls_url,
                            ca_file = m.ca_file }
      local got, errs = c2.campaigns:get_many(tokens, { concurrency = 4 })
      assert.same({}, errs)
      assert.equal(#tokens, count(got))
      local android = c2:for_app(keys.other_api_key)
      local got2, errs2 = android.campaigns:get_many(tokens)
      assert.equal(0, count(got2)) -- another app's tokens are unknown there
      assert.equal("ROUTE_NOT_FOUND", errs2[tokens[1]].name)
      c2:close()
    end)

    it("the deadline bounds the whole call", function()
      m:config{ latency = 0.3 }
      local t0 = core.now()
      local got, errs = client.campaigns:get_many({ tokens[1], tokens[2] }, { deadline = 0.1 })
      assert.is_true(core.now() - t0 < 0.3 + 0.25)
      assert.equal(0, count(got))
      assert.equal("TIMEOUT", errs[tokens[1]].name)
    end)

    it("a function transport runs the calls one after the other with the same results", function()
      local sent = 0
      local c2 = batch.new{ api_key = keys.api_key, rest_key = keys.rest_key, base_url = m.url,
                            transport = function(req)
                              sent = sent + 1
                              local h = core.new{}
                              local res, err = h:request(req)
                              h:close()
                              return res, err
                            end }
      local got, errs = c2.campaigns:get_many({ tokens[1], "nope_nope", tokens[2] })
      assert.equal(3, sent)
      assert.equal(2, count(got))
      assert.equal("ROUTE_NOT_FOUND", errs.nope_nope.name)
    end)

    it("raises on programmer errors", function()
      assert.has_error(function() client.campaigns:get_many("x") end)
      assert.has_error(function() client.campaigns:get_many({ 1 }) end)
      assert.has_error(function() client.campaigns:get_many({}, { concurrency = 0 }) end)
      assert.has_error(function() client.campaigns:get_many({}, { concurrency = "8" }) end)
      assert.has_error(function() client.campaigns:get_many({}, { nope = true }) end)
    end)
  end)

  describe("project_exports:download in parallel", function()
    local pclient
    before_each(function()
      pclient = batch.new{ rest_key = keys.rest_key, project_key = keys.project_key, base_url = m.url,
                           sleep = function() end }
      m:exports_config{ parts = 4, rows = 400, pending_after = 0, running_after = 0, done_after = 0 }
    end)
    after_each(function() pclient:close() end)

    local function ready_view()
      local id = assert(pclient.profiles:export{ export_type = "ATTRIBUTES", attributes = { "$email_address" } }).id
      return assert(pclient.project_exports:wait(id, { interval = 0.01 }))
    end

    local function fresh_dir(name)
      local d = tmp .. "/" .. name
      os.execute("rm -rf '" .. d .. "' && mkdir -p '" .. d .. "'")
      return d
    end

    local function listing(d)
      local p = io.popen("ls -A '" .. d .. "'")
      local s = p:read("*a")
      p:close()
      return s
    end

    local function size_of(path)
      local f = assert(io.open(path, "rb"))
      local n = f:seek("end")
      f:close()
      return n
    end

    it("fetches the parts at once, each whole, with at most `concurrency` transfers", function()
      local view = ready_view()
      m:config{ latency = 0.15 }
      m:clear_log()
      local d = fresh_dir("par")
      local t0 = core.now()
      local files = assert(pclient.project_exports:download(view, d, { concurrency = 4 }))
      local elapsed = core.now() - t0
      assert.equal(4, #files)
      for i, f in ipairs(files) do
        assert.equal(i, f.part)
        assert.equal(view.files[i].size, f.bytes)
        assert.equal(f.bytes, size_of(f.path))
      end
      assert.not_matches("%.part", listing(d))
      -- one after the other: 4 links + 4 files = 8 latencies; in parallel: 2
      assert.is_true(elapsed >= 2 * 0.15 - 0.02)
      assert.is_true(elapsed < 8 * 0.15, "parallel parts took " .. elapsed .. " s")
      local storage = connections(m:log(), "/_storage/")
      assert.equal(4, count(storage))
      m:clear_log()
      d = fresh_dir("par2")
      assert(pclient.project_exports:download(view, d, { concurrency = 2 }))
      assert.is_true(count(connections(m:log(), "/_storage/")) <= 2)
    end)

    it("reports the progress of all parts, and cancels", function()
      local view = ready_view()
      local total = 0
      for _, f in ipairs(view.files) do total = total + f.size end
      local last_done, last_total
      local d = fresh_dir("prog")
      assert(pclient.project_exports:download(view, d, { on_progress = function(done, t)
        last_done, last_total = done, t
      end }))
      assert.equal(total, last_done)
      assert.equal(total, last_total)
      m:config{ latency = 0.3 }
      d = fresh_dir("cancel")
      -- on_progress is called at least once per part, before the part is put in place: false cancels
      local _, err = pclient.project_exports:download(view, d, { on_progress = function() return false end })
      m:config{ latency = 0 }
      assert.equal("CANCELLED", err.name)
      assert.equal("", listing(d)) -- no part, whole or partial
    end)

    it("refreshes an expired link once, retries a failed part, keeps the others whole", function()
      local view = ready_view()
      m:fault{ path = view.files[2].id, status = 403, count = 1 }
      m:fault{ path = view.files[3].id, status = 503, count = 1 }
      m:clear_log()
      local d = fresh_dir("refresh")
      local files = assert(pclient.project_exports:download(view, d))
      assert.equal(4, #files)
      local links = 0
      for _, r in ipairs(m:log()) do
        if r.path:find("/exports/download", 1, true) then links = links + 1 end
      end
      assert.equal(5, links)
      m:fault{ path = view.files[1].id, status = 500, count = 10 }
      d = fresh_dir("fail")
      local _, err = pclient.project_exports:download(view, d)
      assert.equal(500, err.status)
      assert.equal(4, err.attempts)
      for i = 2, 4 do
        local p = d .. "/" .. view.id .. "-part" .. i .. ".json"
        assert.equal(view.files[i].size, size_of(p))
      end
      assert.not_matches("part1", listing(d))
    end)
  end)
end)
