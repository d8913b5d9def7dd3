-- (f) inside nginx: one nginx (one worker, `thread_pool batch threads=32`) whose locations each fetch the
-- campaign from a static upstream (bench/static.lua: nginx `return 200`, HTTPS, keep-alive) and answer
-- it, measured with wrk at 1 and 32 connections:
--   /batch     lua-batch's "ngx" transport, socket engine (campaigns:get, then cjson.encode)
--   /pool      the same call through the thread-pool engine (a client with ca_file: libcurl in nginx's
--              thread pool)
--   /resty     lua-resty-http (request_uri, keep-alive pool, TLS verified, cjson.decode then cjson.encode),
--              when RESTY_HTTP names a folder holding its lib/ (it is never part of lua-batch)
--   /proxy     nginx's proxy_pass to the same upstream (keep-alive, TLS verified)
-- The Lua locations run the same code around the client: fetch, decode, encode, answer. Every location
-- takes its turn in each round (the order turning), rounds repeated; ratios are medians of the rounds'
-- ratios, with their range. Not pinned: wrk, this nginx and the upstream share the machine's CPUs.
--   require("bench.f_nginx").run(ctx)
local static = require "bench.static"

local _M = {}

-- wrk at `conns` connections for `seconds` on url: requests a second, and the non-2xx answers.
local function wrk(ctx, url, conns, seconds)
  local threads = conns > 1 and 2 or 1
  local out = assert(ctx.sh("taskset -c " .. ctx.ALL_CPUS .. " wrk -t" .. threads .. " -c" .. conns .. " -d"
                            .. seconds .. "s " .. ctx.q(url) .. " 2>&1"))
  local rps = tonumber(out:match("Requests/sec:%s*([%d.]+)"))
  local non2xx = tonumber(out:match("Non%-2xx or 3xx responses:%s*(%d+)")) or 0
  if not rps then error("bench: wrk failed: " .. out, 0) end
  return rps, non2xx
end

-- The Lua of a location answering the campaign fetched by `fetch` (a chunk of Lua that sets c or err).
local function lua_location(name, fetch)
  return table.concat({
    "location = /" .. name .. " {",
    "  default_type application/json;",
    "  content_by_lua_block {",
    "    local c, err",
    "    " .. fetch,
    "    if not c then ngx.status = 502 ngx.say(tostring(err)) return end",
    "    ngx.say(cjson.encode(c))",
    "  }",
    "}",
  }, "\n")
end

_M.wrk = wrk

function _M.run(ctx)
  if not ctx.have("wrk") then error("bench (f) needs wrk (apt-get install wrk)", 0) end
  local resty_http = os.getenv("RESTY_HTTP")
  if resty_http and not io.open(resty_http .. "/lib/resty/http.lua") then
    error("bench (f): RESTY_HTTP=" .. resty_http .. " holds no lib/resty/http.lua", 0)
  end
  local keys, token, say, QUICK = ctx.keys, ctx.token, ctx.say, ctx.QUICK
  ctx.place(ctx.ALL_CPUS, ctx.ALL_CPUS)
  local up = static.start{ dir = ctx.m.dir, body = ctx.campaign_body(), workers = 1 }
  local port = up.port
  local base = "https://localhost:" .. port
  local path = "/1.1/" .. keys.api_key .. "/campaigns/" .. token
  local locations = { "batch", "pool", "proxy" }
  if resty_http then table.insert(locations, 3, "resty") end
  say("bench (f): nginx (1 worker) against a static upstream: %s, wrk at 1 and 32 connections",
      table.concat(locations, ", "))
  local nginx = require "spec.support.nginx"
  -- The clients are made in each worker: in init_by_lua, nginx's master still has the whole environment,
  -- and a CA bundle named there (CURL_CA_BUNDLE, SSL_CERT_FILE: batch.options' fallbacks for ca_file)
  -- would send the socket client's calls to the thread pool.
  local init = {
    "init_worker_by_lua_block {",
    "  cjson = require 'cjson.safe'",
    "  local batch = require 'batch'",
    "  local function opts(extra)",
    "    local o = { base_url = " .. string.format("%q", base) .. ", api_key = " .. string.format("%q", keys.api_key)
      .. ", rest_key = " .. string.format("%q", keys.rest_key) .. ", transport = 'ngx' }",
    "    for k, v in pairs(extra) do o[k] = v end",
    "    return o",
    "  end",
    "  batch_socket = batch.new(opts{})",
    "  -- a CA file of its own: the thread pool's libcurl",
    "  batch_pool = batch.new(opts{ ca_file = " .. string.format("%q", ctx.m.ca_file) .. " })",
  }
  if resty_http then
    init[#init + 1] = "  package.path = " .. string.format("%q", resty_http .. "/lib/?.lua;") .. " .. package.path"
    -- lua-resty-http's proxy code names pools with lua-resty-string's to_hex (OpenResty's, not Debian's):
    -- without it, a stand-in (no proxy here, so it never runs)
    init[#init + 1] = "  if not pcall(require, 'resty.string') then package.loaded['resty.string'] = { to_hex = "
                      .. "function(s) return (s:gsub('.', function(c) return ('%02x'):format(c:byte()) end)) end } end"
    init[#init + 1] = "  resty_http = require 'resty.http'"
  end
  init[#init + 1] = "}"
  local body = {
    lua_location("batch", "c, err = batch_socket.campaigns:get(" .. string.format("%q", token) .. ")"),
    lua_location("pool", "c, err = batch_pool.campaigns:get(" .. string.format("%q", token) .. ")"),
    "location = /proxy {",
    "  proxy_pass https://static_upstream" .. path .. ";",
    "  proxy_http_version 1.1;",
    '  proxy_set_header Connection "";',
    "  proxy_set_header X-Authorization " .. keys.rest_key .. ";",
    "  proxy_set_header Accept application/json;",
    "  proxy_ssl_trusted_certificate " .. ctx.m.ca_file .. ";",
    "  proxy_ssl_verify on;",
    "  proxy_ssl_name localhost;",
    "  proxy_ssl_server_name on;",
    "  proxy_ssl_session_reuse on;",
    "}",
  }
  if resty_http then
    -- what a lua-resty-http user writes: request_uri with its keep-alive pool, TLS verified, then decode
    body[#body + 1] = lua_location("resty", table.concat({
      "local httpc = resty_http.new()",
      "httpc:set_timeout(30000)",
      "local res",
      -- the address itself (it has no resolver; lua-batch keeps its resolution a minute), the name for TLS
      "res, err = httpc:request_uri(" .. string.format("%q", "https://127.0.0.1:" .. port .. path) .. ", {",
      "  headers = { [\"X-Authorization\"] = " .. string.format("%q", keys.rest_key)
        .. ", Accept = \"application/json\" },",
      "  ssl_verify = true, ssl_server_name = 'localhost',",
      "  keepalive_timeout = 60000, keepalive_pool = 64 })",
      "if res and res.status == 200 then c, err = cjson.decode(res.body)",
      "elseif res then err = 'status ' .. res.status end",
    }, "\n    "))
  end
  local n = nginx.start{
    workers = 1, threads = 32,
    http = table.concat({
      "upstream static_upstream { server 127.0.0.1:" .. port .. "; keepalive 64; }",
      -- as an OpenResty deployment trusts Batch's CA: nginx's directive (cosockets), as proxy_pass's own
      "lua_ssl_trusted_certificate " .. ctx.m.ca_file .. ";",
      table.concat(init, "\n"),
    }, "\n"),
    conf_body = table.concat(body, "\n"),
  }
  local ok, err = pcall(function()
    for _, loc in ipairs(locations) do
      local status, text = n:get("/" .. loc)
      if status ~= 200 then
        error("bench (f): GET /" .. loc .. " gave " .. tostring(status) .. ": " .. tostring(text), 0)
      end
    end
    local secs = QUICK and 2 or 4
    for _, loc in ipairs(locations) do wrk(ctx, n.url .. "/" .. loc, 32, 1) end -- warm every path
    local f = { seconds = secs, locations = locations, runs = {} }
    for _, conns in ipairs{ 1, 32 } do
      local rps, ratio = {}, {}
      for _, loc in ipairs(locations) do rps[loc] = {} end
      for round = 1, QUICK and 1 or 3 do
        local got = {}
        for j = 1, #locations do -- the order turns with the rounds
          local loc = locations[(j + round - 2) % #locations + 1]
          local r, bad = wrk(ctx, n.url .. "/" .. loc, conns, secs)
          if bad > 0 then error("bench (f): " .. bad .. " answers of /" .. loc .. " were not 2xx", 0) end
          got[loc] = r
          table.insert(rps[loc], r)
        end
        local pairs_of = { { "batch", "proxy" }, { "batch", "resty" }, { "pool", "resty" }, { "pool", "proxy" } }
        for _, pair in ipairs(pairs_of) do
          if got[pair[1]] and got[pair[2]] then
            local key = pair[1] .. "/" .. pair[2]
            ratio[key] = ratio[key] or {}
            table.insert(ratio[key], got[pair[1]] / got[pair[2]])
          end
        end
      end
      local run = { conns = conns, rps = {}, ratio = {} }
      for loc, list in pairs(rps) do run.rps[loc] = ctx.median(list) end
      for key, list in pairs(ratio) do
        run.ratio[key] = { median = ctx.median(list), min = math.min(table.unpack(list)),
                           max = math.max(table.unpack(list)) }
      end
      f.runs[#f.runs + 1] = run
    end
    return f
  end)
  n:stop()
  up:stop()
  ctx.place("0", "1")
  if not ok then error(err, 0) end
  local f = err
  ctx.results.f = f
  local row, target = ctx.row, ctx.target
  local function ratio_text(r, what) return string.format("%.2fx %s (%.2f-%.2f)", r.median, what, r.min, r.max) end
  for _, run in ipairs(f.runs) do
    local c = run.conns
    local label = c == 1 and "1 conn" or (c .. " conns")
    if run.rps.resty then
      local r = run.ratio["batch/resty"]
      local met
      if c == 32 then met = target("f: 1.4x lua-resty-http at 32 connections", r.median, ">=", 1.4) end
      row{ "f", "nginx location, socket engine, " .. label, string.format("%.0f req/s", run.rps.batch),
           string.format("lua-resty-http %.0f req/s", run.rps.resty), ratio_text(r, "resty"),
           c == 32 and ">= 1.4x" or "", met }
    end
    local p, met = run.ratio["batch/proxy"], nil
    if c == 32 then met = target("f: 0.55x proxy_pass at 32 connections", p.median, ">=", 0.55) end
    row{ "f", (run.rps.resty and "  " or "nginx location, socket engine, ") .. label .. " vs proxy_pass",
         run.rps.resty and "" or string.format("%.0f req/s", run.rps.batch),
         string.format("proxy_pass %.0f req/s", run.rps.proxy), ratio_text(p, "proxy_pass"),
         c == 32 and ">= 0.55x" or "", met }
    local pool = run.ratio["pool/resty"] or run.ratio["pool/proxy"]
    row{ "f", "  thread-pool engine, " .. label, string.format("%.0f req/s", run.rps.pool), "",
         ratio_text(pool, run.ratio["pool/resty"] and "resty" or "proxy_pass"), "", nil }
  end
end

return _M
