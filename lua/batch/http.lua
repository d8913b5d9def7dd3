-- One API call: builds the request, runs attempts through the transport under the retry policy and one
-- deadline, and turns the response into a decoded result or a batch.Error. Nothing here raises for a
-- remote or runtime failure.
local Error = require "batch.error"
local json = require "batch.json"
local retry = require "batch.retry"

local pairs, ipairs, type, tostring, error = pairs, ipairs, type, tostring, error
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

local function emit(client, ev)
  local f = client.opts.on_event
  if f then f(ev) end
end
_M.emit = emit

-- A batch.Error for a response whose status is not the expected one.
local function status_error(client, call, res)
  local name, code, message = client.core.map_error(res.status, res.body or "")
  local e = {
    name = name or "HTTP_ERROR", code = code, status = res.status,
    message = redact(client, message), body = redact(client, res.body),
    headers = res.headers,
  }
  e.retry_after = retry.parse_retry_after(res.headers and res.headers["retry-after"], os.time())
  if call.missing_is_nil and res.status == 404 then e.not_found = true end
  return e
end

-- Decodes and checks a 2xx body. Returns the value, or nil, error fields.
local function decode_body(call, res)
  if call.decode == false then return true end
  local body = res.body or ""
  local value, why = json.decode(body)
  if value == nil then
    return nil, { name = "INVALID_RESPONSE", status = res.status, body = body,
                  message = "the response is not valid JSON (" .. tostring(why) .. ")" }
  end
  if call.shape and not call.shape(value) then
    return nil, { name = "INVALID_RESPONSE", status = res.status, body = body,
                  message = "the response does not have the expected shape: " .. call.shape_name }
  end
  return value
end

-- One attempt. Returns the result, or nil and the error fields.
local function attempt(client, call, req, n)
  local url = redact(client, req.url)
  emit(client, { type = "request", method = req.method, url = url, attempt = n })
  local started = client.now()
  local res, terr = client.transport(req)
  local elapsed = client.now() - started
  if not res then
    local e = type(terr) == "table" and terr or { name = "NETWORK_ERROR", message = tostring(terr) }
    e = { name = e.name or "NETWORK_ERROR", message = redact(client, e.message), sent = e.sent }
    emit(client, { type = "response", method = req.method, url = url, attempt = n,
                   elapsed = elapsed, error = e.name })
    return nil, e
  end
  emit(client, { type = "response", method = req.method, url = url, attempt = n,
                 status = res.status, elapsed = elapsed })
  if not call.expect[res.status] then return nil, status_error(client, call, res) end
  if call.raw then return res end
  return decode_body(call, res)
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
    local timeout = call.timeout or o.timeout
    if deadline then
      local left = deadline - client.now()
      if left <= 0 then
        err = err or { name = "TIMEOUT", message = "the deadline passed before the request was sent" }
        break
      end
      timeout = min(timeout, left)
    end
    local req = { method = method, url = call.url, headers = call.headers, body = call.body,
                  timeout = timeout, connect_timeout = min(o.connect_timeout, timeout),
                  sink = call.sink }
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
  err.method, err.url, err.attempts = method, redact(client, call.url), n
  err.retryable = retry.retryable(method, err)
  return nil, Error.new(err)
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
  h = {}
  for k, v in pairs(client.core.auth_headers(family, o.rest_key, o.project_key)) do h[k] = v end
  h["Accept"] = "application/json"
  if with_body then h["Content-Type"] = "application/json" end
  client.header_cache[cache_key] = h
  return h
end

return _M
