-- (d) rows against their floor, and rows by column: over the CSV section (c) downloaded.
--   * rows as tables (bench/rows_batch.lua) against bench/rows_floor.c (Lua 5.4 making the same tables
--     from fields split beforehand: no splitting, no I/O), both over the same first 200 MB of the file, in
--     turns (each first as often), the median of the paired ratios;
--   * rows by column (bench/rows_columns.lua: install_id and event_type, no table per row) over the whole
--     file, on Lua 5.4;
--   * both under LuaJIT (build/luajit), when `luajit` is installed.
--   require("bench.d_columns").run(ctx, csv_path, dir)
local _M = {}

local COLUMNS = { "install_id", "event_type" }

-- Runs bench/<script> under `lua` (with the C core of `build`) and decodes its JSON line.
local function run_script(ctx, lua, build, script, args)
  local cpath = ctx.q(ctx.ROOT .. "/build/" .. build .. "/?.so;;")
  local out, ok = ctx.sh("timeout 600 env " .. ctx.ENV .. " LUA_CPATH=" .. cpath .. " " .. lua .. " "
                         .. ctx.q(ctx.ROOT .. "/bench/" .. script) .. " " .. table.concat(args, " ") .. " 2>&1")
  local line = out:match("({.-})%s*$")
  if not ok or not line then error("bench: " .. script .. " (" .. lua .. ") failed:\n" .. out, 0) end
  return require("cjson").decode(line)
end

function _M.run(ctx, csv_path, dir)
  local q, sh, say, QUICK, row, target = ctx.q, ctx.sh, ctx.say, ctx.QUICK, ctx.row, ctx.target
  local limit = QUICK and 5e7 or 2e8
  local prefix = dir .. "/prefix.csv"
  assert(sh("head -c " .. string.format("%d", limit) .. " " .. q(csv_path) .. " > " .. q(prefix)))
  local ok, err = pcall(function()
    local d = {}
    say("bench (d): rows as tables against the floor (%d MB, in turns), rows by column", limit / 1e6)
    local ratios, best_rows, best_floor = {}, math.huge, math.huge
    for turn = 1, QUICK and 2 or 6 do
      local function rows() return run_script(ctx, ctx.LUA, "5.4", "rows_batch.lua", { q(prefix) }) end
      local function floor()
        local out = assert(sh(q(ctx.ROWS_FLOOR) .. " " .. q(prefix) .. " " .. string.format("%d", limit)))
        return require("cjson").decode(out:match("{.*}") or error("bench: rows_floor failed: " .. out, 0))
      end
      local r, fl
      if turn % 2 == 1 then r = rows() fl = floor() else fl = floor() r = rows() end
      -- as rates: the floor's file ends at the last whole line
      local ratio = (r.bytes / r.seconds) / (fl.bytes / fl.seconds)
      ratios[#ratios + 1] = ratio
      best_rows, best_floor = math.min(best_rows, r.seconds / r.bytes), math.min(best_floor, fl.seconds / fl.bytes)
    end
    d.rows_floor_ratio = ctx.median(ratios)
    d.rows_floor_ratio_min, d.rows_floor_ratio_max = math.min(table.unpack(ratios)), math.max(table.unpack(ratios))
    d.rows_mbps, d.floor_mbps = 1 / best_rows / 1e6, 1 / best_floor / 1e6
    local best
    for _ = 1, QUICK and 1 or 3 do
      local c = run_script(ctx, ctx.LUA, "5.4", "rows_columns.lua", { q(csv_path), COLUMNS[1], COLUMNS[2] })
      if not best or c.seconds < best.seconds then best = c end
    end
    d.columns_mbps, d.columns_rows = best.bytes / best.seconds / 1e6, best.rows
    d.columns_rows_per_s, d.columns_bytes = best.rows / best.seconds, best.bytes
    if ctx.have("luajit") then
      local jr, jc
      for _ = 1, QUICK and 1 or 2 do
        local r = run_script(ctx, "luajit", "luajit", "rows_batch.lua", { q(prefix) })
        local c = run_script(ctx, "luajit", "luajit", "rows_columns.lua", { q(csv_path), COLUMNS[1], COLUMNS[2] })
        if not jr or r.seconds < jr.seconds then jr = r end
        if not jc or c.seconds < jc.seconds then jc = c end
      end
      d.luajit_rows_mbps = jr.bytes / jr.seconds / 1e6
      d.luajit_columns_mbps = jc.bytes / jc.seconds / 1e6
    end
    return d
  end)
  os.remove(prefix)
  if not ok then error(err, 0) end
  local d = err
  ctx.results.d_columns = d
  row{ "d", string.format("rows as tables (%d MB), Lua 5.4", limit / 1e6), string.format("%.0f MB/s", d.rows_mbps),
       string.format("floor %.0f MB/s", d.floor_mbps),
       string.format("%.2fx floor (%.2f-%.2f)", d.rows_floor_ratio, d.rows_floor_ratio_min, d.rows_floor_ratio_max),
       ">= 0.85x", target("d: rows as tables at 0.85x of the floor", d.rows_floor_ratio, ">=", 0.85) }
  row{ "d", string.format("rows by column (%s), Lua 5.4", table.concat(COLUMNS, ", ")),
       string.format("%.0f MB/s", d.columns_mbps), string.format("%.2fM rows/s", d.columns_rows_per_s / 1e6),
       string.format("%.1fx rows as tables", d.columns_mbps / d.rows_mbps), ">= 300 MB/s",
       target("d: rows by column at 300 MB/s", d.columns_mbps, ">=", 300) }
  if d.luajit_rows_mbps then
    row{ "d", "  the same under LuaJIT", string.format("%.0f MB/s by column", d.luajit_columns_mbps),
         string.format("%.0f MB/s as tables", d.luajit_rows_mbps), "", "", nil }
  end
end

return _M
