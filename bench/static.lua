-- A static upstream for the benchmarks: an nginx of its own answering every GET with `return 200` of one
-- campaign's JSON, over HTTPS with the emulator's certificate (signed by its CA, valid for 127.0.0.1 and
-- localhost), keep-alive. It costs almost nothing per request, so what a client spends shows; the
-- emulator (a Lua handler per request) hides it behind its own cost.
--
--   local static = require "bench.static"
--   local s = static.start{ dir = m.dir, body = campaign_json, workers = 1 }
--   s.url    -- "https://127.0.0.1:P" (s.port: P)
--   s:stop()
local nginx = require "spec.support.nginx"

local _M = {}

-- nginx's `return` text is a complex value: `$` and `'` would be read as variables and quotes.
local function literal(body)
  if body:find("[$'\\]") then error("bench.static: the body must hold no $, ' or \\", 2) end
  return "'" .. body .. "'"
end

function _M.start(o)
  local conf = table.concat({
    "${user}",
    "daemon on;",
    "worker_processes " .. (o.workers or 1) .. ";",
    "pid ${pid};",
    "error_log ${prefix}/error.log warn;",
    "events { worker_connections 4096; }",
    "http {",
    "  access_log off;",
    "  server_tokens off;",
    "  client_body_temp_path ${prefix}/tmp/body;",
    "  proxy_temp_path ${prefix}/tmp/proxy;",
    "  fastcgi_temp_path ${prefix}/tmp/fastcgi;",
    "  uwsgi_temp_path ${prefix}/tmp/uwsgi;",
    "  scgi_temp_path ${prefix}/tmp/scgi;",
    "  keepalive_requests 1000000;",
    "  keepalive_timeout 75s;",
    "  server {",
    "    listen 127.0.0.1:${port} ssl;",
    "    ssl_certificate " .. o.dir .. "/server.pem;",
    "    ssl_certificate_key " .. o.dir .. "/server.key;",
    "    ssl_protocols TLSv1.2 TLSv1.3;",
    "    ssl_session_cache shared:static_tls:1m;",
    "    location / {",
    "      default_type application/json;",
    "      return 200 " .. literal(o.body) .. ";",
    "    }",
    "  }",
    "}",
    "",
  }, "\n")
  local n = nginx.start{ conf = conf }
  n.url = "https://127.0.0.1:" .. n.port
  return n
end

return _M
