-- Export API 1.0: CSV exports of a push or in-app campaign's events or ids (batch-api.md §3).
local Error = require "batch.error"
local http = require "batch.http"
local json = require "batch.json"
local validate = require "batch.validate"
local poll = require "batch.poll"
local download = require "batch.download"
local rows = require "batch.rows"

local setmetatable, type, ipairs, error, tostring = setmetatable, type, ipairs, error, tostring
local find, match, format = string.find, string.match, string.format

local Exports = {}
Exports.__index = Exports

local OK_CREATE = { [200] = true, [201] = true }
local OK_200 = { [200] = true }
local CREATE_FIELDS = { campaign = true, inapp_campaign = true, kind = true, from = true, to = true,
                        events = true, ids = true, deadline = true, timeout = true }
local LINK_TTL = 20 * 60  -- Batch: "The link to the csv file will expire after 20 minutes"

local function base(self)
  local key = self.client.opts.api_key
  if not key then error("batch: api_key is required for exports calls (option api_key or BATCH_API_KEY)", 4) end
  return self.client.opts.base_url .. "/1.0/" .. key .. "/export"
end

local deadline_of, call_opts = validate.deadline, validate.call_opts
-- Options of download (and rows, with `path`): per-call deadline and per-attempt timeout, progress.
local DOWNLOAD_OPTIONS = { on_progress = true, deadline = true, timeout = true }
local ROWS_OPTIONS = { on_progress = true, deadline = true, timeout = true, path = true }

local function is_info(v) return type(v) == "table" and type(v.id) == "string" end
local function is_array(v) return type(v) == "table" and (next(v) == nil or v[1] ~= nil) end

-- "now" or a UTC date "YYYY-MM-DDTHH:MM:SS" (batch-api.md §3.1).
local function check_date(fname, name, v)
  validate.arg(fname, name, v, "string")
  if v == "now" or find(v, "^%d%d%d%d%-%d%d%-%d%dT%d%d:%d%d:%d%d$") then return true end
  return validate.invalid(format("%s: %s must be 'now' or a UTC date like 2019-08-14T22:00:00", fname, name))
end

local function check_names(fname, name, v)
  validate.arg(fname, name, v, "table")
  if #v == 0 then return validate.invalid(fname .. ": " .. name .. " must be a non-empty array of strings") end
  for i, s in ipairs(v) do
    if type(s) ~= "string" or s == "" then
      return validate.invalid(format("%s: %s[%d] must be a non-empty string", fname, name, i))
    end
  end
  return true
end

-- client.exports:create{campaign=TOKEN | inapp_campaign=TOKEN, kind="events"|"ids", from, to, events, ids}
-- --> request info (with .id), or nil, err
function Exports:create(spec)
  local fname = "exports:create"
  validate.arg(fname, "spec", spec, "table")
  call_opts(fname, spec, CREATE_FIELDS)
  local kind = spec.kind
  validate.arg(fname, "kind", kind, "string")
  local segment, token
  if spec.campaign ~= nil and spec.inapp_campaign ~= nil then
    return validate.invalid(fname .. ": give campaign or inapp_campaign, not both")
  elseif spec.campaign ~= nil then
    segment, token = "campaign", spec.campaign
    if kind ~= "events" and kind ~= "ids" then return validate.invalid(fname .. ": kind must be 'events' or 'ids'") end
  elseif spec.inapp_campaign ~= nil then
    segment, token = "inapp-campaign", spec.inapp_campaign
    if kind ~= "events" then return validate.invalid(fname .. ": in-app campaigns export only kind 'events'") end
  else
    error(fname .. ": campaign or inapp_campaign is required", 2)
  end
  local ok, err = validate.token(fname, token)
  if ok then ok, err = check_date(fname, "from", spec.from) end
  if ok then ok, err = check_date(fname, "to", spec.to) end
  if ok then ok, err = check_names(fname, "events", spec.events) end
  if ok then ok, err = check_names(fname, "ids", spec.ids) end
  if not ok then return nil, err end
  local c = self.client
  local body = assert(json.encode{ from = spec.from, to = spec.to, events = spec.events, ids = spec.ids })
  return http.call(c, {
    method = "POST", url = format("%s/%s/%s/%s", base(self), segment, token, kind),
    headers = http.headers(c, "1", true), body = body, expect = OK_CREATE,
    shape = is_info, shape_name = "an object with id", deadline = deadline_of(c, spec), timeout = spec.timeout,
  })
end

-- The request id of an id or an info table; raises on anything else.
local function id_of(fname, x)
  if type(x) == "table" then x = x.id end
  if type(x) ~= "string" then error(fname .. ": expects an export id or the info table create/get gave", 3) end
  return x
end

local function check_id(fname, id)
  if id == "" or #id > 128 or find(id, "[^%w_%-]") then
    return validate.invalid(fname .. ": export id may hold only letters, digits, '_' and '-'")
  end
  return true
end

-- GET the request info; `deadline` is absolute (nil: none).
local function get_info(self, fname, id_or_info, opts, deadline)
  local id = id_of(fname, id_or_info)
  local ok, err = check_id(fname, id)
  if not ok then return nil, err end
  local c = self.client
  return http.call(c, { method = "GET", url = base(self) .. "/request/" .. id, headers = http.headers(c, "1"),
                        expect = OK_200, shape = is_info, shape_name = "an object with id",
                        deadline = deadline, timeout = opts and opts.timeout })
end

-- client.exports:get(id [, opts]) --> request info, or nil, err
function Exports:get(id_or_info, opts)
  call_opts("exports:get", opts)
  return get_info(self, "exports:get", id_or_info, opts, deadline_of(self.client, opts))
end

-- client.exports:list([opts]) --> array of request infos, or nil, err
function Exports:list(opts)
  call_opts("exports:list", opts)
  local c = self.client
  return http.call(c, { method = "GET", url = base(self) .. "/requests", headers = http.headers(c, "1"),
                        expect = OK_200, shape = is_array, shape_name = "an array",
                        deadline = deadline_of(c, opts), timeout = opts and opts.timeout })
end

-- client.exports:wait(id_or_info, opts) --> final info (SUCCESS), or nil, err (EXPORT_FAILED,
-- EXPORT_EXPIRED, WAIT_TIMEOUT, CANCELLED, or a non-retryable API error). opts are batch.poll's.
function Exports:wait(id_or_info, opts)
  local id = id_of("exports:wait", id_or_info)
  local ok, err = check_id("exports:wait", id)
  if not ok then return nil, err end
  return http.safe_error(self.client, poll.poll(function(remaining)
    local info, gerr = self:get(id, { deadline = remaining })
    if not info then return nil, gerr end
    if info.status == "SUCCESS" then return true, info end
    if info.status == "ERROR" then
      return nil, Error.new{ name = "EXPORT_FAILED", export = info,
                             message = info.error_msg or "the export failed" }
    end
    if info.status == "EXPIRED" then
      return nil, Error.new{ name = "EXPORT_EXPIRED", export = info, message = "the export's files have expired" }
    end
    return false, info
  end, opts, self.client))
end

-- The info of a finished export: the table given when it has a file_url, else a fresh get.
local function finished_info(self, id_or_info, opts, deadline)
  if type(id_or_info) == "table" and id_or_info.file_url then return id_or_info end
  local info, err = get_info(self, "exports:download", id_or_info, opts, deadline)
  if not info then return nil, err end
  if info.status ~= "SUCCESS" or not info.file_url then
    return nil, Error.new{ name = "INVALID_ARGUMENT", export = info,
                           message = "the export is not ready (status " .. tostring(info.status) .. ")" }
  end
  return info
end

-- Signed link of an export's CSV: GET file_url with credentials, read the 302's Location.
local function link_of(self, info, opts, deadline)
  local c = self.client
  local url, err = download.on_base(c, info.file_url)
  if not url then return nil, err end
  return download.link(c, url, http.headers(c, "1"), 302, "exports:download_url", deadline, opts and opts.timeout)
end

-- client.exports:download_url(id_or_info [, opts]) --> url, expires_at (Unix time), or nil, err.
-- Reads the 302 Location; does not follow it.
function Exports:download_url(id_or_info, opts)
  id_of("exports:download_url", id_or_info)
  call_opts("exports:download_url", opts)
  local deadline = deadline_of(self.client, opts)
  local info, err = finished_info(self, id_or_info, opts, deadline)
  if not info then return nil, err end
  local url
  url, err = link_of(self, info, opts, deadline)
  if not url then return nil, err end
  local expires = tonumber(match(url, "[?&][Ee]xpires=(%d+)"))
  return url, expires or (os.time() + LINK_TTL)
end

-- client.exports:download(id_or_info, path, {on_progress=fn, deadline=s, timeout=s}) --> { path=, bytes= },
-- or nil, err. `deadline` bounds the whole download (link requests, attempts, backoff).
function Exports:download(id_or_info, path, opts)
  id_of("exports:download", id_or_info)
  validate.arg("exports:download", "path", path, "string")
  call_opts("exports:download", opts, DOWNLOAD_OPTIONS)
  local deadline = deadline_of(self.client, opts)
  local info, err = finished_info(self, id_or_info, opts, deadline)
  if not info then return nil, err end
  return download.fetch(self.client, function() return link_of(self, info, opts, deadline) end, path, opts,
                        deadline)
end

-- client.exports:rows(id_or_info, opts) --> iterator over the CSV rows, each a table keyed by the header.
-- opts: path (keep the CSV there; default a temporary file removed at the end), on_progress.
function Exports:rows(id_or_info, opts)
  id_of("exports:rows", id_or_info)
  opts = call_opts("exports:rows", opts, ROWS_OPTIONS) or {}
  return rows.csv(function(path)
    return self:download(id_or_info, path, { on_progress = opts.on_progress, deadline = opts.deadline,
                                             timeout = opts.timeout })
  end, opts.path)
end

local _M = {}
function _M.new(client) return setmetatable({ client = client }, Exports) end
return _M
