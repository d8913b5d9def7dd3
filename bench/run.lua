-- `make bench`: lua-batch's benchmarks against the bundled emulator over HTTPS on 127.0.0.1 (request log
-- off), each measurement in a child process; prints a table and writes bench/results.json.
--
--   make bench                  # everything (a few minutes)
--   BENCH_QUICK=1 make bench    # smaller sizes, for a quick look (targets are still judged)
--   BENCH_ONLY=a,e make bench   # only some sections
--
-- Sections: (a) sequential campaigns:get vs a raw libcurl loop (bench/floor.c), against the emulator and
-- a static nginx upstream, LuaSocket+LuaSec and the curl command; (b) campaigns:get_many with emulator
-- latency, up to 10 000 tokens at 256; (c) export downloads vs curl -o, up to 4 GB, a 2.x export of 50
-- parts; (d) the CSV row iterator vs a pure-Lua parser, wc -l and Lua's own floor, rows by column;
-- (e) require time and memory, bytes per get; (f) inside nginx: the "ngx" transport vs lua-resty-http
-- (RESTY_HTTP) and proxy_pass, with wrk; (q) the queue (bench/queue.lua). Parts of sections live in
-- bench/<section>_*.lua (run(ctx)); docs/performance.md says how each number is measured.
-- On a machine with 2+ CPUs the emulator's worker runs on CPU 0 and the clients on CPU 1 (as a remote
-- server would not share the client's CPU); (b)'s scale runs and section (f) run unpinned.
local ROOT = (debug.getinfo(1, "S").source:match("^@(.*)/bench/[^/]*$")) or "."
package.path = ROOT .. "/lua/?.lua;" .. ROOT .. "/lua/?/init.lua;" .. ROOT .. "/?.lua;" .. package.path
package.cpath = ROOT .. "/build/5.4/?.so;" .. package.cpath

local batch = require "batch"
local core = require "batch.core"
local cjson = require "cjson"
local mock = require "spec.support.mock"

local LUA = os.getenv("LUA") or "lua5.4"
local QUICK = os.getenv("BENCH_QUICK") == "1"
local ONLY = os.getenv("BENCH_ONLY")
local FLOOR = ROOT .. "/build/bench/floor"
local FLOOR_MANY = ROOT .. "/build/bench/floor_many"
local ROWS_FLOOR = ROOT .. "/build/bench/rows_floor"
local OUT = ROOT .. "/bench/results.json"

local function q(s) return "'" .. tostring(s):gsub("'", "'\\''") .. "'" end

local function sh(cmd)
  local p = assert(io.popen(cmd))
  local out = p:read("*a")
  local ok = p:close()
  return out, ok
end

local function say(fmt, ...) io.stderr:write(string.format(fmt, ...), "\n") end

local function wanted(section)
  if not ONLY then return true end
  for s in ONLY:gmatch("[^,%s]+") do if s == section then return true end end
  return false
end

local function have(cmd) return (sh("command -v " .. cmd .. " 2>/dev/null")) ~= "" end

------------------------------------------------------------------------------------------------------
-- The emulator, CPU placement, child processes
------------------------------------------------------------------------------------------------------
local ncpu = tonumber((sh("nproc"))) or 1
local PIN = ncpu >= 2 and have("taskset")
local ALL_CPUS = "0-" .. (ncpu - 1)

say("bench: starting the emulator (1 worker, request log off)")
local m = mock.start{ workers = 1 }
m:config{ log = false, latency = 0 }
local keys = m.keys

-- Which CPU the emulator's worker and this process (and so every child) may run on.
local function place(server_cpus, client_cpus)
  if not PIN then return end
  for _, pid in ipairs(m:worker_pids()) do os.execute("taskset -pc " .. server_cpus .. " " .. pid .. " >/dev/null") end
  local f = io.open("/proc/self/stat")
  local self_pid = f:read("*l"):match("^(%d+)")
  f:close()
  os.execute("taskset -apc " .. client_cpus .. " " .. self_pid .. " >/dev/null")
end
place("0", "1")

local ENV = table.concat({
  "LUA_PATH=" .. q(ROOT .. "/lua/?.lua;" .. ROOT .. "/lua/?/init.lua;" .. ROOT .. "/?.lua;;"),
  "LUA_CPATH=" .. q(ROOT .. "/build/5.4/?.so;;"),
  "BATCH_MOCK_TLS_URL=" .. q(m.tls_url), "BATCH_MOCK_CA=" .. q(m.ca_file),
  "BATCH_API_KEY=" .. q(keys.api_key), "BATCH_REST_API_KEY=" .. q(keys.rest_key),
  "BATCH_PROJECT_KEY=" .. q(keys.project_key),
}, " ")

-- Runs bench/<script>.lua in a child process (at most `limit` seconds) and decodes the JSON line it prints.
-- `prefix` goes before the interpreter (e.g. /usr/bin/time); the output is returned too.
local function child(script, args, limit, prefix)
  local cmd = "timeout " .. (limit or 300) .. " env " .. ENV .. " " .. (prefix or "") .. LUA .. " "
              .. q(ROOT .. "/bench/" .. script) .. " " .. table.concat(args or {}, " ") .. " 2>&1"
  local out, ok = sh(cmd)
  local line
  for l in out:gmatch("[^\n]+") do if l:match("^{.*}$") then line = l end end
  if not ok or not line then error("bench: " .. script .. " failed:\n" .. out, 0) end
  return cjson.decode(line), out
end

-- Wall seconds of a shell command (which must succeed).
local function timed(cmd)
  local t0 = core.now()
  local out, ok = sh(cmd)
  local dt = core.now() - t0
  if not ok then error("bench: command failed: " .. cmd .. "\n" .. out, 0) end
  return dt, out
end

local function median(list)
  local t = {}
  for i, v in ipairs(list) do t[i] = v end
  table.sort(t)
  local n = #t
  if n % 2 == 1 then return t[(n + 1) / 2] end
  return (t[n / 2] + t[n / 2 + 1]) / 2
end

local client = batch.new{ base_url = m.tls_url, ca_file = m.ca_file, api_key = keys.api_key,
                          rest_key = keys.rest_key, project_key = keys.project_key }
local token = assert(client.campaigns:list{ limit = 1 })[1].campaign_token
local campaign_url = m.tls_url .. "/1.1/" .. keys.api_key .. "/campaigns/" .. token

local results = {
  machine = { cpus = ncpu, pinned = PIN, curl = core.curl_version, lua = _VERSION, quick = QUICK,
              date = os.date("!%Y-%m-%dT%H:%M:%SZ"),
              cpu_model = (sh("grep -m1 'model name' /proc/cpuinfo")):match(":%s*(.-)%s*$") },
}
local rows_out = {}   -- table lines: { section, what, value, reference, ratio, target, met }
local targets = {}

local function row(r) rows_out[#rows_out + 1] = r end
local function target(name, value, op, limit, text)
  local met = (op == "<=" and value <= limit) or (op == ">=" and value >= limit) or (op == "<" and value < limit)
  targets[#targets + 1] = { name = name, value = value, target = op .. " " .. limit, met = met, text = text }
  return met
end

-- What the section files of bench/ (bench/<section>_*.lua, each with run(ctx)) get from here.
local ctx = {
  ROOT = ROOT, LUA = LUA, QUICK = QUICK, PIN = PIN, ncpu = ncpu, ALL_CPUS = ALL_CPUS, FLOOR = FLOOR,
  FLOOR_MANY = FLOOR_MANY, ROWS_FLOOR = ROWS_FLOOR,
  ENV = ENV, m = m, keys = keys, client = client, token = token, campaign_url = campaign_url,
  results = results, q = q, sh = sh, say = say, have = have, place = place, child = child, timed = timed,
  median = median, row = row, target = target,
}
-- The campaign's JSON as the emulator sends it (what the static upstream answers).
function ctx.campaign_body()
  local h = core.new{ ca_file = m.ca_file }
  local res = assert(h:request{ url = campaign_url, headers = { ["X-Authorization"] = keys.rest_key } })
  h:close()
  return res.body
end

------------------------------------------------------------------------------------------------------
-- (a) sequential campaigns:get
------------------------------------------------------------------------------------------------------
local function section_a()
  -- Short rounds taking turns: both sides of a round see the same disturbances (other processes on this
  -- machine); the ratio is the median over the rounds of (lua-batch's time / the floor's time); the rates
  -- shown are each side's best round.
  local rounds, per = QUICK and 4 or 20, 1000
  say("bench (a): %d x %d sequential gets, lua-batch and the libcurl floor taking turns", rounds, per)
  local fl_n, fl_s, fl_cpu, bt_n, bt_s, bt_cpu, ratios = 0, 0, 0, 0, 0, 0, {}
  local fl_best, bt_best = math.huge, math.huge
  for _ = 1, rounds do
    local out = assert(sh(q(FLOOR) .. " " .. q(campaign_url) .. " " .. q(keys.rest_key) .. " " .. q(m.ca_file)
                          .. " " .. per))
    local n, s, cpu = out:match("^(%d+) ([%d.]+) ([%d.]+)")
    if not n then error("bench: floor failed: " .. out, 0) end
    local b = child("seq_batch.lua", { per, token })
    fl_n, fl_s, fl_cpu = fl_n + n, fl_s + tonumber(s), fl_cpu + tonumber(cpu)
    bt_n, bt_s, bt_cpu = bt_n + b.n, bt_s + b.seconds, bt_cpu + b.cpu
    ratios[#ratios + 1] = b.seconds / tonumber(s)
    fl_best, bt_best = math.min(fl_best, tonumber(s) / per), math.min(bt_best, b.seconds / b.n)
  end
  local ls_n, cu_n = QUICK and 100 or 300, QUICK and 50 or 200
  say("bench (a): LuaSocket+LuaSec (%d requests), curl per request (%d)", ls_n, cu_n)
  local ls = child("seq_luasec.lua", { ls_n, token })
  local cu_s = timed("i=0; while [ $i -lt " .. cu_n .. " ]; do curl -sS -o /dev/null --fail --cacert " .. q(m.ca_file)
                     .. " -H " .. q("X-Authorization: " .. keys.rest_key) .. " " .. q(campaign_url)
                     .. " || exit 1; i=$((i+1)); done")
  local a = {
    floor_rps = 1 / fl_best, batch_rps = 1 / bt_best, requests = bt_n, rounds = rounds,
    floor_rps_all = fl_n / fl_s, batch_rps_all = bt_n / bt_s,
    floor_cpu_us = fl_cpu / fl_n * 1e6, batch_cpu_us = bt_cpu / bt_n * 1e6,
    ratio = median(ratios), ratio_best = bt_best / fl_best, luasec_rps = ls.n / ls.seconds, curl_rps = cu_n / cu_s,
  }
  results.a = a
  row{ "a", string.format("campaigns:get, sequential (%d)", bt_n), string.format("%.0f req/s", a.batch_rps),
       string.format("libcurl floor %.0f req/s", a.floor_rps), string.format("%.2fx as long", a.ratio),
       "<= 1.15x", target("a: within 1.15x of the libcurl floor", a.ratio, "<=", 1.15) }
  row{ "a", "  all rounds together", string.format("%.0f req/s", a.batch_rps_all),
       string.format("floor %.0f req/s", a.floor_rps_all),
       string.format("%.2fx as long", a.floor_rps_all / a.batch_rps_all), "", nil }
  row{ "a", "  client CPU per request", string.format("%.1f us", a.batch_cpu_us),
       string.format("floor %.1f us", a.floor_cpu_us), string.format("+%.1f us", a.batch_cpu_us - a.floor_cpu_us),
       "", nil }
  row{ "a", "  vs LuaSocket+LuaSec ssl.https", "", string.format("%.0f req/s", a.luasec_rps),
       string.format("%.1fx faster", a.batch_rps / a.luasec_rps), ">= 10x",
       target("a: 10x LuaSocket+LuaSec", a.batch_rps / a.luasec_rps, ">=", 10) }
  row{ "a", "  vs curl command per request", "", string.format("%.0f req/s", a.curl_rps),
       string.format("%.1fx faster", a.batch_rps / a.curl_rps), ">= 10x",
       target("a: 10x curl per request", a.batch_rps / a.curl_rps, ">=", 10) }
  require("bench.a_static").run(ctx)
end

------------------------------------------------------------------------------------------------------
-- (b) get_many with latency
------------------------------------------------------------------------------------------------------
local function section_b()
  local n, latency = 1000, 0.02
  say("bench (b): get_many of %d tokens, emulator latency %.0f ms", n, latency * 1000)
  local tokens = {}
  for c in client.campaigns:each{} do tokens[#tokens + 1] = c.campaign_token end
  while #tokens < n do
    local made = assert(client.campaigns:create{ name = "bench " .. #tokens, live = true, messages = {
      { language = "en", title = "Bench", body = "Campaign for the get_many benchmark" } } })
    tokens[#tokens + 1] = made.campaign_token
  end
  local path = os.tmpname()
  local f = assert(io.open(path, "w"))
  for i = 1, n do f:write(tokens[i], "\n") end
  f:close()
  m:config{ latency = latency }
  local ok, r = pcall(child, "get_many.lua", { q(path), QUICK and 1 or 2, 1, 8, 32, 64 }, 240)
  m:config{ latency = 0 }
  os.remove(path)
  if not ok then error(r, 0) end
  results.b = { n = n, latency = latency, runs = {} }
  for _, c in ipairs{ 1, 8, 32, 64 } do
    local wall = r["c" .. c]
    local ideal = math.ceil(n / c) * latency
    results.b.runs[#results.b.runs + 1] = { concurrency = c, seconds = wall, ideal = ideal, ratio = wall / ideal }
    local met
    if c == 32 then met = target("b: c=32 within 1.3x of ideal", wall / ideal, "<=", 1.3) end
    row{ "b", string.format("get_many %d tokens, concurrency %d", n, c), string.format("%.3f s", wall),
         string.format("ideal %.2f s", ideal), string.format("%.2fx ideal", wall / ideal),
         c == 32 and "<= 1.3x" or "", met }
  end
  require("bench.b_scale").run(ctx)
end

------------------------------------------------------------------------------------------------------
-- (c) download and (d) rows
------------------------------------------------------------------------------------------------------
local csv_path
local function section_c()
  local size = QUICK and 2e8 or 1e9
  say("bench (c): a %.0f MB export: exports:download vs curl -o", size / 1e6)
  m:exports_config{ size = size, pending_after = 0, running_after = 0, done_after = 0 }
  local info = assert(client.exports:create{ campaign = token, kind = "events", from = "2019-08-14T22:00:00",
                                             to = "now", events = { "push_sent", "push_open", "push_error" },
                                             ids = { "install_id", "custom_id", "advertising_id" } })
  info = assert(client.exports:wait(info, { interval = 0.05, timeout = 30 }))
  local dir = (sh('mktemp -d "${TMPDIR:-/tmp}/batch-bench.XXXXXX"')):gsub("%s+$", "")
  csv_path = dir .. "/export.csv"
  local best_b, best_c, hwm, curl_kb = math.huge, math.huge, 0, nil
  local cpu_b, cpu_c = math.huge, math.huge
  local bytes
  local TIME = have("/usr/bin/time") and "/usr/bin/time -f 'rss=%M cpu=%U+%S' " or ""
  local function cpu_of(out)
    local u, s = out:match("cpu=([%d.]+)%+([%d.]+)")
    return u and tonumber(u) + tonumber(s) or math.huge
  end
  -- Each download starts with the previous file deleted and written back (sync), so that neither pays
  -- for the other's page cache writeback; the two take turns, in both orders. The ratio is the median over
  -- the pairs of runs of (curl's time / lua-batch's time); the rates shown are each side's best run.
  local function fresh() os.remove(csv_path) os.execute("sync") end
  local function with_curl()
    fresh()
    local url = assert(client.exports:download_url(info))
    local t0 = core.now()
    local out, ok = sh(TIME .. "curl -sS --fail --cacert " .. q(m.ca_file) .. " -o " .. q(csv_path) .. " " .. q(url)
                       .. " 2>&1")
    local dt = core.now() - t0
    if not ok then error("bench: curl download failed: " .. out, 0) end
    curl_kb = tonumber(out:match("rss=(%d+)")) or curl_kb
    best_c, cpu_c = math.min(best_c, dt), math.min(cpu_c, cpu_of(out))
    return dt
  end
  local function with_batch()
    fresh()
    local r, rout = child("download.lua", { q(info.id), q(csv_path) }, nil, TIME)
    best_b, cpu_b = math.min(best_b, r.seconds), math.min(cpu_b, cpu_of(rout))
    hwm = math.max(hwm, r.hwm_kb)
    bytes = r.bytes
    return r.seconds
  end
  local ratios = {}
  for run = 1, QUICK and 1 or 7 do
    local tc, tb
    if run % 2 == 1 then tc = with_curl() tb = with_batch() else tb = with_batch() tc = with_curl() end
    ratios[#ratios + 1] = tc / tb
    say("bench (c): run %d: curl %.2f s, lua-batch %.2f s", run, tc, tb)
  end
  local c = { bytes = bytes, batch_mbps = bytes / best_b / 1e6, curl_mbps = bytes / best_c / 1e6,
              ratio = median(ratios), runs = #ratios,
              batch_hwm_kb = hwm, curl_hwm_kb = curl_kb,
              batch_cpu_s = cpu_b < math.huge and cpu_b or nil, curl_cpu_s = cpu_c < math.huge and cpu_c or nil }
  results.c = c
  row{ "c", string.format("exports:download %.0f MB (HTTPS)", bytes / 1e6), string.format("%.0f MB/s", c.batch_mbps),
       string.format("curl -o %.0f MB/s", c.curl_mbps), string.format("%.2fx curl", c.ratio),
       ">= 0.9x", target("c: 0.9x curl's throughput", c.ratio, ">=", 0.9) }
  if c.batch_cpu_s and c.curl_cpu_s then
    row{ "c", "  CPU time of the process (user+sys)", string.format("%.2f s", c.batch_cpu_s),
         string.format("curl %.2f s", c.curl_cpu_s), string.format("%.2fx curl", c.batch_cpu_s / c.curl_cpu_s),
         "", nil }
  end
  row{ "c", "  peak RSS of the process (VmHWM)", string.format("%.1f MB", hwm / 1024),
       curl_kb and string.format("curl %.1f MB", curl_kb / 1024) or "", "", "< 20 MB",
       target("c: peak RSS under 20 MB", hwm / 1024, "<", 20) }
  require("bench.c_scale").run(ctx)
  return dir
end

local function section_d()
  if not csv_path then error("bench (d) needs the file of section (c)", 0) end
  say("bench (d): rows of the CSV: lua-batch, pure Lua, wc -l")
  local best
  for _ = 1, QUICK and 1 or 2 do
    local r = child("rows_batch.lua", { q(csv_path) })
    if not best or r.seconds < best.seconds then best = r end
  end
  local limit = QUICK and 5e7 or 2e8
  local p = child("rows_pure.lua", { q(csv_path), string.format("%d", limit) })
  local wc_s = timed("wc -l < " .. q(csv_path))
  local d = {
    rows = best.rows, bytes = best.bytes, seconds = best.seconds, hwm_kb = best.hwm_kb,
    batch_rows_per_s = best.rows / best.seconds, batch_mbps = best.bytes / best.seconds / 1e6,
    pure_rows_per_s = p.rows / p.seconds, pure_mbps = p.bytes / p.seconds / 1e6, pure_bytes = p.bytes,
    wc_mbps = best.bytes / wc_s / 1e6,
  }
  results.d = d
  row{ "d", string.format("rows over the %.0f MB CSV (%d rows)", d.bytes / 1e6, d.rows),
       string.format("%.0f MB/s, %.2fM rows/s", d.batch_mbps, d.batch_rows_per_s / 1e6),
       string.format("pure Lua %.0f MB/s", d.pure_mbps), string.format("%.1fx pure Lua", d.batch_mbps / d.pure_mbps),
       ">= 5x", target("d: 5x the pure-Lua parser", d.batch_mbps / d.pure_mbps, ">=", 5) }
  row{ "d", "  throughput", string.format("%.0f MB/s", d.batch_mbps), string.format("wc -l %.0f MB/s", d.wc_mbps),
       string.format("%.2fx wc -l", d.batch_mbps / d.wc_mbps), ">= 200 MB/s",
       target("d: 200 MB/s", d.batch_mbps, ">=", 200) }
  require("bench.d_columns").run(ctx, csv_path, csv_path:match("^(.*)/[^/]*$"))
end

------------------------------------------------------------------------------------------------------
-- (e) require and allocations
------------------------------------------------------------------------------------------------------
local function section_e()
  say("bench (e): require \"batch\", bytes per campaigns:get")
  local best
  for _ = 1, 5 do
    local r = child("require.lua", { QUICK and 500 or 2000, token })
    if not best or r.require_ms < best.require_ms then best = r end
  end
  results.e = best
  row{ "e", 'require "batch"', string.format("%.2f ms", best.require_ms),
       string.format("Lua heap +%.0f kB", best.require_kb), string.format("RSS +%.0f kB", best.require_rss_kb),
       "", nil }
  row{ "e", "Lua heap allocated per campaigns:get", string.format("%.0f bytes", best.bytes_per_get), "", "", "", nil }
end

------------------------------------------------------------------------------------------------------
-- (f) inside nginx
------------------------------------------------------------------------------------------------------
local function section_f()
  require("bench.f_nginx").run(ctx)
end

------------------------------------------------------------------------------------------------------
-- main
------------------------------------------------------------------------------------------------------
local t_start = core.now()
local failures = {}
local dir
for _, s in ipairs{ { "a", section_a }, { "b", section_b }, { "c", section_c }, { "d", section_d },
                    { "e", section_e }, { "f", section_f },
                    { "q", function() require("bench.queue"){ m = m, child = child, row = row, target = target,
                      say = say, quick = QUICK, results = results, place = place,
                      wrk = function(...) return require("bench.f_nginx").wrk(ctx, ...) end, all_cpus = ALL_CPUS,
                      have = have, q = q, median = median } end } } do
  if wanted(s[1]) or (s[1] == "c" and wanted("d")) then
    local ok, err = pcall(s[2])
    if not ok then
      failures[#failures + 1] = s[1] .. ": " .. tostring(err)
      say("bench (%s) FAILED: %s", s[1], tostring(err))
      row{ s[1], "(failed) " .. tostring(err):gsub("\n.*", ""), "", "", "", "", false }
      targets[#targets + 1] = { name = s[1] .. ": section ran", met = false, text = tostring(err) }
    elseif s[1] == "c" then
      dir = ok and err
    end
  end
end
if dir then os.execute("rm -rf " .. q(dir)) end
client:close()
m:stop()
results.targets, results.failures, results.seconds = targets, failures, core.now() - t_start

-- The table.
local heads = { "", "measure", "lua-batch", "reference", "ratio", "target", "" }
local widths = {}
for i, h in ipairs(heads) do widths[i] = #h end
local lines = {}
for _, r in ipairs(rows_out) do
  local cells = { r[1], r[2], r[3], r[4], r[5], r[6], r[7] == nil and "" or (r[7] and "met" or "MISSED") }
  for i, c in ipairs(cells) do widths[i] = math.max(widths[i], #c) end
  lines[#lines + 1] = cells
end
local function fmt(cells)
  local parts = {}
  for i, c in ipairs(cells) do parts[i] = c .. string.rep(" ", widths[i] - #c) end
  return (table.concat(parts, "  "):gsub("%s+$", ""))
end
local text = { fmt(heads), (fmt(heads):gsub("[^ ]", "-")) }
for _, cells in ipairs(lines) do text[#text + 1] = fmt(cells) end
local met, missed = 0, 0
for _, t in ipairs(targets) do if t.met then met = met + 1 else missed = missed + 1 end end
text[#text + 1] = ""
text[#text + 1] = string.format("targets: %d met, %d missed (%d CPUs%s, libcurl %s, %.0f s)", met, missed, ncpu,
                                PIN and ", emulator on CPU 0, clients on CPU 1" or "", core.curl_version,
                                results.seconds)
results.table = text
print(table.concat(text, "\n"))

local f = assert(io.open(OUT, "w"))
f:write(cjson.encode(results), "\n")
f:close()
say("bench: wrote %s", OUT)
os.exit(#failures == 0 and 0 or 1)
