-- The "ngx" transport: inside nginx, the C core runs in nginx's thread pool through
-- ngx.run_worker_thread while the calling coroutine yields, so the worker keeps serving other requests.
-- Needs lua-nginx-module 0.10.21+ (Linux) and a `thread_pool batch threads=N;` directive (see README).
local type, tostring, error, min = type, tostring, error, math.min

local _M = {}

-- The phases where ngx.run_worker_thread can yield (checked on lua-nginx-module 0.10.23).
local PHASES = { rewrite = true, server_rewrite = true, access = true, content = true, timer = true }
_M.PHASES = PHASES
local PHASE_LIST = "rewrite_by_lua*, server_rewrite_by_lua*, access_by_lua*, content_by_lua* and ngx.timer callbacks"

local NO_VM = "no available Lua vm"  -- every VM of lua_worker_thread_vm_pool_size is lent out

-- The error for a call made in a phase that cannot yield (it would block the worker, or nginx refuses).
local function phase_error(phase)
  local where = phase == "ssl_cert" and "ssl_certificate_by_lua*" or tostring(phase) .. "_by_lua*"
  local hint = (phase == "init_worker" or phase == "log" or phase == "header_filter" or phase == "body_filter")
               and " (from " .. where .. ", start an ngx.timer.at(0, ...) that makes the call)" or ""
  return { name = "INVALID_ARGUMENT", sent = false,
           message = "the ngx transport cannot run in " .. where .. ": it works in " .. PHASE_LIST .. hint }
end
_M.phase_error = phase_error

-- Per nginx worker: coroutines waiting for a VM of the pool, woken as calls finish.
local waiting, freed = 0, nil

local function wake_one()
  if waiting > 0 and freed then freed:post(1) end
end

function _M.new(opts)
  local ngx = rawget(_G, "ngx")
  if type(ngx) ~= "table" or type(ngx.run_worker_thread) ~= "function" then
    error("batch.new: transport 'ngx' needs nginx with lua-nginx-module 0.10.21+ (ngx.run_worker_thread)", 0)
  end
  local run, get_phase, now, sleep = ngx.run_worker_thread, ngx.get_phase, ngx.now, ngx.sleep
  local pool = opts.thread_pool or "batch"
  local handle_opts = {
    user_agent = opts.user_agent, timeout = opts.timeout, connect_timeout = opts.connect_timeout,
    verify_tls = opts.verify_tls, ca_file = opts.ca_file, proxy = opts.proxy, max_body = opts.max_body,
  }

  -- Waits up to `left` seconds for a VM to come back to the pool.
  local function wait_for_vm(left)
    if not freed then
      local ok, semaphore = pcall(require, "ngx.semaphore")
      if ok then freed = semaphore.new(0) end
    end
    waiting = waiting + 1
    if freed then freed:wait(min(left, 0.1)) else sleep(min(left, 0.005)) end
    waiting = waiting - 1
  end

  return function(req)
    local phase = get_phase()
    if not PHASES[phase] then return nil, phase_error(phase) end
    local budget = (req.timeout and req.timeout > 0) and req.timeout or nil
    ngx.update_time()
    local started = now()
    while true do
      local ok, res, err, raised = run(pool, "batch.ngx_worker", "request", handle_opts, req)
      if ok then
        wake_one() -- only a call that ran gave a VM back: waking on a failure would spin the waiters
        if raised then error(raised, 0) end
        return res, err
      end
      if res == "thread_pool not found" then
        return nil, { name = "INVALID_ARGUMENT", sent = false,
                      message = "nginx has no thread pool '" .. pool .. "': add `thread_pool " .. pool
                                .. " threads=32;` to the main context of nginx.conf" }
      end
      if res ~= NO_VM then
        return nil, { name = "NETWORK_ERROR", sent = false,
                      message = "nginx thread pool '" .. pool .. "': " .. tostring(res) }
      end
      ngx.update_time()
      local left = budget and budget - (now() - started) or 0.1
      if left < 0.001 then
        return nil, { name = "TIMEOUT", sent = false,
                      message = "no Lua VM of nginx's worker-thread pool came free in time "
                                .. "(lua_worker_thread_vm_pool_size)" }
      end
      wait_for_vm(left)
    end
  end
end

return _M
