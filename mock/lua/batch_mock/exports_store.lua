-- Export requests in the batch_mock_data shared dict (flushed by /_mock/reset, like the campaigns).
-- A record is JSON: { api = "1.0" | "2", id, created (unix, fractional), cfg (a copy of the exports
-- config), parts = { { part, first, count, specials, size[, file_id] } }, ... } plus, for 1.0: app,
-- kind, what, token, uri, request, ids, events, edge, name; for 2.x: export_type, scope, request, t0.
-- Keys:
--   x1:<id>            1.0 record        x1n:<app>  last sequence number    x1s:<app>:<seq>  id
--   x2:<id>            2.x record        x2n        last sequence number    x2s:<seq>        id
--   x2q:<id>           its sequence number (list cursor)
--   xf:<file_id>       "<export id> <part>"
local ngx = ngx
local json = require "batch_mock.json"
local ids = require "batch_mock.ids"

local tostring, tonumber, ipairs = tostring, tonumber, ipairs

local _M = {}

_M.V1_LIST_MAX = 1000 -- "sorted desc and limited to ~1000" (batch-api.md §3.4)

local function dict() return ngx.shared.batch_mock_data end

local function put(key, value)
  local ok, err = dict():safe_set(key, value)
  if not ok then return nil, "batch_mock_data: " .. tostring(err) end
  return true
end

-- 1.0 request id: UUID-like, e.g. 9aed764e-7a79-4197-b378-df82da994f78.
_M.new_v1_id = function() return ids.uuid() end

-- 2.x export id: "export_" and 32 lowercase alphanumerics.
_M.new_v2_id = function() return ids.prefixed("export") end

-- A file id of a 2.x export part: "file_" and 32 lowercase alphanumerics, derived from the export.
function _M.file_id(export_id, part)
  return ids.prefixed("file", export_id .. "/" .. part)
end

---------------------------------------------------------------------------------------- 1.0
function _M.put_v1(rec)
  local ok, err = put("x1:" .. rec.id, json.encode(rec))
  if not ok then return nil, err end
  local seq
  seq, err = dict():incr("x1n:" .. rec.app, 1, 0)
  if not seq then return nil, "batch_mock_data: " .. tostring(err) end
  return put("x1s:" .. rec.app .. ":" .. seq, rec.id)
end

-- The record of request id if it belongs to app, else nil.
function _M.get_v1(app, id)
  local raw = dict():get("x1:" .. id)
  local rec = raw and json.decode(raw)
  if rec and rec.app == app then return rec end
end

-- The app's requests, newest first, at most V1_LIST_MAX.
function _M.list_v1(app)
  local d = dict()
  local out = {}
  local seq = d:get("x1n:" .. app) or 0
  while seq > 0 and #out < _M.V1_LIST_MAX do
    local id = d:get("x1s:" .. app .. ":" .. seq)
    local raw = id and d:get("x1:" .. id)
    if raw then out[#out + 1] = json.decode(raw) end
    seq = seq - 1
  end
  return out
end

---------------------------------------------------------------------------------------- 2.x
function _M.put_v2(rec)
  local ok, err = put("x2:" .. rec.id, json.encode(rec))
  if not ok then return nil, err end
  for _, p in ipairs(rec.parts) do
    ok, err = put("xf:" .. p.file_id, rec.id .. " " .. p.part)
    if not ok then return nil, err end
  end
  local seq
  seq, err = dict():incr("x2n", 1, 0)
  if not seq then return nil, "batch_mock_data: " .. tostring(err) end
  ok, err = put("x2s:" .. seq, rec.id)
  if ok then ok, err = put("x2q:" .. rec.id, seq) end
  return ok, err
end

function _M.get_v2(id)
  local raw = dict():get("x2:" .. tostring(id))
  return raw and json.decode(raw)
end

-- The export record and the part of a file id, or nil.
function _M.get_file(file_id)
  local v = dict():get("xf:" .. tostring(file_id))
  if not v then return nil end
  local id, part = v:match("^(%S+) (%d+)$")
  local rec = _M.get_v2(id)
  return rec, rec and rec.parts[tonumber(part)]
end

-- One page of exports, newest first: starting at export id `from` (nil: the newest), at most limit.
-- Returns the records and the id of the next one (nil when none), or nil when `from` is unknown.
function _M.list_v2(from, limit)
  local d = dict()
  local seq
  if from then
    seq = d:get("x2q:" .. from)
    if not seq then return nil end
  else
    seq = d:get("x2n") or 0
  end
  local out = {}
  while seq > 0 do
    local id = d:get("x2s:" .. seq)
    local raw = id and d:get("x2:" .. id)
    if raw then
      if #out == limit then return out, id end
      out[#out + 1] = json.decode(raw)
    end
    seq = seq - 1
  end
  return out, nil
end

return _M
