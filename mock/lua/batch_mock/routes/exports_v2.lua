-- Profile exports and the Project Export API (batch-api.md §4), under any /2.N/ version:
--   POST /2.N/profiles/export            -> 202 {"id":"export_..."}
--   GET  /2.N/exports/view?id=ID          -> 200 the view
--   GET  /2.N/exports/list?from=&limit=   -> 200 {exports, count, has_more[, next_from]}
--   GET  /2.N/exports/download?id=FILE_ID -> 307 to a signed storage link
-- Authentication: Bearer REST key and X-Batch-Project (auth.cep). Errors have the 2.x shape.
local ngx = ngx
local json = require "batch_mock.json"
local errors = require "batch_mock.errors"
local validate = require "batch_mock.validate"
local query = require "batch_mock.query"
local exports_config = require "batch_mock.exports_config"
local exports_store = require "batch_mock.exports_store"
local exports_state = require "batch_mock.exports_state"
local exports_validate = require "batch_mock.exports_validate"
local exports_content = require "batch_mock.exports_content"
local signing = require "batch_mock.signing"
local base_url = require "batch_mock.base_url"
local dates = require "batch_mock.dates"

local ipairs, find = ipairs, string.find

local DEFAULT_ERROR = "The export could not be generated (batch-mock)"

local date = dates.rfc3339

-- The §4.2 view of an export, as seen now through API version `version` ("2.N").
local function view(rec, version, now)
  local status, started, completed = exports_state.of(rec, now)
  local v = {
    id = rec.id,
    request_date = date(rec.created),
    scope = rec.scope,
    status = status,
    request = rec.request,
  }
  if started then v.start_date = date(started) end
  if completed then v.completion_date = date(completed) end
  if status == "SUCCESS" then
    local files = json.array()
    for i, p in ipairs(rec.parts) do
      files[i] = { id = p.file_id, part = p.part, size = p.size,
                   url = base_url() .. "/" .. version .. "/exports/download?id=" .. p.file_id }
    end
    v.files = files
  elseif status == "ERROR" then
    v.error_message = rec.cfg.error_msg or DEFAULT_ERROR
  end
  return v
end

local _M = {}

-- Stores a new export of body doc (checked: its type and first event time t0) created at `now` with
-- settings cfg (id: a fixed id, else a fresh one). Returns the record, or nil and an error.
function _M.make(doc, export_type, t0, cfg, now, id)
  id = id or exports_store.new_v2_id()
  local rec = { api = "2", id = id, created = now, cfg = cfg, export_type = export_type,
                scope = exports_validate.SCOPES[export_type], request = doc, t0 = t0 }
  rec.parts = exports_content.plan(rec, cfg)
  for _, p in ipairs(rec.parts) do p.file_id = exports_store.file_id(id, p.part) end
  local ok, err = exports_store.put_v2(rec)
  if not ok then return nil, err end
  return rec
end

local function create(ctx)
  local doc, name, message = validate.object_body(ctx.body)
  if not doc then return errors.v2(name, message) end
  ngx.update_time()
  local now = ngx.now()
  local export_type, t0
  export_type, t0, message = exports_validate.v2(doc, now)
  if not export_type then return errors.v2(t0, message) end -- on failure, t0 is the error name
  local rec, err = _M.make(doc, export_type, t0, exports_config.get(), now)
  if not rec then return errors.v2("SERVER_ERROR", "emulator storage full: " .. err) end
  local id = rec.id
  return 202, json.encode{ id = id }
end

local function required_id()
  local id, name, message = query.required("id")
  if not id then return nil, errors.v2(name, message) end
  return id
end

local function get(_, version)
  local id, status, body = required_id()
  if not id then return status, body end
  local rec = exports_store.get_v2(id)
  if not rec then return errors.v2("ROUTE_NOT_FOUND", "Export not found: '" .. id .. "'") end
  ngx.update_time()
  return 200, json.encode(view(rec, "2." .. version))
end

local function list(_, version)
  local limit, name, message = query.limit()
  if not limit then return errors.v2(name, message) end
  local from
  from, name, message = query.cursor()
  if from == nil then return errors.v2(name, message) end
  if from and not find(from, "^export_[%w]+$") then
    return errors.v2("MALFORMED_PARAMETER", "Malformed parameter 'from': not a cursor from next_from")
  end
  local page, next_id = exports_store.list_v2(from or nil, limit)
  if not page then
    return errors.v2("MALFORMED_PARAMETER", "Malformed parameter 'from': unknown cursor")
  end
  ngx.update_time()
  local now = ngx.now()
  local exports = json.array()
  for i, rec in ipairs(page) do exports[i] = view(rec, "2." .. version, now) end
  return 200, json.encode{ exports = exports, count = #exports, has_more = next_id ~= nil,
                           next_from = next_id and query.encode_cursor(next_id) or nil }
end

local function download(_)
  local id, status, body = required_id()
  if not id then return status, body end
  local rec, part = exports_store.get_file(id)
  if not rec then return errors.v2("ROUTE_NOT_FOUND", "File not found: '" .. id .. "'") end
  ngx.update_time()
  local state = exports_state.of(rec)
  if state ~= "SUCCESS" then
    return errors.v2("MALFORMED_PARAMETER", "Export " .. rec.id .. " is " .. state .. ": files exist only once "
      .. "it is SUCCESS")
  end
  local location = signing.link(base_url(), "exports/" .. rec.id .. "/" .. part.file_id .. ".ndjson",
                                rec.cfg.link_ttl)
  return 307, "", { Location = location, ["Cache-Control"] = "no-store" }
end

local P = "/2.N/"

-- The route array (routes/init.lua), with make() beside it for the fixtures.
local routes = {
  { method = "POST", path = P .. "profiles/export", auth = "cep", handler = create },
  { method = "GET", path = P .. "exports/view", auth = "cep", handler = get },
  { method = "GET", path = P .. "exports/list", auth = "cep", handler = list },
  { method = "GET", path = P .. "exports/download", auth = "cep", handler = download },
}

for i, r in ipairs(routes) do _M[i] = r end
return _M
