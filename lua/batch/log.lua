-- Client events (the on_event of batch.new) as log lines. `batch.log.ngx{...}` is an on_event that writes
-- one line per event to nginx's error log; `batch.log.line(ev)` is the line itself, for any other logger.
-- Events carry no key (URLs and headers are redacted before on_event sees them), so neither do the lines.
local type, tostring, concat, format = type, tostring, table.concat, string.format

local _M = {}

-- "batch: response GET /1.1/***/campaigns/abc status=200 attempt=1 elapsed=0.012 request_id=..."
function _M.line(ev)
  local parts = { "batch:", tostring(ev.type) }
  if ev.method then parts[#parts + 1] = ev.method end
  if ev.url then parts[#parts + 1] = (tostring(ev.url):gsub("^%a[%w+.-]*://[^/]*", "")) end
  for _, k in ipairs{ "status", "error", "attempt", "delay", "bytes", "count", "reason", "request_id" } do
    local v = ev[k]
    if v ~= nil then parts[#parts + 1] = k .. "=" .. tostring(v) end
  end
  if type(ev.elapsed) == "number" then parts[#parts + 1] = format("elapsed=%.3f", ev.elapsed) end
  return (concat(parts, " "):gsub("%c", " "))
end

-- An on_event for nginx: ngx.log(level, line) for each event whose type is in `types` (all when nil).
-- opts: level (default ngx.INFO; failures and retries at ngx.WARN when `warn_failures` is not false),
-- types (a set: { response = true, retry = true }).
function _M.ngx(opts)
  local ngx = rawget(_G, "ngx")
  if type(ngx) ~= "table" or type(ngx.log) ~= "function" then
    error("batch.log.ngx: needs nginx's ngx.log (call it inside nginx: init_by_lua or later)", 2)
  end
  opts = opts or {}
  local level, types = opts.level or ngx.INFO, opts.types
  local warn = opts.warn_failures ~= false and ngx.WARN or level
  return function(ev)
    if types and not types[ev.type] then return end
    local failed = ev.error ~= nil or ev.type == "retry" or ev.type == "drop"
                   or (type(ev.status) == "number" and ev.status >= 400)
    ngx.log(failed and warn or level, _M.line(ev))
  end
end

return _M
