-- One API call: builds the request, runs attempts through the transport under the retry policy and one
-- deadline, and turns the response into a decoded result or a batch.Error. Nothing here raises for a
-- remote or runtime failure.
local Error = require "batch.error"
local json = require "batch.json"
local retry = require "batch.retry"

local pairs, ipairs, type, tostring, error, rawget = pairs, ipairs, type, tostring, error, rawget
local concat, min = table.concat, math.min
local gsub, format, byte = string.gsub, string.format, string.byte

local _M = {}

-- Percent-encodes a query value (RFC 3986 unreserved characters stay as they are).
local function escape(s)
  return (gsub(s, "[^%w%-%._~]", function(c) return format("%%%02X", byte(c)) end))
end
_M.escape = escape

-- "?a=1&b=x" from a list of {name, value} pairs; pairs whose value is nil are left out.
function _M.query(list)
  local parts = {}
  for _, kv in ipairs(list) do
    if kv[2] ~= nil then parts[#parts + 1] = kv[1] .. "=" .. escape(tostring(kv[2])) end
  end
  if #parts == 0 then return "" end
  return "?" .. concat(parts, "&")
end

-- The secrets of a client, for redaction.
local function redact(client, s)
  if s == nil then return nil end
  local o = client.opts
  return client.core.redact(s, o.api_key, o.rest_key, o.project_key)
end
_M.redact = redact

-- A copy of t (a decoded response, response headers) with the client's keys redacted from every string,
-- keys and values, at any depth. For what an error carries: an error may be logged whole.
local function redact_table(client, t, depth)
  if type(t) == "string" then return redact(client, t) end
  if type(t) ~= "table" or (depth or 0) > 32 then return t end
  local out = {}
  for k, v in pairs(t) do out[redact_table(client, k, 33)] = redact_table(client, v, (depth or 0) + 1) end
  return out
end
_M.redact_table = redact_table

-- Passes (value, err) through; an error's export info (EXPORT_FAILED, EXPORT_EXPIRED) and last info
-- (WAIT_TIMEOUT, CANCELLED) become redacted copies (a 1.0 info holds the API key in `uri` and `file_url`),
-- and its message (EXPORT_FAILED's comes from the server's error_msg) is redacted.
function _M.safe_error(client, value, err)
  if type(err) == "table" then
    err.message = redact(client, err.message)
    if err.export then err.export = redact_table(client, err.export) end
    if err.info then err.info = redact_table(client, err.info) end
  end
  return value, err
end

local function emit(client, ev)
  local f = client.opts.on_event
  if f then f(ev) end
end
_M.emit = emit

-- A batch.Error for a response whose status is not the expected one.
local function status_error(client, call, res)
  local name, code, message = Error.of_answer(res.status, res.body)
  local e = {
    name = name, code = code, status = res.status,
    message = redact(client, message), body = redact(client, res.body),
    headers = redact_table(client, res.headers),
  }
  e.retry_after = retry.parse_retry_after(res.headers and res.headers["retry-after"], os.time())
  if call.missing_is_nil and res.status == 404 then e.not_found = true end
  return e
end

-- Decodes and checks a 2xx body. Returns the value, or nil, error fields.
-- A response of the C core asked with decode = "json" carries its 2xx body already decoded (res.json).
local function decode_body(call, res)
  if call.decode == false then return true end
  local value = res.json
  if value == nil then
    local why
    value, why = json.decode(res.body or "")
    if value == nil then
      return nil, { name = "INVALID_RESPONSE", status = res.status, body = res.body or "",
                    message = "the response is not valid JSON (" .. tostring(why) .. ")" }
    end
  end
  if call.shape and not call.shape(value) then
    return nil, { name = "INVALID_RESPONSE", status = res.status, body = res.body or json.encode(value),
                  message = "the response does not have the expected shape: " .. call.shape_name }
  end
  return value
end

-- What one attempt's transport answer means: the result, or nil and the error fields. `url` and `started`
-- are the redacted URL and the start time when on_event is set (nil otherwise).
local function outcome(client, call, req, n, res, terr, url, started)
  local on_event = client.opts.on_event
  if not res then
    local e = type(terr) == "table" and terr or { name = "NETWORK_ERROR", message = tostring(terr) }
    e = { name = Error.transport_name(e), message = redact(client, e.message), sent = e.sent }
    if on_event then
      on_event{ type = "response", method = req.method, url = url, attempt = n,
                elapsed = client.now() - started, error = e.name }
    end
    return nil, e
  end
  if on_event then
    on_event{ type = "response", method = req.method, url = url, attempt = n,
              status = res.status, elapsed = client.now() - started }
  end
  if not call.expect[res.status] then return nil, status_error(client, call, res) end
  if call.raw then return res end
  local value, e = decode_body(call, res)
  if value == nil then e.body = redact(client, e.body) end  -- a body that is not what we expected may echo a key
  return value, e
end

-- Reports a request about to be sent to on_event; returns the redacted URL and the start time (nil, nil
-- without on_event: then nothing is redacted or timed, the path of every request).
local function announce(client, req, n)
  local on_event = client.opts.on_event
  if not on_event then return nil, nil end
  local url = redact(client, req.url)
  on_event{ type = "request", method = req.method, url = url, attempt = n }
  return url, client.now()
end

-- One attempt. Returns the result, or nil and the error fields.
local function attempt(client, call, req, n)
  local url, started = announce(client, req, n)
  local res, terr = client.transport(req)
  return outcome(client, call, req, n, res, terr, url, started)
end
_M.attempt = attempt

-- The request of attempt n of a call, its timeout cut to the deadline; nil when the deadline has passed.
local function request_of(client, call)
  local o = client.opts
  local timeout = call.timeout or o.timeout
  local deadline = call.deadline
  if deadline then
    local left = deadline - client.now()
    if left <= 0 then return nil end
    timeout = min(timeout, left)
  end
  -- the C core decodes a 2xx JSON body itself ("curl", and the "ngx" thread pool; the "ngx" sockets leave
  -- the body to decode_body)
  local decode = call.decode ~= false and not call.raw and not call.sink and type(o.transport) ~= "function"
                 and "json" or nil
  return { method = call.method, url = call.url, headers = call.headers, body = call.body,
           timeout = timeout, connect_timeout = min(o.connect_timeout, timeout), sink = call.sink,
           decode = decode }
end

local DEADLINE_PASSED = "the deadline passed before the request was sent"

-- The batch.Error of a call that failed after n attempts.
local function final_error(client, call, err, n)
  err.method, err.url, err.attempts = call.method, redact(client, call.url), n
  err.retryable = retry.retryable(call.method, err)
  return Error.new(err)
end

-- Runs a call:
--   call = { method, url, headers, body (string or nil), expect = {[status]=true},
--            decode (default true), shape (predicate), shape_name, raw (return the response),
--            deadline (absolute, on client.now's clock), timeout (seconds) }
-- Returns the result, or nil and a batch.Error.
function _M.call(client, call)
  local o = client.opts
  local method = call.method
  local max_attempts = (call.retries or o.max_retries) + 1
  local deadline = call.deadline
  local n, err = 0, nil
  while true do
    n = n + 1
    local req = request_of(client, call)
    if not req then
      err = err or { name = "TIMEOUT", message = DEADLINE_PASSED }
      break
    end
    local result, e = attempt(client, call, req, n)
    if result ~= nil then return result end
    err = e
    if n >= max_attempts or not retry.retryable(method, err) then break end
    local delay = retry.delay(n, err)
    if deadline and client.now() + delay >= deadline then break end
    emit(client, { type = "retry", method = method, url = redact(client, call.url), attempt = n,
                   delay = delay, status = err.status, error = err.name })
    client.sleep(delay)
  end
  return nil, final_error(client, call, err, n)
end

-- Inside nginx with the "ngx" transport: runs fn(i) for i = 1..n on at most `concurrency` light threads
-- (each yields while its transfer runs). Returns false, having run nothing, where light threads cannot
-- run (outside nginx, another transport).
function _M.on_light_threads(client, n, concurrency, fn)
  local ngx = rawget(_G, "ngx")
  local kind = client.opts.transport
  if type(ngx) ~= "table" or type(ngx.thread) ~= "table" or not (kind == "ngx" or kind == "auto") then
    return false
  end
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
  for _, t in ipairs(threads) do ngx.thread.wait(t) end
  return true
end

-- Inside nginx: every call on light threads. Returns results, errors by index; nil when light threads
-- cannot run here.
local function call_many_ngx(client, calls, concurrency)
  local results, errors = {}, {}
  local ran = _M.on_light_threads(client, #calls, concurrency, function(i)
    results[i], errors[i] = _M.call(client, calls[i])
  end)
  if not ran then return nil end
  return results, errors
end

-- Runs many calls (same shapes as _M.call; `deadline` is read from calls[1]) with at most `concurrency`
-- in flight, through the C core's request_many: one round sends every pending call, the failures that
-- the retry policy retries go again in the next round after the longest of their backoff delays (a 429:
-- at least 5 s), until max_retries or the deadline. Returns results, errors: tables by index.
-- With a function transport the calls run one after the other; with "ngx", on light threads.
function _M.call_many(client, calls, concurrency)
  local results, errors = {}, {}
  local handle = client.shared.handle
  if not (handle and handle.request_many and client.transport == client.shared.transport) then
    local r, e = call_many_ngx(client, calls, concurrency)
    if r then return r, e end
    for i, call in ipairs(calls) do results[i], errors[i] = _M.call(client, call) end
    return results, errors
  end
  local o = client.opts
  local deadline = calls[1] and calls[1].deadline
  local pending, last = {}, {}
  for i = 1, #calls do pending[i] = i end
  local n = 0
  while #pending > 0 do
    n = n + 1
    local reqs, urls, starts = {}, {}, {}
    for k, i in ipairs(pending) do
      reqs[k] = request_of(client, calls[i])
      if not reqs[k] then
        -- the deadline has passed: every pending call ends with its last error
        for _, j in ipairs(pending) do
          errors[j] = final_error(client, calls[j], last[j] or { name = "TIMEOUT", message = DEADLINE_PASSED },
                                  n - 1)
        end
        return results, errors
      end
      urls[k], starts[k] = announce(client, reqs[k], n)
    end
    local ress, terrs = handle:request_many(reqs, { concurrency = concurrency })
    local again, delay = {}, 0
    for k, i in ipairs(pending) do
      local call = calls[i]
      local result, e = outcome(client, call, reqs[k], n, ress[k], terrs[k], urls[k], starts[k])
      if result ~= nil then
        results[i] = result
      elseif n >= (call.retries or o.max_retries) + 1 or not retry.retryable(call.method, e) then
        errors[i] = final_error(client, call, e, n)
      else
        last[i] = e
        again[#again + 1] = i
        local d = retry.delay(n, e)
        if d > delay then delay = d end
      end
    end
    if #again > 0 then
      if deadline and client.now() + delay >= deadline then
        for _, i in ipairs(again) do errors[i] = final_error(client, calls[i], last[i], n) end
        return results, errors
      end
      for _, i in ipairs(again) do
        emit(client, { type = "retry", method = calls[i].method, url = redact(client, calls[i].url), attempt = n,
                       delay = delay, status = last[i].status, error = last[i].name })
      end
      client.sleep(delay)
    end
    pending = again
  end
  return results, errors
end

-- Headers of a JSON call of the given API family ("1" or "2"), built once per client and kept.
-- A key the family needs and the client lacks is a programmer error: it raises.
function _M.headers(client, family, with_body)
  local cache_key = family .. (with_body and "b" or "")
  local h = client.header_cache[cache_key]
  if h then return h end
  local o = client.opts
  if not o.rest_key then
    error("batch: rest_key is required (option rest_key or BATCH_REST_API_KEY)", 3)
  end
  if family == "2" and not o.project_key then
    error("batch: project_key is required for the 2.x project APIs (option project_key or BATCH_PROJECT_KEY)", 3)
  end
  -- the keys were checked by batch.options (no CR, LF or other control character)
  if family == "2" then
    h = { Authorization = "Bearer " .. o.rest_key, ["X-Batch-Project"] = o.project_key }
  else
    h = { ["X-Authorization"] = o.rest_key }
  end
  h["Accept"] = "application/json"
  if with_body then h["Content-Type"] = "application/json" end
  client.header_cache[cache_key] = h
  return h
end

return _M
