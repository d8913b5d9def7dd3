-- Profile exports (POST /2.x/profiles/export) and the Project Export API (view, list, download),
-- batch-api.md §4. Every call carries Authorization: Bearer and X-Batch-Project.
local Error = require "batch.error"
local http = require "batch.http"
local json = require "batch.json"
local validate = require "batch.validate"
local poll = require "batch.poll"
local download = require "batch.download"
local retry = require "batch.retry"
local rows = require "batch.rows"
local timeutil = require "batch.timeutil"

local setmetatable, type, ipairs, error, tostring, tonumber = setmetatable, type, ipairs, error, tostring, tonumber
local find, format, match = string.find, string.format, string.match
local remove, min = os.remove, math.min

local LOOKBACK = 90 * 86400                       -- events and reachability events: 90 days
local REACHABILITY_START = timeutil.parse("2024-10-10T00:00:00Z")  -- "data since October 10, 2024"

local function base(client) return client.opts.base_url .. "/" .. client.opts.api_version end

local deadline_of, call_opts = validate.deadline, validate.call_opts
local DOWNLOAD_OPTIONS = { on_progress = true, deadline = true, timeout = true }
local PARALLEL_OPTIONS = { on_progress = true, deadline = true, timeout = true, concurrency = true }
local DEFAULT_PART_CONCURRENCY = 4

local function is_object(v) return type(v) == "table" and (next(v) == nil or v[1] == nil) end
local function has_id(v) return is_object(v) and type(v.id) == "string" end

local function nonempty_strings(v)
  if type(v) ~= "table" or #v == 0 then return false end
  for _, s in ipairs(v) do if type(s) ~= "string" or s == "" then return false end end
  return true
end

------------------------------------------------------------------------------------------------------
-- client.profiles
------------------------------------------------------------------------------------------------------
local Profiles = {}
Profiles.__index = Profiles

-- Checks an export body before anything is sent. Returns true or nil, INVALID_ARGUMENT.
local function check_export_body(body, now_epoch)
  local t = body.export_type
  if type(t) ~= "string" or t == "" then
    return validate.invalid("profiles:export: export_type is required (e.g. \"ATTRIBUTES\")")
  end
  if t == "ATTRIBUTES" then
    if body.attributes == nil and body.identifiers == nil then
      return validate.invalid("profiles:export: an ATTRIBUTES export needs attributes and/or identifiers")
    end
    for _, k in ipairs{ "attributes", "identifiers" } do
      if body[k] ~= nil and not nonempty_strings(body[k]) then
        return validate.invalid("profiles:export: " .. k .. " must be a non-empty array of strings")
      end
    end
    return true
  end
  -- Event exports: a `from` older than the lookback is an error at Batch (batch-api.md §4.1).
  if body.from ~= nil then
    local from = timeutil.parse(body.from)
    if not from then
      return validate.invalid("profiles:export: from must be a date like 2024-10-10T00:00:00Z")
    end
    if from < now_epoch - LOOKBACK then
      return validate.invalid("profiles:export: from is older than the 90-day lookback of event exports")
    end
    if find(t, "REACHABILITY") and from < REACHABILITY_START then
      return validate.invalid("profiles:export: reachability events exist only since 2024-10-10")
    end
  end
  return true
end

-- client.profiles:export(body [, opts]) --> { id = "export_..." }, or nil, err
function Profiles:export(body, opts)
  validate.arg("profiles:export", "body", body, "table")
  call_opts("profiles:export", opts)
  local ok, err = check_export_body(body, os.time())
  if not ok then return nil, err end
  local text, jerr = json.encode(body)
  if not text then return validate.invalid("profiles:export: the body cannot be encoded as JSON: " .. jerr) end
  local c = self.client
  return http.call(c, { method = "POST", url = base(c) .. "/profiles/export", headers = http.headers(c, "2", true),
                        body = text, expect = { [200] = true, [201] = true, [202] = true },
                        shape = has_id, shape_name = "an object with id",
                        deadline = deadline_of(c, opts), timeout = opts and opts.timeout })
end

------------------------------------------------------------------------------------------------------
-- client.project_exports
------------------------------------------------------------------------------------------------------
local Exports = {}
Exports.__index = Exports

local function id_of(fname, x)
  if type(x) == "table" then x = x.id end
  if type(x) ~= "string" then error(fname .. ": expects an export id or the view get gave", 3) end
  if x == "" or #x > 128 or find(x, "[^%w_%-]") then
    return nil, Error.new{ name = "INVALID_ARGUMENT",
                           message = fname .. ": export id may hold only letters, digits, '_' and '-'" }
  end
  return x
end

-- GET the view; `deadline` is absolute (nil: none).
local function get_view(self, fname, id_or_view, opts, deadline)
  local id, err = id_of(fname, id_or_view)
  if not id then return nil, err end
  local c = self.client
  return http.call(c, { method = "GET", url = base(c) .. "/exports/view" .. http.query{ { "id", id } },
                        headers = http.headers(c, "2"), expect = { [200] = true },
                        shape = has_id, shape_name = "an object with id",
                        deadline = deadline, timeout = opts and opts.timeout })
end

-- client.project_exports:get(id [, opts]) --> view, or nil, err
function Exports:get(id_or_view, opts)
  call_opts("project_exports:get", opts)
  return get_view(self, "project_exports:get", id_or_view, opts, deadline_of(self.client, opts))
end

local LIST_OPTIONS = { from = true, limit = true, deadline = true, timeout = true }

-- One page; `deadline` is absolute (each's, fixed when the iterator was made), or nil for opts'.
local function list_page(self, fname, opts, deadline)
  opts = call_opts(fname, opts, LIST_OPTIONS) or {}
  validate.arg(fname, "from", opts.from, "string", true)
  local ok, err = validate.int_range(fname, "limit", opts.limit, 1, 100)
  if not ok then return nil, err end
  local c = self.client
  return http.call(c, {
    method = "GET", url = base(c) .. "/exports/list" .. http.query{ { "from", opts.from }, { "limit", opts.limit } },
    headers = http.headers(c, "2"), expect = { [200] = true },
    shape = function(v) return is_object(v) and type(v.exports) == "table" end,
    shape_name = "an object with exports", deadline = deadline or deadline_of(c, opts), timeout = opts.timeout })
end

-- client.project_exports:list{from=cursor, limit=10} --> { exports=, has_more=, next_from=, count= }
function Exports:list(opts)
  return list_page(self, "project_exports:list", opts)
end

local EACH_OPTIONS = { page_size = true, deadline = true, timeout = true }

-- client.project_exports:each{page_size=100} --> iterator over every export (cursor paging).
function Exports:each(opts)
  local fname = "project_exports:each"
  opts = call_opts(fname, opts, EACH_OPTIONS) or {}
  local deadline = deadline_of(self.client, opts)
  local page_size = opts.page_size or 100
  local ok, verr = validate.int_range(fname, "page_size", page_size, 1, 100)
  return coroutine.wrap(function()
    if not ok then coroutine.yield(false, verr) return end
    local cursor
    repeat
      local page, err = list_page(self, fname, { from = cursor, limit = page_size, timeout = opts.timeout }, deadline)
      if not page then coroutine.yield(false, err) return end
      for _, e in ipairs(page.exports) do coroutine.yield(e) end
      cursor = page.next_from
    until not page.has_more or type(cursor) ~= "string" or cursor == ""
  end)
end

-- client.project_exports:wait(id, opts) --> final view (SUCCESS), or nil, err (EXPORT_FAILED, WAIT_TIMEOUT,
-- CANCELLED, or a non-retryable API error). opts are batch.poll's.
function Exports:wait(id_or_view, opts)
  local id, err = id_of("project_exports:wait", id_or_view)
  if not id then return nil, err end
  return http.safe_error(self.client, poll.poll(function(remaining)
    local view, gerr = self:get(id, { deadline = remaining })
    if not view then return nil, gerr end
    if view.status == "SUCCESS" then return true, view end
    if view.status == "ERROR" then
      local why = view.error_message or view.error or view.message
      return nil, Error.new{ name = "EXPORT_FAILED", export = view,
                             message = type(why) == "string" and why or "the export failed" }
    end
    return false, view
  end, opts, self.client))
end

-- The file name of a part, "<export id>-part<N>.json". N is files[i].part when it is a whole number from 1
-- to 100000, else i (a part that is not a number must not raise).
local function part_name(view, file, i)
  local n = tonumber(file.part)
  if not (n and n % 1 == 0 and n >= 1 and n <= 100000) then n = i end
  return format("%s-part%d.json", view.id, n)
end

-- The id and the parts of a view come from the server and become file names: an id that is not
-- [A-Za-z0-9_-] (one like "../x" would climb out of dir), a file that is not an object, or two files with
-- one name make the view INVALID_RESPONSE. Returns true, or nil and the error.
local function check_files(fname, view)
  local id = view.id
  local function invalid(why)
    return nil, Error.new{ name = "INVALID_RESPONSE", export = view, message = fname .. ": " .. why }
  end
  if type(id) ~= "string" or id == "" or #id > 128 or find(id, "[^%w_%-]") then
    return invalid("the export id may hold only letters, digits, '_' and '-'")
  end
  local seen = {}
  for i, file in ipairs(view.files) do
    if type(file) ~= "table" then return invalid(format("files[%d] is not an object", i)) end
    local name = part_name(view, file, i)
    if seen[name] then return invalid(format("two files are named %s", name)) end
    seen[name] = true
  end
  return true
end

-- The view of a finished export: the table given when it has files, else a fresh get.
local function finished_view(self, fname, id_or_view, opts, deadline)
  local view = id_or_view
  if not (type(view) == "table" and view.status == "SUCCESS" and type(view.files) == "table") then
    local err
    view, err = get_view(self, fname, id_or_view, opts, deadline)
    if not view then return nil, err end
    if view.status ~= "SUCCESS" or type(view.files) ~= "table" then
      return nil, Error.new{ name = "INVALID_ARGUMENT", export = view,
                             message = fname .. ": the export is not ready (status " .. tostring(view.status) .. ")" }
    end
  end
  local ok, err = check_files(fname, view)
  if not ok then return nil, err end
  return view
end

-- Signed link of one file part: GET files[].url with credentials, read the 307's Location.
local function link_of(self, file, opts, deadline)
  local c = self.client
  local url, err = download.on_base(c, file.url)
  if not url then return nil, err end
  return download.link(c, url, http.headers(c, "2"), 307, "project_exports:download", deadline,
                       opts and opts.timeout)
end

-- The signed links of view.files[i] for every i in `which`, asked in parallel (call_many).
-- Returns urls, errs: tables by file index.
local function links_of(self, files, which, opts, deadline, concurrency)
  local c = self.client
  local calls, idx, urls, errs = {}, {}, {}, {}
  for _, i in ipairs(which) do
    local url, err = download.on_base(c, files[i].url)
    if url then
      calls[#calls + 1] = { method = "GET", url = url, headers = http.headers(c, "2"), expect = { [307] = true },
                            raw = true, deadline = deadline, timeout = opts.timeout }
      idx[#calls] = i
    else
      errs[i] = err
    end
  end
  local res, e = http.call_many(c, calls, concurrency)
  for k, i in ipairs(idx) do
    if res[k] then
      res[k].url = calls[k].url
      urls[i], errs[i] = download.read_location(c, res[k], "project_exports:download")
    else
      errs[i] = e[k]
    end
  end
  return urls, errs
end

local EXPIRED = { [403] = true, [404] = true, [410] = true }  -- what storage says of a stale link
local STEP = 0.25  -- seconds of transfer between two progress reports

-- The error fields of a failed part transfer (as download.fetch makes them).
local function part_error(c, url, res, terr, attempt)
  local e
  if res then
    e = { name = res.status == 429 and "TOO_MANY_REQUESTS" or "HTTP_ERROR", status = res.status,
          body = http.redact(c, res.body), message = format("storage answered HTTP %d", res.status) }
    e.retry_after = retry.parse_retry_after(res.headers and res.headers["retry-after"], os.time())
  else
    e = { name = Error.transport_name(terr), message = http.redact(c, terr.message), sent = terr.sent }
  end
  e.retryable = e.name ~= "IO_ERROR" and retry.retryable("GET", e)
  -- the signed link's query is its signature: keep only scheme, host and path
  e.method, e.url, e.attempts = "GET", http.redact(c, match(url, "^[^?#]*")), attempt
  return e
end

-- Every part at once, at most `concurrency` transfers in flight on the C core's pool (request_many with
-- sinks): links asked in parallel, each part streamed to "<path>.part" and renamed when whole; a failed
-- part is retried (a stale link refreshed once) in the next round, like download.fetch does for one.
-- on_progress(done, total) sees the bytes of all parts (total: the sum of the view's sizes).
local function download_parallel(self, view, dir, opts, deadline, concurrency)
  local c = self.client
  local handle = c.shared.handle
  local files, o = view.files, c.opts
  local paths, out, errs, attempts, refreshed, last = {}, {}, {}, {}, {}, {}
  local all, total = {}, 0
  for i, file in ipairs(files) do
    paths[i] = dir .. "/" .. part_name(view, file, i)
    all[i], attempts[i] = i, 0
    local size = tonumber(file.size)
    total = (total and size) and total + size or nil
  end
  local urls, lerrs = links_of(self, files, all, opts, deadline, concurrency)
  local pending = {}
  for i = 1, #files do
    if urls[i] then pending[#pending + 1] = i else errs[i] = lerrs[i] end
  end
  local on_progress, finished_bytes = opts.on_progress, 0
  while #pending > 0 do
    local timeout = opts.timeout or 0
    if deadline then
      local left = deadline - c.now()
      if left <= 0 then
        for _, i in ipairs(pending) do
          errs[i] = Error.new(last[i] or { name = "TIMEOUT", retryable = true, method = "GET", attempts = attempts[i],
                                           message = "the deadline passed before the download was sent" })
        end
        break
      end
      timeout = timeout > 0 and min(timeout, left) or left
    end
    local reqs = {}
    for k, i in ipairs(pending) do
      attempts[i] = attempts[i] + 1
      reqs[k] = { method = "GET", url = urls[i], headers = {}, sink = paths[i] .. ".part", timeout = timeout,
                  connect_timeout = timeout > 0 and min(o.connect_timeout, timeout) or o.connect_timeout,
                  low_speed_time = o.timeout, low_speed_limit = 1 }
    end
    local started = c.now()
    handle:start_many(reqs, { concurrency = concurrency })
    if on_progress then
      local seen = -1
      while true do
        local done, bytes = handle:step_many(STEP)
        if done then break end
        if bytes ~= seen then
          seen = bytes
          if on_progress(finished_bytes + bytes, total) == false then
            handle:abort_many()
            for _, i in ipairs(pending) do remove(paths[i] .. ".part") end
            return nil, Error.new{ name = "CANCELLED", message = "the download was cancelled by on_progress" }
          end
        end
      end
    end
    local ress, terrs = handle:finish_many()
    local again, relink, delay = {}, {}, 0
    for k, i in ipairs(pending) do
      local res, terr, part = ress[k], terrs[k], paths[i] .. ".part"
      http.emit(c, { type = "download", method = "GET", url = http.redact(c, match(urls[i], "^[^?#]*")),
                     attempt = attempts[i], status = res and res.status, bytes = res and res.bytes,
                     elapsed = c.now() - started, error = terr and Error.transport_name(terr) })
      if res and res.status >= 200 and res.status < 300 then
        local ok, why = c.core.commit(part, paths[i])
        if ok then
          out[i] = { path = paths[i], bytes = res.bytes, part = files[i].part or i }
          finished_bytes = finished_bytes + res.bytes
        else
          remove(part)
          errs[i] = Error.new{ name = "IO_ERROR", message = tostring(why),
                               attempts = attempts[i] }
        end
      else
        remove(part)
        if res and EXPIRED[res.status] and not refreshed[i] then
          refreshed[i] = true -- the link expired (20 min for Batch): a new one, once
          relink[#relink + 1] = i
        else
          local e = part_error(c, urls[i], res, terr, attempts[i])
          if not e.retryable or attempts[i] >= o.max_retries + 1 then
            errs[i] = Error.new(e)
          else
            last[i] = e
            again[#again + 1] = i
            local d = retry.delay(attempts[i], e)
            if d > delay then delay = d end
          end
        end
      end
    end
    if #relink > 0 then
      local fresh, ferrs = links_of(self, files, relink, opts, deadline, concurrency)
      for _, i in ipairs(relink) do
        if fresh[i] then urls[i] = fresh[i]; again[#again + 1] = i else errs[i] = ferrs[i] end
      end
    end
    if delay > 0 and #again > 0 then
      if deadline and c.now() + delay >= deadline then
        for _, i in ipairs(again) do errs[i] = Error.new(last[i] or { name = "TIMEOUT", method = "GET" }) end
        break
      end
      for _, i in ipairs(again) do
        if last[i] then
          http.emit(c, { type = "retry", method = "GET", url = last[i].url, attempt = attempts[i], delay = delay,
                         status = last[i].status, error = last[i].name })
        end
      end
      c.sleep(delay)
    end
    pending = again
  end
  for i = 1, #files do
    if errs[i] then return nil, errs[i] end
  end
  if on_progress then on_progress(finished_bytes, total or finished_bytes) end
  return out
end

-- client.project_exports:download(id_or_view, dir, opts) --> array of { path=, bytes=, part= }, or nil, err.
-- Each file is whole or absent; parts already written stay when another part fails (the error is the one
-- of the first failing part). `deadline` bounds the whole download, every part included. With the "curl"
-- and "ngx" transports, parts download in parallel, at most `concurrency` (default 4) at a time.
function Exports:download(id_or_view, dir, opts)
  local fname = "project_exports:download"
  validate.arg(fname, "dir", dir, "string")
  call_opts(fname, opts, PARALLEL_OPTIONS)
  local concurrency = opts and opts.concurrency or DEFAULT_PART_CONCURRENCY
  if type(concurrency) ~= "number" or concurrency % 1 ~= 0 or concurrency < 1 or concurrency > 1024 then
    error(fname .. ": concurrency must be a whole number from 1 to 1024", 2)
  end
  local deadline = deadline_of(self.client, opts)
  local view, err = finished_view(self, fname, id_or_view, opts, deadline)
  if not view then return nil, err end
  local c = self.client
  if concurrency > 1 and #view.files > 1 and c.shared.handle and c.transport == c.shared.transport then
    return download_parallel(self, view, dir, opts or {}, deadline, concurrency)
  end
  local out, errs, failed = {}, {}, false
  local function one(i)
    if failed then return end -- a part failed: start no other
    local file = view.files[i]
    local path = dir .. "/" .. part_name(view, file, i)
    local res, ferr = download.fetch(c, function() return link_of(self, file, opts, deadline) end, path, opts,
                                     deadline)
    if res then
      out[i] = { path = res.path, bytes = res.bytes, part = file.part or i }
    else
      errs[i], failed = ferr, true
    end
  end
  -- inside nginx, the parts on light threads (their transfers run in nginx's thread pool at once)
  if concurrency == 1 or #view.files < 2 or not http.on_light_threads(c, #view.files, concurrency, one) then
    for i = 1, #view.files do one(i) end
  end
  for i = 1, #view.files do
    if errs[i] then return nil, errs[i] end
  end
  return out
end

-- client.project_exports:records(id_or_view, opts) --> iterator over the JSON records of every part.
function Exports:records(id_or_view, opts)
  local fname = "project_exports:records"
  opts = call_opts(fname, opts, DOWNLOAD_OPTIONS) or {}
  local deadline = deadline_of(self.client, opts)
  local view, err = finished_view(self, fname, id_or_view, opts, deadline)
  if not view then
    return coroutine.wrap(function() coroutine.yield(false, err) end)
  end
  return rows.records(view.files, function(file, path)
    return download.fetch(self.client, function() return link_of(self, file, opts, deadline) end, path,
                          { on_progress = opts.on_progress, timeout = opts.timeout }, deadline)
  end)
end

local _M = {}
function _M.profiles(client) return setmetatable({ client = client }, Profiles) end
function _M.project_exports(client) return setmetatable({ client = client }, Exports) end
return _M
