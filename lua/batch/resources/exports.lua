-- client.exports: the Export API 1.0, CSV exports of a push or in-app campaign's events or ids
-- (batch-api.md §3), over batch.routes.exports; downloads through batch.files.fetch.
local api = require "batch.api"
local routes = require "batch.routes"
local validate = require "batch.validate"
local raise = validate.raise
local jobs = require "batch.resources.export_jobs"
local fetch = require "batch.files.fetch"
local rows = require "batch.files.rows"

local setmetatable, type, ipairs, tonumber = setmetatable, type, ipairs, tonumber
local find, match, format = string.find, string.match, string.format
local call_opts, deadline_of = validate.call_opts, validate.deadline

local R = routes.group("exports")

local Exports = {}
Exports.__index = Exports

local CREATE_FIELDS = { campaign = true, inapp_campaign = true, kind = true, from = true, to = true,
                        events = true, ids = true, deadline = true, timeout = true }
local DOWNLOAD_OPTIONS = { on_progress = true, deadline = true, timeout = true }
local ROWS_OPTIONS = { on_progress = true, deadline = true, timeout = true, path = true, columns = true }
local LINK_TTL = 20 * 60  -- Batch: "The link to the csv file will expire after 20 minutes"

-- "now" or a UTC date "YYYY-MM-DDTHH:MM:SS" (batch-api.md §3.1).
local function check_date(fname, name, v)
  validate.arg(fname, name, v, "string", false)
  if v == "now" or find(v, "^%d%d%d%d%-%d%d%-%d%dT%d%d:%d%d:%d%d$") then return true end
  return validate.invalid(format("%s: %s must be 'now' or a UTC date like 2019-08-14T22:00:00", fname, name))
end

local function check_names(fname, name, v)
  validate.arg(fname, name, v, "table", false)
  if #v == 0 then return validate.invalid(fname .. ": " .. name .. " must be a non-empty array of strings") end
  for i, s in ipairs(v) do
    if type(s) ~= "string" or s == "" then
      return validate.invalid(format("%s: %s[%d] must be a non-empty string", fname, name, i))
    end
  end
  return true
end

-- client.exports:create{campaign=TOKEN | inapp_campaign=TOKEN, kind="events"|"ids", from, to, events, ids}
-- --> request info (with .id, read from `id` or `token`), or nil, err
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
    raise(fname .. ": campaign or inapp_campaign is required")
  end
  local ok, err = validate.token(fname, token)
  if ok then ok, err = check_date(fname, "from", spec.from) end
  if ok then ok, err = check_date(fname, "to", spec.to) end
  if ok then ok, err = check_names(fname, "events", spec.events) end
  if ok then ok, err = check_names(fname, "ids", spec.ids) end
  if not ok then return nil, err end
  local body = { from = spec.from, to = spec.to, events = spec.events, ids = spec.ids }
  local route = R["create_" .. segment:gsub("-", "_") .. "_" .. kind]
  return api.request(self.client, route, { token = token, body = body }, spec)
end

local WHAT = "info table create/get gave"
local function id_of(fname, x) return jobs.id_of(fname, x, WHAT) end

-- client.exports:get(id [, opts]) --> request info, or nil, err
function Exports:get(id_or_info, opts)
  call_opts("exports:get", opts)
  return api.request(self.client, R.get, { id = id_of("exports:get", id_or_info) }, opts)
end

-- client.exports:list([opts]) --> array of request infos, or nil, err
function Exports:list(opts)
  call_opts("exports:list", opts)
  return api.request(self.client, R.list, {}, opts)
end

-- client.exports:wait(id_or_info, opts) --> final info (SUCCESS), or nil, err (EXPORT_FAILED,
-- EXPORT_EXPIRED, WAIT_TIMEOUT, CANCELLED, or a non-retryable API error). opts are batch.poll's.
function Exports:wait(id_or_info, opts)
  return jobs.wait(self.client, R.get, "exports:wait", id_of("exports:wait", id_or_info), opts)
end

local function has_file(info) return info.file_url ~= nil and info.status == "SUCCESS" end

-- The info of a finished export: the table given when it has a file_url, else a fresh get.
local function finished_info(self, fname, id_or_info, opts, deadline)
  if type(id_or_info) == "table" and id_or_info.file_url then return id_or_info end
  return jobs.finished(self.client, R.get, fname, id_or_info, WHAT, has_file, opts, deadline)
end

-- client.exports:download_url(id_or_info [, opts]) --> url, expires_at (Unix time), or nil, err.
-- Reads the 302 Location; does not follow it.
function Exports:download_url(id_or_info, opts)
  local fname = "exports:download_url"
  id_of(fname, id_or_info)
  call_opts(fname, opts)
  local deadline = deadline_of(self.client, opts)
  local info, err = finished_info(self, fname, id_or_info, opts, deadline)
  if not info then return nil, err end
  local url
  url, err = fetch.link(self.client, R.link, info.file_url, opts, deadline)
  if not url then return nil, err end
  local expires = tonumber(match(url, "[?&][Ee]xpires=(%d+)"))
  return url, expires or (os.time() + LINK_TTL)
end

-- Downloads the CSV of an export to path (nil: a private temporary file). Returns { path, bytes } or
-- nil, err. `deadline` bounds the whole download (link requests, attempts, backoff).
local function download(self, fname, id_or_info, path, opts)
  local client = self.client
  local deadline = deadline_of(client, opts)
  local info, err = finished_info(self, fname, id_or_info, opts, deadline)
  if not info then return nil, err end
  local function renew() return fetch.link(client, R.link, info.file_url, opts, deadline) end
  local url
  url, err = renew()
  if not url then return nil, err end
  local files
  files, err = fetch.fetch(client, { { url = url, renew = renew, path = path, ext = ".csv" } },
                           { on_progress = opts and opts.on_progress, timeout = opts and opts.timeout,
                             deadline = deadline })
  if not files then return nil, err end
  return files[1]
end

-- client.exports:download(id_or_info, path, {on_progress=fn, deadline=s, timeout=s}) --> { path=, bytes= },
-- or nil, err. path is whole or absent.
function Exports:download(id_or_info, path, opts)
  local fname = "exports:download"
  id_of(fname, id_or_info)
  validate.arg(fname, "path", path, "string")
  call_opts(fname, opts, DOWNLOAD_OPTIONS)
  if path == "" or find(path, "/$") then return validate.invalid(fname .. ": path must name a file") end
  return download(self, fname, id_or_info, path, opts)
end

-- client.exports:rows(id_or_info, opts) --> iterator over the CSV rows, each a table keyed by the header,
-- or with opts.columns (an array of names) the fields of each row named there, as values in that order
-- (a row that lacks one gives ""; a name the header lacks is INVALID_ARGUMENT, yielded before any row).
-- opts: path (keep the CSV there; default a private temporary file removed at the end), columns,
-- on_progress, deadline, timeout.
function Exports:rows(id_or_info, opts)
  local fname = "exports:rows"
  id_of(fname, id_or_info)
  opts = call_opts(fname, opts, ROWS_OPTIONS) or {}
  local keep, columns = opts.path, opts.columns
  if keep ~= nil then validate.arg(fname, "path", keep, "string") end
  if columns ~= nil then
    validate.arg(fname, "columns", columns, "table")
    if #columns == 0 or #columns > 1000 then raise(fname .. ": columns must be an array of 1 to 1000 names") end
    local copy = {} -- as they are now: the download comes at the first step of the loop
    for i = 1, #columns do
      validate.arg(fname, "columns[" .. i .. "]", columns[i], "string")
      copy[i] = columns[i]
    end
    columns = copy
  end
  return rows.csv(function()
    local got, err = download(self, fname, id_or_info, keep, opts)
    if got and not keep then got.temporary = true end
    return got, err
  end, columns)
end

local _M = {}
function _M.new(client) return setmetatable({ client = client }, Exports) end
return _M
