-- client.project_exports: the Project Export API 2.x (batch-api.md §4.2-§4.4): view, list, wait, and
-- the parts of an export, downloaded in parallel (batch.files.fetch) or read as records.
local Error = require "batch.error"
local api = require "batch.api"
local routes = require "batch.routes"
local validate = require "batch.validate"
local jobs = require "batch.resources.export_jobs"
local redact = require "batch.redact"
local fetch = require "batch.files.fetch"
local rows = require "batch.files.rows"

local setmetatable, type, ipairs, tonumber = setmetatable, type, ipairs, tonumber
local find, format = string.find, string.format
local call_opts, deadline_of = validate.call_opts, validate.deadline

local R = {
  get = routes.get("project_exports.get"), list = routes.get("project_exports.list"),
  link = routes.get("project_exports.link"),
}

local LIST_OPTIONS = { from = true, limit = true, deadline = true, timeout = true }
local EACH_OPTIONS = { page_size = true, deadline = true, timeout = true }
local PARTS_OPTIONS = { on_progress = true, deadline = true, timeout = true, concurrency = true }
local DEFAULT_PART_CONCURRENCY = 4

local Exports = {}
Exports.__index = Exports

local WHAT = "view get gave"
local function id_of(fname, x) return jobs.id_of(fname, x, WHAT) end

-- client.project_exports:get(id [, opts]) --> view, or nil, err
function Exports:get(id_or_view, opts)
  call_opts("project_exports:get", opts)
  return api.request(self.client, R.get, { id = id_of("project_exports:get", id_or_view) }, opts)
end

-- client.project_exports:list{from=cursor, limit=10} --> { exports=, has_more=, next_from=, count= }
function Exports:list(opts)
  opts = call_opts("project_exports:list", opts, LIST_OPTIONS) or {}
  return api.request(self.client, R.list, opts, opts)
end

-- client.project_exports:each{page_size=100} --> iterator over every export (cursor paging).
function Exports:each(opts)
  opts = call_opts("project_exports:each", opts, EACH_OPTIONS) or {}
  return api.pages(self.client, R.list, {}, opts, "cursor", "exports")
end

-- client.project_exports:wait(id, opts) --> final view (SUCCESS), or nil, err (EXPORT_FAILED, WAIT_TIMEOUT,
-- CANCELLED, or a non-retryable API error). opts are batch.poll's.
function Exports:wait(id_or_view, opts)
  return jobs.wait(self.client, R.get, "project_exports:wait", id_of("project_exports:wait", id_or_view), opts)
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
local function check_files(client, fname, view)
  local id = view.id
  local function invalid(why)
    return nil, Error.response(fname .. ": " .. why, { export = redact.tree(client, view) })
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

local function has_files(view) return view.status == "SUCCESS" and type(view.files) == "table" end

-- The view of a finished export (the table given when it has files, else a fresh get), its files checked.
local function finished_view(self, fname, id_or_view, opts, deadline)
  local client = self.client
  local view, err = jobs.finished(client, R.get, fname, id_or_view, WHAT, has_files, opts, deadline)
  if not view then return nil, err end
  local ok
  ok, err = check_files(client, fname, view)
  if not ok then return nil, err end
  return view
end

-- Every part of a finished view, downloaded at once: dir (nil: private temporary files). Returns the
-- array of { path, bytes, part } or nil, err. The signed links are asked in parallel first.
local function download_parts(self, fname, id_or_view, dir, opts)
  local client = self.client
  local deadline = deadline_of(client, opts)
  local view, err = finished_view(self, fname, id_or_view, opts, deadline)
  if not view then return nil, err end
  local files = view.files
  local concurrency = opts and opts.concurrency or DEFAULT_PART_CONCURRENCY
  local ps = {}
  for i, file in ipairs(files) do
    local url, uerr = api.on_base(client, file.url)
    if not url then return nil, uerr end
    ps[i] = { url = url }
  end
  local links, lerrs = api.request_many(client, R.link, #ps, function(i) return ps[i] end, opts, concurrency,
                                        deadline)
  local parts, total = {}, 0
  for i, file in ipairs(files) do
    if not links[i] then return nil, lerrs[i] end
    local url, rerr = fetch.read_location(client, links[i], fname)
    if not url then return nil, rerr end
    local size = tonumber(file.size)
    total = (total and size) and total + size or nil
    parts[i] = { url = url, path = dir and (dir .. "/" .. part_name(view, file, i)), ext = ".json",
                 renew = function() return fetch.link(client, R.link, file.url, opts, deadline) end }
  end
  local out
  out, err = fetch.fetch(client, parts, { on_progress = opts and opts.on_progress, timeout = opts and opts.timeout,
                                          deadline = deadline, concurrency = concurrency, total = total })
  if not out then return nil, err end
  for i, file in ipairs(files) do out[i].part = file.part or i end
  return out
end

-- client.project_exports:download(id_or_view, dir, opts) --> array of { path=, bytes=, part= }, or nil, err.
-- Each file is whole or absent; parts already written stay when another part fails (the error is the one
-- of the first failing part). `deadline` bounds the whole download; at most `concurrency` (default 4)
-- parts at a time.
function Exports:download(id_or_view, dir, opts)
  local fname = "project_exports:download"
  validate.arg(fname, "dir", dir, "string")
  call_opts(fname, opts, PARTS_OPTIONS)
  if opts and opts.concurrency ~= nil then validate.concurrency(fname, opts.concurrency, 1024) end
  if dir == "" then return validate.invalid(fname .. ": dir must name a folder") end
  return download_parts(self, fname, id_or_view, dir, opts)
end

-- client.project_exports:records(id_or_view, opts) --> iterator over the JSON records of every part.
-- The parts are downloaded as download does (in parallel, private temporary files), then read in turn.
function Exports:records(id_or_view, opts)
  local fname = "project_exports:records"
  opts = call_opts(fname, opts, PARTS_OPTIONS) or {}
  if opts.concurrency ~= nil then validate.concurrency(fname, opts.concurrency, 1024) end
  return rows.records(function() return download_parts(self, fname, id_or_view, nil, opts) end)
end

local _M = {}
function _M.new(client) return setmetatable({ client = client }, Exports) end
return _M
