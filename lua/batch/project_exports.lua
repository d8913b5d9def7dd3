-- Profile exports (POST /2.x/profiles/export) and the Project Export API (view, list, download),
-- batch-api.md §4. Every call carries Authorization: Bearer and X-Batch-Project.
local Error = require "batch.error"
local http = require "batch.http"
local json = require "batch.json"
local validate = require "batch.validate"
local poll = require "batch.poll"
local download = require "batch.download"
local rows = require "batch.rows"
local timeutil = require "batch.timeutil"

local setmetatable, type, ipairs, error, tostring = setmetatable, type, ipairs, error, tostring
local find, format = string.find, string.format

local LOOKBACK = 90 * 86400                       -- events and reachability events: 90 days
local REACHABILITY_START = timeutil.parse("2024-10-10T00:00:00Z")  -- "data since October 10, 2024"

local function base(client) return client.opts.base_url .. "/" .. client.opts.api_version end

local function deadline_of(client, opts)
  if opts and opts.deadline then return client.now() + opts.deadline end
end

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
  validate.arg("profiles:export", "options", opts, "table", true)
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

-- client.project_exports:get(id [, opts]) --> view, or nil, err
function Exports:get(id_or_view, opts)
  local id, err = id_of("project_exports:get", id_or_view)
  if not id then return nil, err end
  local c = self.client
  return http.call(c, { method = "GET", url = base(c) .. "/exports/view" .. http.query{ { "id", id } },
                        headers = http.headers(c, "2"), expect = { [200] = true },
                        shape = has_id, shape_name = "an object with id",
                        deadline = deadline_of(c, opts), timeout = opts and opts.timeout })
end

local LIST_OPTIONS = { from = true, limit = true, deadline = true, timeout = true }

-- client.project_exports:list{from=cursor, limit=10} --> { exports=, has_more=, next_from=, count= }
function Exports:list(opts)
  local fname = "project_exports:list"
  validate.arg(fname, "options", opts, "table", true)
  opts = opts or {}
  validate.known(fname, opts, LIST_OPTIONS)
  validate.arg(fname, "from", opts.from, "string", true)
  local ok, err = validate.int_range(fname, "limit", opts.limit, 1, 100)
  if not ok then return nil, err end
  local c = self.client
  return http.call(c, {
    method = "GET", url = base(c) .. "/exports/list" .. http.query{ { "from", opts.from }, { "limit", opts.limit } },
    headers = http.headers(c, "2"), expect = { [200] = true },
    shape = function(v) return is_object(v) and type(v.exports) == "table" end,
    shape_name = "an object with exports", deadline = deadline_of(c, opts), timeout = opts.timeout })
end

local EACH_OPTIONS = { page_size = true, deadline = true, timeout = true }

-- client.project_exports:each{page_size=100} --> iterator over every export (cursor paging).
function Exports:each(opts)
  local fname = "project_exports:each"
  validate.arg(fname, "options", opts, "table", true)
  opts = opts or {}
  validate.known(fname, opts, EACH_OPTIONS)
  local page_size = opts.page_size or 100
  local ok, verr = validate.int_range(fname, "page_size", page_size, 1, 100)
  return coroutine.wrap(function()
    if not ok then coroutine.yield(false, verr) return end
    local cursor
    repeat
      local page, err = self:list{ from = cursor, limit = page_size, deadline = opts.deadline, timeout = opts.timeout }
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
  return poll.poll(function(remaining)
    local view, gerr = self:get(id, { deadline = remaining })
    if not view then return nil, gerr end
    if view.status == "SUCCESS" then return true, view end
    if view.status == "ERROR" then
      local why = view.error_message or view.error or view.message
      return nil, Error.new{ name = "EXPORT_FAILED", export = view,
                             message = type(why) == "string" and why or "the export failed" }
    end
    return false, view
  end, opts, self.client)
end

-- The view of a finished export: the table given when it has files, else a fresh get.
local function finished_view(self, fname, id_or_view)
  if type(id_or_view) == "table" and id_or_view.status == "SUCCESS" and type(id_or_view.files) == "table" then
    return id_or_view
  end
  local view, err = self:get(id_or_view)
  if not view then return nil, err end
  if view.status ~= "SUCCESS" or type(view.files) ~= "table" then
    return nil, Error.new{ name = "INVALID_ARGUMENT", export = view,
                           message = fname .. ": the export is not ready (status " .. tostring(view.status) .. ")" }
  end
  return view
end

-- Signed link of one file part: GET files[].url with credentials, read the 307's Location.
local function link_of(self, file)
  local c = self.client
  local url, err = download.on_base(c, file.url)
  if not url then return nil, err end
  return download.link(c, url, http.headers(c, "2"), 307, "project_exports:download")
end

local function part_name(view, file, i)
  return format("%s-part%d.json", view.id, file.part or i)
end

-- client.project_exports:download(id_or_view, dir, opts) --> array of { path=, bytes=, part= }, or nil, err.
-- Parts already written stay when a later part fails; each file is whole or absent.
function Exports:download(id_or_view, dir, opts)
  local fname = "project_exports:download"
  validate.arg(fname, "dir", dir, "string")
  validate.arg(fname, "options", opts, "table", true)
  local view, err = finished_view(self, fname, id_or_view)
  if not view then return nil, err end
  local out = {}
  for i, file in ipairs(view.files) do
    local path = dir .. "/" .. part_name(view, file, i)
    local res, ferr = download.fetch(self.client, function() return link_of(self, file) end, path, opts)
    if not res then return nil, ferr end
    out[#out + 1] = { path = res.path, bytes = res.bytes, part = file.part or i }
  end
  return out
end

-- client.project_exports:records(id_or_view, opts) --> iterator over the JSON records of every part.
function Exports:records(id_or_view, opts)
  local fname = "project_exports:records"
  validate.arg(fname, "options", opts, "table", true)
  opts = opts or {}
  local view, err = finished_view(self, fname, id_or_view)
  if not view then
    return coroutine.wrap(function() coroutine.yield(false, err) end)
  end
  return rows.records(view.files, function(file, path)
    return download.fetch(self.client, function() return link_of(self, file) end, path,
                          { on_progress = opts.on_progress })
  end)
end

local _M = {}
function _M.profiles(client) return setmetatable({ client = client }, Profiles) end
function _M.project_exports(client) return setmetatable({ client = client }, Exports) end
return _M
