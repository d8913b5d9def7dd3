-- `--debug` and BATCH_DEBUG=http: each HTTP exchange on stderr, from the library's on_event, in the
-- style of `curl -v`:
--   > GET https://api.batch.com/1.1/***/campaigns/list?limit=3 (attempt 1)
--   > X-Authorization: ***
--   < 200 GET https://api.batch.com/1.1/***/campaigns/list?limit=3 in 41.2 ms
--   < content-type: application/json
--   * retry in 0.61 s after HTTP 503
-- Every key is redacted: the library redacts URLs and headers, the credential headers are masked here
-- whatever they hold, and each line goes through the redaction of every key the CLI knows.
local type, pairs, tostring, ipairs = type, pairs, tostring, ipairs
local format, lower = string.format, string.lower
local sort = table.sort
local unpack = table.unpack or unpack  -- luacheck: ignore 143
local core = require "batch.core"

local _M = {}

local CREDENTIAL_HEADERS = { authorization = true, ["x-authorization"] = true, ["x-batch-project"] = true }

local function header_lines(prefix, headers)
  if type(headers) ~= "table" then return {} end
  local names = {}
  for k in pairs(headers) do names[#names + 1] = tostring(k) end
  sort(names, function(a, b) return lower(a) < lower(b) end)
  local lines = {}
  for i, name in ipairs(names) do
    local v = CREDENTIAL_HEADERS[lower(name)] and "***" or tostring(headers[name])
    lines[i] = prefix .. name .. ": " .. v
  end
  return lines
end

local function ms(s)
  return format("%.1f ms", (s or 0) * 1000)
end

-- The lines of one event (nil for an event kind not shown).
function _M.lines(ev)
  local out
  local id = ev.request_id and (" (request id " .. tostring(ev.request_id) .. ")") or ""
  if ev.type == "request" then
    out = { format("> %s %s (attempt %s)", tostring(ev.method), tostring(ev.url), tostring(ev.attempt or 1)) }
    for _, l in ipairs(header_lines("> ", ev.headers)) do out[#out + 1] = l end
  elseif ev.type == "response" or ev.type == "download" then
    local what = ev.status and tostring(ev.status) or tostring(ev.error or "no answer")
    local size = ev.bytes and format(", %d bytes", ev.bytes) or ""
    out = { format("< %s %s %s in %s%s%s", what, tostring(ev.method), tostring(ev.url), ms(ev.elapsed), size, id) }
    for _, l in ipairs(header_lines("< ", ev.headers)) do out[#out + 1] = l end
  elseif ev.type == "retry" then
    local why = ev.status and ("HTTP " .. tostring(ev.status)) or tostring(ev.error)
    out = { format("* retry of %s %s in %.2f s after %s", tostring(ev.method), tostring(ev.url), ev.delay or 0, why) }
  elseif ev.type == "poll" then
    out = { format("* poll %s: %s", tostring(ev.attempt or ""), tostring(ev.status or "")) }
  end
  return out
end

-- An on_event function writing to `stream` (io.stderr); `secrets` are redacted from every line.
-- `next_handler` (optional) gets every event too.
function _M.handler(stream, secrets, next_handler)
  return function(ev)
    local lines = _M.lines(ev)
    if lines then
      local text = table.concat(lines, "\n") .. "\n"
      if #secrets > 0 then text = core.redact(text, unpack(secrets)) end
      stream:write(text)
      stream:flush()
    end
    if next_handler then next_handler(ev) end
  end
end

-- The debug level asked for: "trace" (also tracebacks), "http", or nil.
function _M.level(opts)
  local v = os.getenv("BATCH_DEBUG")
  if v == "trace" then return "trace" end
  if opts.debug or v == "http" or v == "1" then return "http" end
  return nil
end

return _M
