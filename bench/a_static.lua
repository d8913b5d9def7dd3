-- (a) against a static upstream: the same sequential campaigns:get and the same libcurl floor as against
-- the emulator, but served by bench/static.lua (nginx `return 200` of the campaign the emulator gave,
-- HTTPS, keep-alive), which costs almost nothing per request: what lua-batch adds to libcurl shows whole.
-- With valgrind installed (and not BENCH_QUICK), callgrind counts the instructions of one call on each
-- side (the difference between a run of 2N and a run of N requests, divided by N: setup cancels out).
--   require("bench.a_static").run(ctx)   -- ctx: what bench/run.lua shares with its section files
local static = require "bench.static"

local _M = {}

-- Pins every worker of the nginx whose master is pid to `cpus`.
local function pin_workers(ctx, pid, cpus)
  if not ctx.PIN then return end
  local f = io.open("/proc/" .. pid .. "/task/" .. pid .. "/children")
  if not f then return end
  for w in f:read("*a"):gmatch("%d+") do os.execute("taskset -pc " .. cpus .. " " .. w .. " >/dev/null") end
  f:close()
end

-- Instructions per request of `cmd_of(n)` (a command making n requests; `env` the environment it runs
-- in, set before valgrind, which follows no child), by callgrind.
local function instructions(ctx, env, cmd_of, n)
  local function total(count)
    local out = ctx.sh(env .. "valgrind --tool=callgrind --callgrind-out-file=/dev/null " .. cmd_of(count)
                       .. " 2>&1 >/dev/null")
    local refs = out:match("refs:%s*([%d,]+)")
    if not refs then error("bench (a): callgrind failed:\n" .. out, 0) end
    return tonumber((refs:gsub(",", "")))
  end
  return (total(2 * n) - total(n)) / n
end

function _M.run(ctx)
  local q, sh, say, QUICK = ctx.q, ctx.sh, ctx.say, ctx.QUICK
  local body = ctx.campaign_body()
  local s = static.start{ dir = ctx.m.dir, body = body, workers = 1 }
  pin_workers(ctx, s.pid, "0")
  local url = s.url .. "/1.1/" .. ctx.keys.api_key .. "/campaigns/" .. ctx.token
  local on_static = "env BATCH_MOCK_TLS_URL=" .. q(s.url) .. " "
  local function floor_cmd(n)
    return q(ctx.FLOOR) .. " " .. q(url) .. " " .. q(ctx.keys.rest_key) .. " " .. q(ctx.m.ca_file) .. " " .. n
  end
  local ok, err = pcall(function()
    local rounds, per = QUICK and 4 or 20, 1000
    say("bench (a): %d x %d sequential gets against a static nginx, lua-batch and the floor taking turns",
        rounds, per)
    local fl_s, fl_cpu, bt_s, bt_cpu, n_all, ratios = 0, 0, 0, 0, 0, {}
    local fl_best, bt_best = math.huge, math.huge
    for round = 1, rounds do
      local function floor()
        local out = assert(sh(floor_cmd(per)))
        local n, sec, cpu = out:match("^(%d+) ([%d.]+) ([%d.]+)")
        if not n then error("bench: floor failed: " .. out, 0) end
        return tonumber(sec), tonumber(cpu)
      end
      local f_sec, f_cpu, b
      if round % 2 == 1 then
        f_sec, f_cpu = floor()
        b = ctx.child("seq_batch.lua", { per, ctx.token }, nil, on_static)
      else
        b = ctx.child("seq_batch.lua", { per, ctx.token }, nil, on_static)
        f_sec, f_cpu = floor()
      end
      fl_s, fl_cpu, bt_s, bt_cpu, n_all = fl_s + f_sec, fl_cpu + f_cpu, bt_s + b.seconds, bt_cpu + b.cpu, n_all + per
      ratios[#ratios + 1] = b.seconds / f_sec
      fl_best, bt_best = math.min(fl_best, f_sec / per), math.min(bt_best, b.seconds / per)
    end
    local a = {
      requests = n_all, rounds = rounds, floor_rps = 1 / fl_best, batch_rps = 1 / bt_best,
      ratio = ctx.median(ratios), ratio_min = math.min(table.unpack(ratios)),
      ratio_max = math.max(table.unpack(ratios)),
      floor_cpu_us = fl_cpu / n_all * 1e6, batch_cpu_us = bt_cpu / n_all * 1e6,
    }
    if not QUICK and ctx.have("valgrind") then
      say("bench (a): callgrind, instructions per call on each side (about a minute)")
      a.floor_instructions = instructions(ctx, "", floor_cmd, 500)
      a.batch_instructions = instructions(ctx, "env " .. ctx.ENV .. " BATCH_MOCK_TLS_URL=" .. q(s.url) .. " ",
                                          function(n)
        return ctx.LUA .. " " .. q(ctx.ROOT .. "/bench/seq_batch.lua") .. " " .. n .. " " .. ctx.token
      end, 500)
    end
    return a
  end)
  s:stop()
  if not ok then error(err, 0) end
  local a = err
  ctx.results.a_static = a
  local row, target = ctx.row, ctx.target
  row{ "a", string.format("campaigns:get, static nginx upstream (%d)", a.requests),
       string.format("%.0f req/s", a.batch_rps), string.format("libcurl floor %.0f req/s", a.floor_rps),
       string.format("%.2fx as long (%.2f-%.2f)", a.ratio, a.ratio_min, a.ratio_max), "<= 1.10x",
       target("a: within 1.10x of the floor, static upstream", a.ratio, "<=", 1.10) }
  row{ "a", "  client CPU per request", string.format("%.1f us", a.batch_cpu_us),
       string.format("floor %.1f us", a.floor_cpu_us), string.format("+%.1f us", a.batch_cpu_us - a.floor_cpu_us),
       "<= +10 us", target("a: client CPU within 10 us of the floor's", a.batch_cpu_us - a.floor_cpu_us, "<=", 10) }
  if a.batch_instructions then
    row{ "a", "  instructions per request (callgrind)", string.format("%.0fk", a.batch_instructions / 1000),
         string.format("floor %.0fk", a.floor_instructions / 1000),
         string.format("%.2fx", a.batch_instructions / a.floor_instructions), "", nil }
  end
end

return _M
