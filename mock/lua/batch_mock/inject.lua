-- Sends the answer of an injected fault (see faults.lua for how one is chosen).
--   status/body      that answer instead of the real one (a status alone gets Batch's error body, or an
--                    S3-like XML error on /_storage/ paths)
--   action=drop      close the connection without any response (nginx's 444)
--   action=truncate  the real answer's headers, a Content-Length larger than what follows, then close
--   action=bad_json  200 (or status) with a body that is not JSON
--   action=empty     200 (or status) with an empty body
--   action=stall     headers and half the body, then `delay` seconds, then the rest
--   delay alone      wait, then the real answer
-- drop, status, bad_json and empty do not process the request; truncate, stall and a pure delay do.
-- truncate and stall also work on streamed answers (storage downloads).
local ngx = ngx
local http = require "batch_mock.http"
local errors = require "batch_mock.errors"

local pairs, type, floor, sub = pairs, type, math.floor, string.sub

local _M = {}

_M.BAD_JSON = '{"campaign_token": "3396955c1a7fe0005d76973fca00b44a", "detail": [{"date": '

local function fault_headers(f, headers)
  local h = {}
  if headers then
    for k, v in pairs(headers) do h[k] = v end
  end
  if f.headers then
    for k, v in pairs(f.headers) do h[k] = v end
  end
  if f.retry_after then h["Retry-After"] = f.retry_after end
  return h
end

-- Sends headers with the full Content-Length but only the first half of the body (a string or a
-- stream, see http.pump). Returns a function that sends the rest.
local function send_half(status, body, headers)
  ngx.status = status
  local h = ngx.header
  h["Content-Type"] = "application/json"
  for k, v in pairs(headers) do h[k] = v end
  if type(body) == "table" then
    h["Content-Length"] = body.length
    http.pump(body, floor(body.length / 2))
    ngx.flush(true)
    return function() return http.pump(body) end
  end
  if body == "" then body = "{}" end
  h["Content-Length"] = #body
  local half = floor(#body / 2)
  ngx.print(sub(body, 1, half))
  ngx.flush(true)
  return function() return ngx.print(sub(body, half + 1)) end
end

-- f: the fault; uri: the request path; answer(): the real answer (status, body, headers).
function _M.apply(f, uri, answer)
  local action = f.action
  if f.delay and action ~= "stall" then ngx.sleep(f.delay) end

  if action == "drop" then
    return ngx.exit(444)
  elseif action == "truncate" or action == "stall" then
    local status, body, headers = answer()
    local rest = send_half(f.status or status, f.body or body, fault_headers(f, headers))
    if action == "truncate" then return ngx.exit(444) end
    ngx.sleep(f.delay or 1)
    return rest()
  elseif action == "bad_json" then
    return http.send(f.status or 200, f.body or _M.BAD_JSON, fault_headers(f))
  elseif action == "empty" then
    return http.send(f.status or 200, "", fault_headers(f))
  elseif f.status or f.body then
    local status = f.status or 200
    if f.body then return http.send(status, f.body, fault_headers(f)) end
    local body, content_type = errors.body_for_status(status, uri)
    return http.send(status, body, fault_headers(f, { ["Content-Type"] = content_type }))
  end
  -- a pure delay (and/or extra headers): the real answer
  local status, body, headers = answer()
  return http.send(status, body, fault_headers(f, headers))
end

return _M
