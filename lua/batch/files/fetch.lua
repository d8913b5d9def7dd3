-- Fetching Batch's files: the signed link of a file comes from the API (a 302 or 307 Location read with
-- credentials); the file itself is fetched with NO Batch credential, streamed into a temporary file of
-- its own (batch.files.temp) and put in place only when whole, so a file is either complete or absent.
-- One fetcher for every download: the 1.0 CSV (one part), the parts of a 2.x export (in parallel), and
-- what rows and records read (private temporary files). Attempts, retries and the deadline are the
-- engine's; what a storage answer means is read here.
local Error = require "batch.error"
local api = require "batch.api"
local engine = require "batch.engine"
local redact = require "batch.redact"
local temp = require "batch.files.temp"
local callback = require "batch.callback"

local type, ipairs, pcall, error, tonumber, tostring = type, ipairs, pcall, error, tonumber, tostring
local match, find, format, lower, min = string.match, string.find, string.format, string.lower, math.min
local remove = os.remove

local _M = {}

local EXPIRED = { [403] = true, [404] = true, [410] = true }  -- what storage says of a stale link

-- The origin ("https://host:port") of an absolute http(s) URL, or nil.
local function origin(url)
  return match(url, "^(https?://[^/?#]+)")
end

-- The signed link of a redirect answer of the API (a route whose result is "redirect"). Only http(s)
-- links are accepted, and from an https base_url only https ones: a plain http link would hand the
-- signed link and the file to the network (a downgrade). Returns url, or nil and an error.
function _M.read_location(client, res, what)
  local loc = res.headers and res.headers["location"]
  local function refuse(why)
    return nil, Error.response(what .. ": " .. why, { status = res.status, method = "GET",
                                                      url = redact.text(client, res.url) })
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

-- Asks a link route (exports.link, project_exports.link) for the signed link of the API URL `url`.
function _M.link(client, route, url, opts, deadline)
  local on_base, err = api.on_base(client, url)
  if not on_base then return nil, err end
  local res
  res, err = api.request(client, route, { url = on_base }, opts, deadline)
  if not res then return nil, err end
  return _M.read_location(client, res, route.lua)
end

local function cancelled()
  return Error.cancelled_fields("the download was cancelled by on_progress")
end

-- The request of a part's attempt: a new temporary file each time (the C core creates it exclusively).
local function part_request(job, timeout)
  if job.done.cancelled then return nil, cancelled() end
  local part, o = job.part, job.client.opts
  job.tmp = part.path and temp.beside(part.path) or temp.private(part.ext)
  return { method = "GET", url = job.url, headers = {}, sink = job.tmp, timeout = timeout,
           connect_timeout = timeout > 0 and min(o.connect_timeout, timeout) or o.connect_timeout,
           low_speed_time = o.timeout, low_speed_limit = 1 }
end

-- What storage's answer to a part means: the part (whole, in place), or error fields.
local function part_classify(job, res)
  local part, tmp, client = job.part, job.tmp, job.client
  local status = res.status
  if status >= 200 and status < 300 then
    if job.done.cancelled then
      remove(tmp)
      return nil, cancelled()
    end
    local length = tonumber(res.headers and res.headers["content-length"])
    if length and res.bytes ~= length then
      remove(tmp)
      return nil, Error.failure{ kind = "network", sent = true,
                                 message = format("storage sent %d bytes where Content-Length said %d",
                                                  res.bytes or 0, length) }
    end
    local done = job.done
    done.bytes, done.parts = done.bytes + (res.bytes or 0), done.parts + 1
    -- on_progress once more as each part is whole, before it is put in place: false still cancels
    local report = done.report
    if report and report(done.bytes, done.parts == done.of and done.bytes or nil) == false then
      remove(tmp)
      done.cancelled = true
      return nil, cancelled()
    end
    if not part.path then return { path = tmp, bytes = res.bytes } end
    local ok, why = temp.commit(tmp, part.path)
    if ok then return { path = part.path, bytes = res.bytes } end
    remove(tmp)
    return nil, Error.io("cannot put the download at " .. part.path .. ": " .. tostring(why),
                         { attempts = job.attempts })
  end
  remove(tmp) -- a function transport may have written the error body there
  if EXPIRED[status] and part.renew and not job.renewed then
    -- the link expired (Batch: after 20 minutes): ask the API for a new one, once
    job.renewed = true
    local url, err = part.renew()
    if not url then return nil, err end
    job.url, job.shown = url, redact.link(client, url)
    local e = Error.storage(status, format("storage answered HTTP %d: the link expired", status))
    e.again = true
    return nil, e
  end
  local e = Error.storage(status, format("storage answered HTTP %d", status))
  e.body = res.body
  return nil, e
end

local function part_failed(job)
  if job.tmp then remove(job.tmp) end
end

-- fetch(client, parts, opts): every part at once (at most opts.concurrency in flight, default 1).
--   parts[i] = { url = signed link, renew = function() -> url | nil, err (a new link), path = where the
--                file goes (nil: a private temporary file, for the caller to remove), ext = its suffix }
--   opts = { on_progress(done, total), timeout (per attempt; default none: stalls are caught by the
--            client's timeout as a low-speed limit), deadline (absolute), concurrency, total (bytes) }
-- Returns out[i] = { path, bytes } for every part, or nil and the error of the first part that failed
-- (parts already in place stay). on_progress sees the bytes of every part together.
function _M.fetch(client, parts, opts)
  local jobs = {}
  -- what the parts share: the bytes and the number of those already whole, whether the caller cancelled
  local done = { bytes = 0, parts = 0, of = #parts }
  for i, part in ipairs(parts) do
    jobs[i] = { client = client, part = part, done = done, method = "GET", url = part.url,
                shown = redact.link(client, part.url), write = false, deadline = opts.deadline,
                timeout = opts.timeout or 0, event = "download",
                request = part_request, classify = part_classify, failed = part_failed }
  end
  local user, known = opts.on_progress, opts.total
  local on_progress
  if user then
    done.report = function(bytes, total)
      return callback.call("on_progress", user, bytes, known or total)
    end
    -- the transport counts the bytes of the round in flight; the parts of earlier rounds are in `done`
    local base = 0
    on_progress = function(bytes, total)
      if done.report(base + bytes, total and base + total) == false then
        done.cancelled = true
        return false
      end
    end
    for _, job in ipairs(jobs) do
      job.request = function(j, timeout)
        base = done.bytes
        return part_request(j, timeout)
      end
    end
  end
  local run_opts = { concurrency = opts.concurrency or 1, on_progress = on_progress }
  local ok, raised = pcall(engine.run, client, jobs, run_opts)
  if not ok then
    for _, job in ipairs(jobs) do
      if job.tmp and not (job.value and job.value.path == job.tmp) then remove(job.tmp) end
    end
    error(raised, 0)
  end
  local out = {}
  for i, job in ipairs(jobs) do
    if not job.value then
      for k, other in ipairs(jobs) do -- private temporary files are of no use to the caller now
        if other.value and not parts[k].path then remove(other.value.path) end
      end
      return nil, job.err
    end
    out[i] = job.value
  end
  return out
end

return _M
