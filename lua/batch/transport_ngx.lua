-- The "ngx" transport: inside nginx, the C core runs in nginx's thread pool through
-- ngx.run_worker_thread while the request's coroutine yields, so the worker keeps serving others.
-- Needs lua-nginx-module 0.10.21+ and a `thread_pool batch threads=N;` directive (see README).
local _M = {}

-- Phases where ngx.run_worker_thread may yield (lua-nginx-module's documentation).
local PHASES = { rewrite = true, server_rewrite = true, access = true, content = true, timer = true,
                 ssl_cert = true, ssl_session_fetch = true, ssl_client_hello = true }
local PHASE_LIST = "rewrite, access, content and ngx.timer handlers"

function _M.new(opts)
  local ngx = rawget(_G, "ngx")
  if type(ngx) ~= "table" or type(ngx.run_worker_thread) ~= "function" then
    error("batch.new: transport 'ngx' needs nginx with lua-nginx-module 0.10.21+ (ngx.run_worker_thread)", 0)
  end
  local pool = opts.thread_pool or "batch"
  local handle_opts = {
    user_agent = opts.user_agent, timeout = opts.timeout, connect_timeout = opts.connect_timeout,
    verify_tls = opts.verify_tls, ca_file = opts.ca_file, proxy = opts.proxy, max_body = opts.max_body,
  }
  return function(req)
    local phase = ngx.get_phase()
    if not PHASES[phase] then
      return nil, { name = "INVALID_ARGUMENT", sent = false,
                    message = "the ngx transport cannot run in nginx's " .. phase .. " phase (it would block the "
                              .. "worker); it works in " .. PHASE_LIST }
    end
    local ok, res, err = ngx.run_worker_thread(pool, "batch.ngx_worker", "request", handle_opts, req)
    if not ok then
      return nil, { name = "NETWORK_ERROR", sent = false,
                    message = "nginx thread pool '" .. pool .. "': " .. tostring(res) }
    end
    return res, err
  end
end

return _M
