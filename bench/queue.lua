-- bench (q): the queue. bench/run.lua calls this with its context (the emulator, child, row, target,
-- wrk, place, ...). Rows:
--   * the cost of each add (CPU per add, Lua heap kept per pending item and allocated per add) with
--     1 000 000 items pending, and the peak RSS they take (bench/queue_add.lua);
--   * 100 000 profile updates and 100 000 events through a queue into the emulator with its limits
--     off: the client's CPU seconds against the wall time (bench/queue_flow.lua);
--   * inside nginx, what an add puts on a request: wrk at 32 connections on a location that adds an
--     event against the same location without the add.
local nginx = require "spec.support.nginx"

local format = string.format

return function(ctx)
  local m, row, target, say, child = ctx.m, ctx.row, ctx.target, ctx.say, ctx.child
  local quick = ctx.quick
  local out = {}
  ctx.results.q = out

  -- adds
  local n = quick and 200000 or 1000000
  m:clear_faults()
  for _, k in ipairs{ { "profile", "update_profile", "/profiles/update" }, { "event", "track", "/events/users" },
                      { "custom_data", "set_custom_data", "/data/users" } } do
    -- the best of a few runs: what else runs on this machine only ever adds to the time
    local r
    for _ = 1, quick and 1 or 3 do
      say("bench (q): %d adds of q:%s into a paused route", n, k[2])
      m:fault{ path = k[3], status = 429, retry_after = "3600" }
      local one = child("queue_add.lua", { k[1], n }, 600)
      m:clear_faults()
      if not r or one.cpu_us < r.cpu_us then r = one end
    end
    out[k[2]] = r
    row{ "q", format("q:%s, %d pending", k[2], n), format("%.2f us CPU", r.cpu_us), format("wall %.2f us", r.wall_us),
         "", "<= 5 us", target("q: q:" .. k[2] .. " costs at most 5 us", r.cpu_us, "<=", 5) }
    row{ "q", "  Lua heap an add allocates (array growth in)", format("%.0f bytes", r.allocated_bytes),
         format("kept per pending item %.0f", r.kept_bytes), "", "<= 300 bytes",
         target("q: q:" .. k[2] .. " allocates at most 300 bytes of Lua heap", r.allocated_bytes, "<=", 300) }
    -- the collector lets the heap grow to about twice what is live before a cycle: garbage counts here
    row{ "q", format("  peak RSS with %d items pending", n), format("%.0f MB", r.hwm_kb / 1024),
         format("+%.0f MB for the items", r.hwm_delta_kb / 1024), "", "", nil }
  end
  local spool_dir = os.tmpname()
  os.remove(spool_dir)
  say("bench (q): %d adds of q:track with a spool", n / 5)
  m:fault{ path = "/events/users", status = 429, retry_after = "3600" }
  local ok, r = pcall(child, "queue_add.lua", { "event", n / 5, ctx.q(spool_dir) }, 600)
  m:clear_faults()
  os.execute("rm -rf " .. ctx.q(spool_dir))
  if not ok then error(r, 0) end
  out.track_spool = r
  row{ "q", "  q:track with a spool (a write per add)", format("%.2f us CPU", r.cpu_us),
       format("wall %.2f us", r.wall_us), "", "", nil }

  -- through to the emulator
  local flow = quick and 20000 or 100000
  say("bench (q): %d profile updates and %d events through the queue, emulator limits off", flow, flow)
  m:limits{ enabled = false }
  ok, r = pcall(child, "queue_flow.lua", { flow }, 900)
  m:limits{ enabled = true }
  if not ok then error(r, 0) end
  out.flow = r
  row{ "q", format("%d profile updates + %d events, sent", flow, flow), format("%.2f s CPU", r.cpu_s),
       format("wall %.2f s", r.wall_s), format("%.2f of a core", r.cpu_s / r.wall_s), "< 0.5 core",
       target("q: the flow takes under half a core", r.cpu_s / r.wall_s, "<", 0.5) }
  row{ "q", "  client CPU per item, items per second", format("%.1f us", r.cpu_s / r.n * 1e6),
       format("%.0f items/s, %d calls", r.n / r.wall_s, r.batches), "", "", nil }

  -- inside nginx
  if not ctx.have("wrk") then error("bench (q) needs wrk (apt-get install wrk)", 0) end
  say("bench (q): nginx (1 worker): locations adding an event or a profile update vs the same without, wrk at 32"
      .. " connections")
  ctx.place(ctx.all_cpus, ctx.all_cpus)
  -- The emulator acknowledges each batch without recording it (Batch's own work is on other machines);
  -- the profiles/update budget is raised to match, or its items would only pile up.
  for _, path in ipairs{ "/events/users", "/profiles/update" } do
    m:fault{ path = path, status = 202, body = '{"code":"SUCCESS","token":"bench"}', count = 1000000000 }
  end
  local keys = m.keys
  local server = nginx.start{
    workers = 1,
    http = table.concat({
      "init_worker_by_lua_block {",
      "  Q = require('batch').new{ base_url = " .. format("%q", m.url) .. ", api_key = " .. format("%q", keys.api_key)
        .. ", rest_key = " .. format("%q", keys.rest_key) .. ", project_key = " .. format("%q", keys.project_key)
        .. " }:queue{ max_pending = 1000000, rates = { ['profiles.update'] = { rate = 1e7, burst = 1e7 } } }",
      "  N = 0",
      "}",
    }, "\n"),
    conf_body = table.concat({
      "location = /plain { content_by_lua_block { N = N + 1 ngx.say('ok') } }",
      "location = /track { content_by_lua_block {",
      "  N = N + 1",
      "  local ok, err = Q:track('user-' .. N % 10000, { name = 'page_view', attributes = { n = N } })",
      "  if not ok then ngx.status = 503 ngx.say(err.name) return end",
      "  ngx.say('ok')",
      "} }",
      "location = /profile { content_by_lua_block {",
      "  N = N + 1",
      "  local ok, err = Q:update_profile{ identifiers = { custom_id = 'user-' .. N % 10000 },",
      "                                    attributes = { n = N } }",
      "  if not ok then ngx.status = 503 ngx.say(err.name) return end",
      "  ngx.say('ok')",
      "} }",
      "location = /flush { content_by_lua_block { ngx.say(require('cjson').encode(Q:flush{ deadline = 30 })) } }",
      "location = /stats { content_by_lua_block { ngx.say(require('cjson').encode(Q:stats())) } }",
    }, "\n"),
  }
  -- CPU seconds (user + system) the nginx worker has used: the client's share, whatever else runs here.
  local function worker_cpu()
    local f = assert(io.open("/proc/" .. server.pid .. "/task/" .. server.pid .. "/children"))
    local pid = f:read("*a"):match("%d+")
    f:close()
    f = assert(io.open("/proc/" .. pid .. "/stat"))
    local fields = {}
    for x in f:read("*a"):match("%)%s+(.*)$"):gmatch("%S+") do fields[#fields + 1] = x end
    f:close()
    return (tonumber(fields[12]) + tonumber(fields[13])) / 100 -- clock ticks (USER_HZ 100)
  end
  local locs = { "plain", "track", "profile" }
  local nok, nerr = pcall(function()
    local secs = quick and 2 or 3
    for _, loc in ipairs(locs) do ctx.wrk(server.url .. "/" .. loc, 32, 1) end -- warm each
    -- rounds taking turns, so that every location sees the same disturbances: best rate of each, and
    -- the median of the worker's CPU per request
    local best, cpu = {}, {}
    for _ = 1, quick and 1 or 5 do
      for _, loc in ipairs(locs) do
        local c0 = worker_cpu()
        local rps, bad = ctx.wrk(server.url .. "/" .. loc, 32, secs)
        if bad > 0 then error("bench (q): " .. bad .. " answers of /" .. loc .. " were not 2xx", 0) end
        best[loc] = math.max(best[loc] or 0, rps)
        cpu[loc] = cpu[loc] or {}
        cpu[loc][#cpu[loc] + 1] = (worker_cpu() - c0) / (rps * secs) * 1e6
      end
    end
    local status, body = server:get("/flush", 60)
    if status ~= 200 then error("bench (q): the queue did not flush: " .. tostring(body), 0) end
    local _, stats = server:get("/stats")
    out.nginx = { best = best, cpu_us = {}, stats = stats }
    for _, loc in ipairs(locs) do out.nginx.cpu_us[loc] = ctx.median(cpu[loc]) end
  end)
  server:stop()
  m:clear_faults()
  ctx.place("0", "1")
  if not nok then error(nerr, 0) end
  local ng = out.nginx
  for _, k in ipairs{ { "track", "an event" }, { "profile", "a profile update" } } do
    local loc = k[1]
    local more = (ng.best.plain / ng.best[loc] - 1) * 100
    row{ "q", "nginx location adding " .. k[2] .. ", 32 conns", format("%.0f req/s", ng.best[loc]),
         format("without the add %.0f req/s", ng.best.plain), format("%+.1f%% latency", more), "< 5%",
         target("q: adding " .. k[2] .. " puts under 5% on a request in nginx", more, "<", 5) }
    row{ "q", "  the worker's CPU per request (add, and send in the timer)", format("%.1f us", ng.cpu_us[loc]),
         format("without the add %.1f us", ng.cpu_us.plain), format("+%.1f us", ng.cpu_us[loc] - ng.cpu_us.plain),
         "", nil }
  end
end
