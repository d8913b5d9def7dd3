-- The request log (GET /_mock/log): every API request as seen by the emulator, oldest first.
-- Entries are JSON strings in the batch_mock_log shared dict under their sequence number; only
-- the last MAX are kept. The counters live in batch_mock_ctl, which never fills up: "log:seq" is the
-- last number given, "log:first" the first one not cleared. Should the log dict fill up (huge bodies),
-- nginx evicts its oldest entries and the list skips them.
local ngx = ngx
local json = require "batch_mock.json"

local type, pairs, tonumber, tostring = type, pairs, tonumber, tostring
local concat = table.concat

local _M = {}

_M.MAX = 10000

local function dict() return ngx.shared.batch_mock_log end
local function ctl() return ngx.shared.batch_mock_ctl end

-- Records the current request. Header names come lower-cased from ngx.req.get_headers; a repeated
-- header is joined with ", ".
function _M.append(method, uri, body)
  local d = dict()
  local headers = ngx.req.get_headers(200)
  for k, v in pairs(headers) do
    if type(v) == "table" then headers[k] = concat(v, ", ") end
  end
  local seq = ctl():incr("log:seq", 1, 0)
  local var = ngx.var
  local entry = json.fast_encode{
    seq = seq,
    method = method,
    path = uri,
    query = var.args or "",
    headers = headers,
    body = body or "",
    connection = tonumber(var.connection),
    connection_requests = tonumber(var.connection_requests),
    raw_path = var.request_uri:match("^[^?]*"),
    worker = ngx.worker.pid(),
    scheme = var.scheme,
    time = ngx.req.start_time(), -- when the request arrived (seconds, to the millisecond)
  }
  d:set(tostring(seq), entry)
  if seq > _M.MAX then d:delete(tostring(seq - _M.MAX)) end
end

-- The log as a JSON array string.
function _M.list()
  local d, c = dict(), ctl()
  local last = c:get("log:seq") or 0
  local first = c:get("log:first") or 1
  if last - _M.MAX + 1 > first then first = last - _M.MAX + 1 end
  local out, n = {}, 0
  for i = first, last do
    local e = d:get(tostring(i))
    if e then
      n = n + 1
      out[n] = e
    end
  end
  return "[" .. concat(out, ",", 1, n) .. "]"
end

-- Empties the log; sequence numbers keep growing so that an old entry is never mistaken for a new one.
function _M.clear()
  local d, c = dict(), ctl()
  c:set("log:first", (c:get("log:seq") or 0) + 1)
  d:flush_all()
  d:flush_expired()
end

return _M
