-- Starts a real nginx (Debian's nginx-core + libnginx-mod-http-lua) on 127.0.0.1 for specs and benchmarks,
-- with lua-batch on its Lua paths and the C core built against LuaJIT (build/luajit, `make luajit`).
--
--   local nginx = require "spec.support.nginx"
--   local n = nginx.start{
--     conf_body = [[ location / { content_by_lua_block { ngx.say("hi") } } ]],  -- inside server { }
--     http = "lua_shared_dict results 1m;",     -- more directives in http { }
--     main = "env BATCH_BASE_URL;",             -- more directives at the top (thread_pool batch is there)
--     env = { BATCH_BASE_URL = m.url },         -- the environment nginx starts with
--     workers = 1, threads = 32,                -- worker_processes, threads of `thread_pool batch`
--   }
--   n.url, n.port, n.pid, n.prefix            -- http://127.0.0.1:P, P, the master's pid, the -p folder
--   n:get(path) --> status, body               -- one plain GET (luasocket), for quick checks
--   n:error_log() --> text of error.log
--   n:new_errors() --> its lines at level error or worse written since the last call ("" when none)
--   n:stop()                                   -- stops nginx, removes the prefix; idempotent
--
-- Or a whole configuration: nginx.start{ conf = text }, where ${port}, ${prefix}, ${root},
-- ${modules}, ${lua_path}, ${lua_cpath}, ${user} and ${pid} are replaced (the pid and error_log lines of
-- the text must use ${pid} and ${prefix} so the launcher can find and stop nginx).
--
-- nginx runs as a daemon with a pid file, in a temporary prefix (logs, temp folders, pid); as root it
-- keeps `user root;` (else its workers become nobody, who may not read this checkout). A watchdog stops
-- it within a second once this process is gone; mod.stop_all() stops every instance still running.
-- Works on Lua 5.1 to 5.4 and LuaJIT (the driving process needs only luasocket).
local socket = require "socket"
local http = require "socket.http"
local ltn12 = require "ltn12"
local file_util = require "spec.support.files"
local exists = file_util.exists

local M = {}

M.NGINX = os.getenv("BATCH_TEST_NGINX") or "/usr/sbin/nginx"
M.MODULES = os.getenv("BATCH_TEST_NGINX_MODULES") or "/usr/lib/nginx/modules"

local running = {}

local q, read_cmd, read_file = file_util.quote, file_util.read_cmd, file_util.read_all

local function write_file(path, s)
  local f = assert(io.open(path, "wb"))
  f:write(s)
  f:close()
end

-- Whether pid is still the nginx master started with this prefix: alive, not a zombie (PID 1 of a
-- container may never reap), and its command line names the prefix (a pid may be reused).
local function ours(pid, prefix)
  local stat = read_file("/proc/" .. pid .. "/stat")
  if not stat or stat:match("^%d+ %(.*%) Z") then return false end
  local cmdline = read_file("/proc/" .. pid .. "/cmdline") or ""
  return cmdline:find(prefix .. "/", 1, true) ~= nil
end

-- os.execute's success, on Lua 5.1 (a number) and 5.2+ (true/nil).
local function run(cmd)
  local r = os.execute(cmd)
  return r == true or r == 0
end

M.root = file_util.root

-- The first existing of a list of candidate files (globs allowed), or nil.
local function first_file(candidates)
  for _, c in ipairs(candidates) do
    local hit = read_cmd("ls -1d " .. c .. " 2>/dev/null | head -n 1")
    if hit ~= "" then return hit end
  end
end

-- lua_package_path / lua_package_cpath for lua-batch in nginx: this checkout's lua/, lua-resty-core,
-- the LuaJIT build of the C core, the 5.1/LuaJIT build of cjson. Also used by the example's spec.
function M.lua_paths()
  local resty = first_file{ "/usr/share/lua/5.1/resty/core.lua", "/usr/local/share/lua/5.1/resty/core.lua",
                            "/usr/local/openresty/lualib/resty/core.lua" }
  local cjson = first_file{ "/usr/lib/*/lua/5.1/cjson.so", "/usr/local/lib/lua/5.1/cjson.so",
                            "/usr/local/openresty/lualib/cjson.so" }
  local path = M.root .. "/lua/?.lua;" .. M.root .. "/lua/?/init.lua;"
  if resty then
    local d = resty:gsub("/resty/core%.lua$", "")
    path = path .. d .. "/?.lua;" .. d .. "/?/init.lua;"
  end
  local cpath = M.root .. "/build/luajit/?.so;"
  if cjson then cpath = cpath .. cjson:gsub("/cjson%.so$", "") .. "/?.so;" end
  return path .. ";", cpath .. ";"
end

-- A free loopback port (the kernel's pick); nginx may still lose it to another process: start retries.
local function free_port()
  local s = assert(socket.bind("127.0.0.1", 0))
  local _, port = s:getsockname()
  s:close()
  return tonumber(port)
end

local function expand(text, vars)
  return (text:gsub("%${([%w_]+)}", function(k)
    if vars[k] == nil then error("nginx.start: unknown ${" .. k .. "} in the configuration", 0) end
    return tostring(vars[k])
  end))
end

local function default_conf(opts)
  return table.concat({
    "${user}",
    "daemon on;",
    "worker_processes " .. (opts.workers or 1) .. ";",
    "pid ${pid};",
    "error_log ${prefix}/error.log " .. (opts.log_level or "warn") .. ";",
    "load_module ${modules}/ndk_http_module.so;",
    "load_module ${modules}/ngx_http_lua_module.so;",
    "thread_pool batch threads=" .. (opts.threads or 32) .. ";",
    opts.main or "",
    "events { worker_connections " .. (opts.connections or 2048) .. "; }",
    "http {",
    "  access_log off;",
    "  server_tokens off;",
    "  client_body_temp_path ${prefix}/tmp/body;",
    "  proxy_temp_path ${prefix}/tmp/proxy;",
    "  fastcgi_temp_path ${prefix}/tmp/fastcgi;",
    "  uwsgi_temp_path ${prefix}/tmp/uwsgi;",
    "  scgi_temp_path ${prefix}/tmp/scgi;",
    "  keepalive_requests 1000000;",
    '  lua_package_path "${lua_path}";',
    '  lua_package_cpath "${lua_cpath}";',
    "  " .. (opts.http or ""),
    "  server {",
    "    listen 127.0.0.1:${port};",
    opts.conf_body or "",
    "  }",
    "}",
    "",
  }, "\n")
end

local Nginx = {}
Nginx.__index = Nginx

-- Waits until pid file and port answer; returns the master's pid, or nil.
local function wait_up(prefix, port, seconds)
  local deadline = socket.gettime() + seconds
  while socket.gettime() < deadline do
    local pid = tonumber(read_file(prefix .. "/nginx.pid") or "")
    if pid then
      local c = socket.tcp()
      c:settimeout(0.5)
      local ok = c:connect("127.0.0.1", port)
      c:close()
      if ok then return pid end
    end
    socket.sleep(0.05)
  end
end

function M.start(opts)
  opts = opts or {}
  if not exists(M.NGINX) then error("nginx.start: no nginx at " .. M.NGINX .. " (apt-get install nginx-core)", 2) end
  if not exists(M.MODULES .. "/ngx_http_lua_module.so") then
    error("nginx.start: no ngx_http_lua_module.so in " .. M.MODULES .. " (apt-get install libnginx-mod-http-lua)", 2)
  end
  local prefix = read_cmd('mktemp -d "${TMPDIR:-/tmp}/batch-nginx-spec.XXXXXX"')
  assert(prefix ~= "", "nginx.start: mktemp failed")
  assert(run("mkdir -p " .. q(prefix .. "/tmp") .. " " .. q(prefix .. "/logs")))
  local lua_path, lua_cpath = M.lua_paths()
  local env = ""
  for k, v in pairs(opts.env or {}) do env = env .. k .. "=" .. q(v) .. " " end
  local template = opts.conf or default_conf(opts)
  local last_err
  for _ = 1, 8 do
    local port = opts.port or free_port()
    local vars = {
      port = port, prefix = prefix, root = M.root, modules = M.MODULES, pid = prefix .. "/nginx.pid",
      lua_path = lua_path, lua_cpath = lua_cpath,
      user = read_cmd("id -u") == "0" and "user root;" or "",
    }
    write_file(prefix .. "/nginx.conf", expand(template, vars))
    write_file(prefix .. "/error.log", "")
    -- LD_PRELOAD (a sanitizer meant for the C core under test in Lua) must not reach nginx
    local cmd = "env -u LD_PRELOAD " .. env .. q(M.NGINX) .. " -p " .. q(prefix .. "/") .. " -c "
                .. q(prefix .. "/nginx.conf") .. " -e " .. q(prefix .. "/error.log") .. " </dev/null >"
                .. q(prefix .. "/startup.log") .. " 2>&1"
    if run(cmd) then
      local pid = wait_up(prefix, port, 10)
      if pid then
        local self = setmetatable({ url = "http://127.0.0.1:" .. port, port = port, pid = pid, prefix = prefix,
                                    conf = vars }, Nginx)
        -- n:stop() and n.stop() both work
        self.stop = function(a, b) if a == self then return Nginx.stop(self, b) end return Nginx.stop(self, a) end
        running[self] = true
        -- The watchdog: stops nginx once the process that started it is gone. It only signals a pid
        -- whose command line still names this prefix (a pid may be reused once nginx is gone).
        local owner = read_cmd("echo $PPID")
        local is_ours = "grep -qF " .. q(prefix .. "/") .. " /proc/" .. pid .. "/cmdline 2>/dev/null"
        os.execute("(trap '' HUP INT; while kill -0 " .. owner .. " 2>/dev/null && " .. is_ours
                   .. "; do sleep 0.5; done; if " .. is_ours .. "; then kill -TERM " .. pid .. "; fi) "
                   .. "</dev/null >/dev/null 2>&1 &")
        return self
      end
      last_err = "nginx did not answer on port " .. port
      local p = tonumber(read_file(prefix .. "/nginx.pid") or "")
      if p then os.execute("kill -TERM " .. p .. " 2>/dev/null") end
      break
    end
    last_err = (read_file(prefix .. "/startup.log") or "") .. (read_file(prefix .. "/error.log") or "")
    if opts.port or not last_err:find("Address already in use", 1, true) then break end
  end
  local why = (last_err or "") .. "\n" .. (read_file(prefix .. "/error.log") or "")
  os.execute("rm -rf " .. q(prefix))
  error("nginx.start: nginx failed to start:\n" .. why, 2)
end

function M.stop_all()
  local list = {}
  for n in pairs(running) do list[#list + 1] = n end
  for _, n in ipairs(list) do n:stop() end
end

function Nginx:error_log()
  return read_file(self.prefix .. "/error.log") or ""
end

function Nginx:new_errors()
  local log = self:error_log()
  local out = {}
  for line in log:sub((self.errors_read or 0) + 1):gmatch("[^\n]+") do
    if line:find("%[error%]") or line:find("%[crit%]") or line:find("%[alert%]") or line:find("%[emerg%]") then
      out[#out + 1] = line
    end
  end
  self.errors_read = #log
  return table.concat(out, "\n")
end

-- One GET on a new connection; returns status, body (or nil, error).
function Nginx:get(path, timeout)
  local chunks = {}
  local ok, status = http.request{
    url = self.url .. path, sink = ltn12.sink.table(chunks),
    create = function() local s = socket.tcp() s:settimeout(timeout or 10) return s end,
  }
  if not ok then return nil, status end
  return status, table.concat(chunks)
end

-- Stops nginx (TERM, then KILL after 10 s) and removes its prefix; `keep_prefix` keeps the logs.
function Nginx:stop(keep_prefix)
  if self.stopped then return end
  self.stopped = true
  running[self] = nil
  local pid = self.pid
  if ours(pid, self.prefix) then os.execute("kill -TERM " .. pid .. " 2>/dev/null") end
  local deadline = socket.gettime() + 10
  while socket.gettime() < deadline and ours(pid, self.prefix) do socket.sleep(0.05) end
  if ours(pid, self.prefix) then
    -- its workers first (children of this pid), then the master
    os.execute("pkill -KILL -P " .. pid .. " 2>/dev/null; kill -KILL " .. pid .. " 2>/dev/null")
  end
  if not keep_prefix then os.execute("rm -rf " .. q(self.prefix)) end
end

Nginx.__gc = function(self) self:stop() end

return M
