-- Batch error answers. 1.x: {"code": <int>, "message": "..."}; 2.x: {"error_code": "NAME",
-- "error_message": "..."}. Both shapes are UNCONFIRMED by the official docs (batch-api.md §5.2).
local json = require "batch_mock.json"
local storage_errors = require "batch_mock.storage_errors"

local _M = {}

-- name -> HTTP status and 1.x numeric code (batch-api.md §5.1).
local NAMES = {
  AUTHENTICATION_INVALID = { 401, 10 },
  API_MISUSE = { 403, 12 },
  ROUTE_NOT_FOUND = { 404, 20 },
  MISSING_PARAMETER = { 400, 30 },
  MALFORMED_PARAMETER = { 400, 31 },
  MALFORMED_JSON_BODY = { 400, 32 },
  SERVER_ERROR = { 500, 0 },          -- 0 on GET/delete pages, 1 on update pages; we answer 0
  MAINTENANCE_ERROR = { 503, 2 },
  TOO_MANY_REQUESTS = { 429, 60 },
}
_M.NAMES = NAMES

local DEFAULT_MESSAGES = {
  AUTHENTICATION_INVALID = "Authentication invalid",
  API_MISUSE = "API misuse",
  ROUTE_NOT_FOUND = "Route not found",
  MISSING_PARAMETER = "Missing parameter",
  MALFORMED_PARAMETER = "Malformed parameter",
  MALFORMED_JSON_BODY = "Malformed JSON body",
  SERVER_ERROR = "Server error",
  MAINTENANCE_ERROR = "Batch's services are under maintenance. Please try again later",
  TOO_MANY_REQUESTS = "Too many requests, please wait for at least 5 seconds before trying again. "
    .. "Further requests might still return this error.",
}

-- HTTP status -> error name, for fault answers given only a status.
local BY_STATUS = {
  [400] = "MALFORMED_PARAMETER", [401] = "AUTHENTICATION_INVALID", [403] = "API_MISUSE",
  [404] = "ROUTE_NOT_FOUND", [429] = "TOO_MANY_REQUESTS", [500] = "SERVER_ERROR",
  [503] = "MAINTENANCE_ERROR",
}

-- 1.x error: returns status, body.
function _M.v1(name, message)
  local def = assert(NAMES[name], name)
  return def[1], json.encode{ code = def[2], message = message or DEFAULT_MESSAGES[name] }
end

-- 2.x error: returns status, body.
function _M.v2(name, message)
  local def = assert(NAMES[name], name)
  return def[1], json.encode{ error_code = name, error_message = message or DEFAULT_MESSAGES[name] }
end

-- The body Batch would send with this status; the 2.x shape for /2.x paths; for storage paths
-- (/_storage/) an S3-like XML error. Returns the body and its Content-Type.
function _M.body_for_status(status, path)
  if path and path:find("^/_storage/") then
    return storage_errors.for_status(status), storage_errors.CONTENT_TYPE
  end
  local name = BY_STATUS[status]
  local v2 = path and path:find("^/2%.") ~= nil
  if not name then
    if status < 400 then return "{}" end
    name = status >= 500 and "SERVER_ERROR" or "MALFORMED_PARAMETER"
  end
  local _, body
  if v2 then _, body = _M.v2(name) else _, body = _M.v1(name) end
  return body, "application/json"
end

return _M
