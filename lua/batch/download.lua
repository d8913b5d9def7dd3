-- Fetching Batch's signed links. The link comes from the API (a 302 or 307 Location read with
-- credentials); the file itself is fetched with NO Batch credential, streamed to `path .. ".part"`, and
-- renamed to `path` only when complete, so `path` is either whole or absent.
local Error = require "batch.error"
local http = require "batch.http"
local retry = require "batch.retry"

local type, tostring, remove = type, tostring, os.remove
local match, find, format, lower, min = string.match, string.find, string.format, string.lower, math.min

local _M = {}

local EXPIRED = { [403] = true, [404] = true, [410] = true }  -- what storage says of a stale link
local STEP = 0.25  -- seconds of transfer between two progress reports

-- The origin ("https://host:port") of an absolute http(s) URL, or nil.
local function origin(url)
  return match(url, "^(https?://[^/?#]+)")
end
_M.origin = origin

-- Puts an API URL that Batch hands out (file_url, files[].url) on the client's base URL, so that
-- credentials only ever go to base_url's host. Returns the URL, or nil and an error.
function _M.on_base(client, url)
  if type(url) ~= "string" or not origin(url) then
    return nil, Error.new{ name = "INVALID_RESPONSE", message = "the export has no download URL" }
  end
  local rest = match(url, "^https?://[^/?#]+(.*)$")
  return client.opts.base_url .. rest
end

-- Reads the signed link from a redirect answer of the API (`status` is 302 for 1.0, 307 for 2.x).
-- Returns url, or nil and an error. Only http(s) links are accepted, and from an https base_url only
-- https ones: a plain http link would hand the signed link and the file to the network (a downgrade).
function _M.read_location(client, res, what)
  local loc = res.headers and res.headers["location"]
  local function refuse(why)
    return nil, Error.new{ name = "INVALID_RESPONSE", status = res.status, message = what .. ": " .. why,
                           method = "GET", url = http.redact(client, res.url) }
  end
  if type(loc) ~= "string" or loc == "" then return refuse("the redirect has no Location header") end
  if find(loc, "^/") then loc = origin(client.opts.base_url) .. loc end
  local scheme = match(loc, "^(%a[%w+.-]*)://[^/?#]")
  scheme = scheme and lower(scheme)
  if scheme ~= "http" and scheme ~= "https" then return refuse("the redirect is not to an http(s) URL") end
  if scheme == "http" and find(client.opts.base_url, "^https:") then
    return refuse("the redirect goes from https to plain http (refused)")
  end
  return loc
end

-- Asks the API for a signed link: GET `url` with `headers`, expecting `status` and a Location.
function _M.link(client, url, headers, status, what, deadline, timeout)
  local res, err = http.call(client, { method = "GET", url = url, headers = headers, timeout = timeout,
                                       expect = { [status] = true }, raw = true, deadline = deadline })
  if not res then return nil, err end
  res.url = url
  return _M.read_location(client, res, what)
end

local function cancelled()
  return nil, { name = "CANCELLED", message = "the download was cancelled by on_progress" }
end

-- One transfer of `url` into `part`. Returns the transport's response, or nil and error fields.
-- `timeout` is the attempt's total timeout (0: none; stalls are caught by the low-speed limit).
local function transfer(client, url, part, opts, timeout)
  local req = { method = "GET", url = url, headers = {}, sink = part,
                timeout = timeout, connect_timeout = timeout > 0 and min(client.opts.connect_timeout, timeout)
                  or client.opts.connect_timeout,
                low_speed_time = client.opts.timeout, low_speed_limit = 1 }
  local handle = client.shared.handle
  local on_progress = opts.on_progress
  if not (handle and on_progress) then
    local res, err = client.transport(req)
    local ok2xx = res and res.status >= 200 and res.status < 300
    if ok2xx and on_progress and on_progress(res.bytes, res.bytes) == false then
      return cancelled()
    end
    return res, err
  end
  handle:start_many({ req }, { concurrency = 1 })
  local last = -1
  while true do
    local done, now, _, total = handle:step_many(STEP)
    if now ~= last and not done then
      last = now
      if on_progress(now, total) == false then
        handle:abort_many()
        return cancelled()
      end
    end
    if done then break end
  end
  local ress, errs = handle:finish_many()
  local res, err = ress[1], errs[1]
  if res and res.status >= 200 and res.status < 300 and on_progress(res.bytes, res.bytes) == false then
    return cancelled()
  end
  return res, err
end

-- The URL of a signed link as it may be shown: without its query (the signature), keys redacted.
local function shown(client, url)
  return http.redact(client, match(url, "^[^?#]*"))
end

-- fetch(client, get_link, path, opts, deadline): get_link() gives a fresh signed URL (or nil, err).
-- opts: on_progress(done, total) (false cancels), timeout (per attempt; default none, stalls are caught
-- by the client's timeout as a low-speed limit). `deadline` (absolute, on client.now's clock, or nil)
-- bounds every attempt and backoff. Returns { path=, bytes= } or nil, err.
function _M.fetch(client, get_link, path, opts, deadline)
  opts = opts or {}
  local part = path .. ".part"
  local url, err = get_link()
  if not url then return nil, err end
  local refreshed, attempt = false, 0
  local max_attempts = client.opts.max_retries + 1
  local last
  while true do
    local timeout = opts.timeout or 0
    if deadline then
      local left = deadline - client.now()
      if left <= 0 then
        local e = last or { name = "TIMEOUT", message = "the deadline passed before the download was sent" }
        e.method, e.url, e.attempts = "GET", shown(client, url), attempt
        e.retryable = e.retryable or e.name == "TIMEOUT"
        return nil, Error.new(e)
      end
      timeout = timeout > 0 and min(timeout, left) or left
    end
    attempt = attempt + 1
    local started = client.now()
    local res, terr = transfer(client, url, part, opts, timeout)
    local e
    http.emit(client, { type = "download", method = "GET", url = shown(client, url), attempt = attempt,
                        status = res and res.status, bytes = res and res.bytes, elapsed = client.now() - started,
                        error = terr and Error.transport_name(terr) })
    if res and res.status >= 200 and res.status < 300 then
      local ok, why = client.core.commit(part, path)
      if ok then return { path = path, bytes = res.bytes } end
      remove(part)
      return nil, Error.new{ name = "IO_ERROR", message = tostring(why),
                             attempts = attempt }
    end
    remove(part)
    if res and EXPIRED[res.status] and not refreshed then
      -- The link expired (20 min for Batch): ask the API for a new one, once.
      refreshed = true
      url, err = get_link()
      if not url then return nil, err end
    else
      if res then
        e = { name = "HTTP_ERROR", status = res.status, body = http.redact(client, res.body),
              message = format("storage answered HTTP %d", res.status) }
        e.retry_after = retry.parse_retry_after(res.headers and res.headers["retry-after"], os.time())
      else
        e = { name = Error.transport_name(terr), message = http.redact(client, terr.message), sent = terr.sent }
      end
      if e.status == 429 then e.name = "TOO_MANY_REQUESTS" end
      local again = e.name ~= "CANCELLED" and e.name ~= "IO_ERROR" and retry.retryable("GET", e)
      -- The signed link's query is its signature: keep only scheme, host and path.
      e.method, e.url, e.attempts, e.retryable = "GET", shown(client, url), attempt, again
      if not again or attempt >= max_attempts then return nil, Error.new(e) end
      local delay = retry.delay(attempt, e)
      if deadline and client.now() + delay >= deadline then return nil, Error.new(e) end
      http.emit(client, { type = "retry", method = "GET", url = e.url, attempt = attempt, delay = delay,
                          status = e.status, error = e.name })
      client.sleep(delay)
      last = e
    end
  end
end

return _M
