-- The "ngx" transport: inside nginx, without blocking the worker. Two engines:
--   * API calls go over nginx's own sockets (batch.ngx_socket): the calling coroutine yields while it
--     waits, and connections stay in nginx's keep-alive pool. TLS is checked against nginx's
--     `lua_ssl_trusted_certificate`.
--   * What nginx's sockets cannot do as the options ask runs the C core in nginx's thread pool through
--     ngx.run_worker_thread (lua-nginx-module 0.10.21+, a `thread_pool batch threads=N;` directive):
--     downloads (libcurl streams them to disk off the event loop), clients with `ca_file` or `proxy`, and
--     https URLs whose host is an IP address (nginx cannot match an IP against a certificate).
-- Host names are resolved once a minute per worker in the thread pool (batch.ngx_names: getaddrinfo, so
-- /etc/hosts counts and no `resolver` directive is needed); without the thread pool, nginx's `resolver`.
-- request_many runs the requests on light threads (ngx.thread.spawn), each yielding while it waits.
local ngx_socket = require "batch.transport.ngx_socket"
local ngx_names = require "batch.transport.ngx_names"

local type, tostring, error, ipairs, min, max, find = type, tostring, error, ipairs, math.min, math.max, string.find
local byte, sub = string.byte, string.sub
local WORKER = "batch.transport.ngx_worker"

local _M = {}

-- The phases where ngx.run_worker_thread and cosockets can yield (checked on lua-nginx-module 0.10.23).
local PHASES = { rewrite = true, server_rewrite = true, access = true, content = true, timer = true }
_M.PHASES = PHASES
local PHASE_LIST = "rewrite_by_lua*, server_rewrite_by_lua*, access_by_lua*, content_by_lua* and ngx.timer callbacks"

local NO_VM = "no available Lua vm"  -- every VM of lua_worker_thread_vm_pool_size is lent out
local RESOLVE_WAIT = 30              -- seconds a resolution may wait for a VM of the pool

-- The error for a call made in a phase that cannot yield (it would block the worker, or nginx refuses).
local function phase_error(phase)
  local where = phase == "ssl_cert" and "ssl_certificate_by_lua*" or tostring(phase) .. "_by_lua*"
  local hint = (phase == "init_worker" or phase == "log" or phase == "header_filter" or phase == "body_filter")
               and " (from " .. where .. ", start an ngx.timer.at(0, ...) that makes the call)" or ""
  return { kind = "invalid", sent = false,
           message = "the ngx transport cannot run in " .. where .. ": it works in " .. PHASE_LIST .. hint }
end
_M.phase_error = phase_error

-- Per nginx worker: the semaphore coroutines waiting for a VM of the pool wait on (its count is minus
-- the number of waiters), posted as calls finish.
local freed
local semaphore -- ngx.semaphore, when lua-resty-core has it

local function wake_one()
  if freed and freed:count() < 0 then freed:post(1) end
end

local function no_pool_error(pool)
  return { kind = "invalid", sent = false, no_pool = true,
           message = "nginx has no thread pool '" .. pool .. "': add `thread_pool " .. pool
                     .. " threads=32;` to the main context of nginx.conf" }
end

-- Runs fn(i) for i = 1..n on at most `concurrency` light threads of the current request or timer.
-- Returns false, having run nothing, where light threads cannot run (a phase that cannot yield).
local function on_light_threads(ngx, n, concurrency, fn)
  if not PHASES[ngx.get_phase()] then return false end
  local next_i = 1
  local function worker()
    while next_i <= n do
      local i = next_i
      next_i = i + 1
      fn(i)
    end
  end
  local threads = {}
  for k = 1, min(concurrency, n) do
    local t = ngx.thread.spawn(worker)
    if not t then break end
    threads[k] = t
  end
  if #threads == 0 then return false end
  local raised
  for _, t in ipairs(threads) do
    local ok, why = ngx.thread.wait(t)
    if not ok and raised == nil then raised = why end
  end
  if raised ~= nil then error(raised, 0) end -- a callback raised in a thread: raise it here
  return true
end

function _M.new(_, opts)
  local ngx = rawget(_G, "ngx")
  if type(ngx) ~= "table" or type(ngx.socket) ~= "table" or type(ngx.run_worker_thread) ~= "function" then
    error("batch.new: transport 'ngx' needs nginx with lua-nginx-module 0.10.21+ (ngx.run_worker_thread)", 0)
  end
  local run, get_phase, now, sleep = ngx.run_worker_thread, ngx.get_phase, ngx.now, ngx.sleep
  if type(ngx.thread) ~= "table" then error("batch.new: transport 'ngx' needs ngx.thread (lua-nginx-module)", 0) end
  local pool = opts.thread_pool
  local handle_opts = {
    user_agent = opts.user_agent, timeout = opts.timeout, connect_timeout = opts.connect_timeout,
    verify_tls = opts.verify_tls, ca_file = opts.ca_file, proxy = opts.proxy, max_body = opts.max_body,
  }
  if semaphore == nil then
    local ok, mod = pcall(require, "ngx.semaphore")
    semaphore = ok and mod or false
  end
  local verify = opts.verify_tls ~= false
  local threads_only = opts.ca_file ~= nil or opts.proxy ~= nil
  local exchange = ngx_socket.new(opts, ngx)
  local origins = {} -- "scheme://authority" -> what ngx_socket needs to reach it

  -- Waits up to `left` seconds for a VM to come back to the pool.
  local function wait_for_vm(left)
    if not freed and semaphore then freed = semaphore.new(0) end
    if freed then freed:wait(min(left, 0.1)) else sleep(min(left, 0.005)) end
  end

  -- batch.ngx_worker[fn](a, b) on a thread of the pool, waiting until `deadline` (nil: 0.1 s at a time,
  -- without end) for a free VM; `cut`, a request, gets the time left as its timeout before each try.
  -- Returns true and fn's results, or false and the error fields.
  local function in_thread(deadline, fn, a, b, cut)
    local function timed_out()
      return false, { kind = "timeout", sent = false,
                      message = "no Lua VM of nginx's worker-thread pool came free in time "
                                .. "(lua_worker_thread_vm_pool_size)" }
    end
    if deadline and deadline - now() <= 0 then return timed_out() end
    while true do
      if cut and deadline then cut.timeout = max(0.001, deadline - now()) end
      local ok, r1, r2, r3 = run(pool, WORKER, fn, a, b)
      if ok then
        wake_one() -- only a call that ran gave a VM back: waking on a failure would spin the waiters
        return true, r1, r2, r3
      end
      if find(tostring(r1), "^thread.pool.* not found") then return false, no_pool_error(pool) end
      if r1 ~= NO_VM then
        return false, { kind = "network", sent = false,
                        message = "nginx thread pool '" .. pool .. "': " .. tostring(r1) }
      end
      ngx.update_time()
      local left = deadline and deadline - now() or 0.1
      if left < 0.001 then return timed_out() end
      wait_for_vm(left)
    end
  end

  -- The request in the thread pool. Its deadline goes with it (ngx.now()'s clock, the epoch): the pool
  -- thread computes the timeout when it starts, however long the task waited in nginx's queue.
  local function in_threads(req, deadline)
    req.deadline_at = deadline
    local ok, res, err, raised = in_thread(deadline, "request", handle_opts, req, req)
    if not ok then return nil, res end
    if raised then error(raised, 0) end
    return res, err
  end

  -- resolve(host) -> addresses | nil, error fields: run by batch.ngx_names' timer, in the thread pool; the
  -- host itself (nginx's `resolver` then resolves it) when there is no thread pool.
  local function resolve(host)
    ngx.update_time()
    local ok, addresses, err = in_thread(now() + RESOLVE_WAIT, "resolve", host)
    if not ok then
      if addresses.no_pool then return { host } end
      return nil, addresses
    end
    if not addresses then return nil, { kind = "network", sent = false, message = err } end
    return addresses
  end

  -- The addresses to connect to for origin t: its host when that is an IP address, else a resolution.
  local function addresses_of(t, deadline)
    if t.ip then return t.ip end
    return ngx_names.addresses(ngx, t.host, deadline, resolve)
  end

  -- The URL's origin as ngx_socket takes it, and the path; nil when the thread pool must take it;
  -- false and why for an http(s) URL this engine must not send (it would split the request).
  -- A URL on the origin of the last one (a client's base_url, nearly always) is read by a loop over its
  -- path's bytes for what parse_url would refuse or cut there (a control byte, a space, DEL, a fragment):
  -- LuaJIT compiles the loop, not parse_url's patterns.
  local last_key, last_t -- "scheme://authority" of the last origin, as URLs spell it, and its table
  local function plain_path(url, from)
    for i = from, #url do
      local b = byte(url, i)
      if b <= 32 or b == 35 or b == 127 then return false end
    end
    return true
  end
  local function origin_of(url)
    if last_key and find(url, last_key, 1, true) == 1 and byte(url, #last_key + 1) == 47 -- "/"
       and plain_path(url, #last_key + 2) then
      return last_t, sub(url, #last_key + 1)
    end
    local scheme, authority, host, port, path = ngx_socket.parse_url(url)
    if not scheme then
      if find(url, "^https?://") then return false, authority end
      return nil
    end
    if scheme == "https" and verify and ngx_socket.is_ip(host) then return nil end
    local key = scheme .. "://" .. authority
    local t = origins[key]
    if not t then
      t = { scheme = scheme, authority = authority, host = host, port = port, url = key,
            server_name = not ngx_socket.is_ip(host) and host or nil,
            ip = ngx_socket.is_ip(host) and { host } or nil } -- an address: the one to connect to
      origins[key] = t
    end
    last_key, last_t = key, t
    return t, path
  end

  local function request(req)
    local phase = get_phase()
    if not PHASES[phase] then return nil, phase_error(phase) end
    -- ngx.now() is the time of this turn of the event loop: the deadline starts at most that early
    local timed = req.timeout and req.timeout > 0
    local deadline = now() + (timed and req.timeout or ngx_socket.NO_LIMIT)
    local t, path
    if not (threads_only or req.sink) then t, path = origin_of(req.url) end
    if t == false then return nil, { kind = "invalid", sent = false, message = path } end
    if not t then return in_threads(req, timed and deadline or nil) end
    local addresses, err = addresses_of(t, deadline)
    if not addresses then return nil, err end
    local res
    for i = 1, #addresses do -- the next address when one refuses the connection
      res, err = exchange(req, t, addresses[i], path, deadline)
      if res or err.kind ~= "network" or err.sent ~= false then break end
    end
    if not res and err.sent == false and (err.kind == "network" or err.kind == "timeout") then
      if addresses[1] ~= t.host then
        ngx_names.forget(t.host) -- it may have moved: resolve again next time
      elseif find(err.message, "no resolver defined", 1, true) then
        err.message = err.message .. " (lua-batch resolves host names in nginx's thread pool: add `thread_pool "
                      .. pool .. " threads=32;` to nginx.conf, or a `resolver` directive)"
      end
    end
    return res, err
  end

  local t = { parallel = true, decodes = false, request = request }

  -- Every request on light threads (at most `concurrency` at once), each yielding while it waits; one
  -- after the other in a phase where light threads cannot run. Progress is reported as each one ends.
  function t.request_many(reqs, o)
    local results, failures, bytes, cancelled = {}, {}, 0, false
    local on_progress = o and o.on_progress
    local function one(i)
      if cancelled then
        failures[i] = { kind = "cancelled", sent = false, message = "cancelled" }
        return
      end
      local res, err = request(reqs[i])
      results[i], failures[i] = res, err
      if res and res.bytes then bytes = bytes + res.bytes end
      if on_progress and on_progress(bytes) == false then cancelled = true end
    end
    if not on_light_threads(ngx, #reqs, o and o.concurrency or 16, one) then
      for i = 1, #reqs do one(i) end
    end
    if cancelled then return nil end
    return results, failures
  end

  function t.close() end
  return t
end

return _M
