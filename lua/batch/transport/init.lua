-- The transport seam: everything below it moves bytes, everything above it decides what they mean.
-- A transport is a table of capabilities, the same for every engine:
--   t.request(req)              -> res | nil, failure
--   t.request_many(reqs, opts)  -> results, failures (tables by index), or nil when on_progress cancelled
--       opts.concurrency: at most this many in flight; opts.on_progress(bytes, total): called as body
--       bytes come (all requests together; total: their announced sizes, when known); returning false
--       cancels every transfer (their sink files removed)
--   t.stream(next, done, opts)  -- (optional) request_many without the tables: next() -> req | nil gives
--       the requests as there is room (asked again after each outcome), done(k, res, failure) gets the
--       outcome of the k-th as it comes; opts.concurrency as above, no progress
--   t.close()                   -- releases connections; idempotent
--   t.parallel                  -- whether request_many overlaps the transfers
--   t.decodes                   -- whether req.decode = "json" gives res.json
-- req = { method, url, headers, body, timeout, connect_timeout, sink, low_speed_time, low_speed_limit,
--         decode }; res = { status, headers (lower-case names), body | json, bytes };
-- failure = { kind = "timeout"|"network"|"tls"|"too_large"|"io"|"invalid", message, sent, curl_code }
-- (a function transport may give { name, message, sent }). Nothing above this seam touches a curl handle.
local type, error, tostring, rawget = type, error, tostring, rawget

local _M = {}

-- True inside an nginx worker with lua-nginx-module.
function _M.in_nginx()
  local ngx = rawget(_G, "ngx")
  return type(ngx) == "table" and type(ngx.get_phase) == "function"
end

-- The transport of the client options: "curl" (the C core), "ngx" (inside nginx), "auto" (one of
-- them), or a user function.
function _M.new(core, opts)
  local t = opts.transport
  if type(t) == "function" then return require("batch.transport.func").new(t) end
  if t == "ngx" or (t == "auto" and _M.in_nginx()) then return require("batch.transport.ngx").new(core, opts) end
  if t == "curl" or t == "auto" then return require("batch.transport.curl").new(core, opts) end
  error("batch.new: unknown transport " .. tostring(t), 3)
end

return _M
