-- (a) against a static upstream: the same sequential campaigns:get and the same libcurl floor as against
-- the emulator, but served by bench/static.lua (nginx `return 200` of the campaign the emulator gave,
-- HTTPS, keep-alive), which costs almost nothing per request: what lua-batch adds to libcurl shows whole.
-- Two more sides, each in turns with a floor run of its own as lua-batch is, say where that goes: the C
-- core alone and the least Lua client over it (bench/seq_core.lua).
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
  -- the sides that take turns with the floor: lua-batch, and under it the C core alone and the least Lua
  -- client over it (bench/seq_core.lua), which say how much of lua-batch's time its own Lua layer is
  local sides = {
    { key = "batch", script = "seq_batch.lua", args = { ctx.token } },
    { key = "core", script = "seq_core.lua", args = { ctx.token, "core" } },
    { key = "least", script = "seq_core.lua", args = { ctx.token, "least" } },
  }
  local ok, err = pcall(function()
    local rounds, per = QUICK and 4 or 20, 1000
    say("bench (a): %d x %d sequential gets against a static nginx: lua-batch, the C core alone and the "
        .. "least Lua client, each in turns with a floor run of its own", rounds, per)
    -- per side (and the floor): CPU seconds and runs, the best seconds a call, each pair's time ratio
    local total = { floor = { cpu = 0, runs = 0, best = math.huge } }
    for _, side in ipairs(sides) do total[side.key] = { cpu = 0, runs = 0, best = math.huge, ratios = {} } end
    local function floor()
      local out = assert(sh(floor_cmd(per)))
      local n, sec, cpu = out:match("^(%d+) ([%d.]+) ([%d.]+)")
      if not n then error("bench: floor failed: " .. out, 0) end
      return tonumber(sec), tonumber(cpu)
    end
    -- each side runs in a pair with a floor run of its own, back to back (each first in every other
    -- round), and its ratio is to that floor run; the sides' order turns by one each round
    local function add(key, sec, cpu)
      local t = total[key]
      t.cpu, t.runs, t.best = t.cpu + cpu, t.runs + 1, math.min(t.best, sec / per)
    end
    for round = 1, rounds do
      for k = 0, #sides - 1 do
        local side = sides[(round + k) % #sides + 1]
        local function run_side()
          local b = ctx.child(side.script, { per, table.unpack(side.args) }, nil, on_static)
          return b.seconds, b.cpu
        end
        local f_sec, f_cpu, b_sec, b_cpu
        if (round + k) % 2 == 1 then
          f_sec, f_cpu = floor()
          b_sec, b_cpu = run_side()
        else
          b_sec, b_cpu = run_side()
          f_sec, f_cpu = floor()
        end
        add("floor", f_sec, f_cpu)
        add(side.key, b_sec, b_cpu)
        local ratios = total[side.key].ratios
        ratios[#ratios + 1] = b_sec / f_sec
      end
    end
    local function cpu_us(t) return t.cpu / (t.runs * per) * 1e6 end
    local a = { requests = rounds * per, rounds = rounds, floor_rps = 1 / total.floor.best,
                floor_cpu_us = cpu_us(total.floor) }
    for _, side in ipairs(sides) do
      local t, k = total[side.key], side.key
      a[k .. "_rps"] = 1 / t.best
      a[k .. "_cpu_us"] = cpu_us(t)
      a[k == "batch" and "ratio" or (k .. "_ratio")] = ctx.median(t.ratios)
      a[k .. "_ratio_min"], a[k .. "_ratio_max"] = math.min(table.unpack(t.ratios)), math.max(table.unpack(t.ratios))
    end
    a.ratio_min, a.ratio_max = a.batch_ratio_min, a.batch_ratio_max
    if not QUICK and ctx.have("valgrind") then
      say("bench (a): callgrind, instructions per call on each side (about two minutes)")
      a.floor_instructions = instructions(ctx, "", floor_cmd, 500)
      local env = "env " .. ctx.ENV .. " BATCH_MOCK_TLS_URL=" .. q(s.url) .. " "
      for _, side in ipairs(sides) do
        a[side.key .. "_instructions"] = instructions(ctx, env, function(n)
          local args = {}
          for i, v in ipairs(side.args) do args[i] = q(v) end
          return ctx.LUA .. " " .. q(ctx.ROOT .. "/bench/" .. side.script) .. " " .. n .. " " .. table.concat(args, " ")
        end, 500)
      end
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
  for _, side in ipairs{ { "core", "  under it: the C core alone, decode included" },
                         { "least", "  under it: the least Lua client over the C core" } } do
    local k = side[1]
    local n = a[k .. "_instructions"]
    row{ "a", side[2], "",
         string.format("%.0f req/s, %.1f us CPU", a[k .. "_rps"], a[k .. "_cpu_us"])
           .. (n and string.format(", %.0fk instructions", n / 1000) or ""),
         string.format("%.2fx as long (%.2f-%.2f)", a[k .. "_ratio"], a[k .. "_ratio_min"], a[k .. "_ratio_max"]),
         "", nil }
  end
end

return _M
