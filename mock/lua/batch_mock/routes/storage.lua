-- The storage route: stands for the cloud bucket that the signed links of the 302 (1.0) and 307
-- (2.x) point to. GET (and HEAD) /_storage/v1/<generation>/<object>?expires=<unix>&signature=<hex>
--   objects: export-requests/<app>/<request id>/<name>.csv      (1.0 CSV, text/csv)
--            exports/<export id>/<file id>.ndjson               (2.x part, application/x-ndjson)
-- Checks, in order: no Batch credential (X-Authorization, Authorization, X-Batch-Project: 400
-- InvalidArgument), link signature (403 SignatureDoesNotMatch / AccessDenied), expiry (403
-- AccessDenied "Request has expired"), the object (404 NoSuchKey). Errors are S3-like XML. The file is
-- made on the fly, 64 KiB at a time (exports_content.stream), with an exact Content-Length.
local ngx = ngx
local signing = require "batch_mock.signing"
local storage_errors = require "batch_mock.storage_errors"
local exports_store = require "batch_mock.exports_store"
local exports_state = require "batch_mock.exports_state"
local exports_content = require "batch_mock.exports_content"

local match = string.match

local CREDENTIALS = { "X-Authorization", "Authorization", "X-Batch-Project" }

local function no_such_key()
  return storage_errors.answer("NoSuchKey", "The specified key does not exist.")
end

-- The record and part of an object path, or nil.
local function find_object(object)
  local app, id, name = match(object, "^export%-requests/([^/]+)/([^/]+)/([^/]+)$")
  if app then
    local rec = exports_store.get_v1(app, id)
    if rec and rec.name == name then return rec, rec.parts[1], "text/csv; charset=utf-8" end
    return nil
  end
  local export_id, file_id = match(object, "^exports/([^/]+)/([^/]+)%.ndjson$")
  if export_id then
    local rec, part = exports_store.get_file(file_id)
    if rec and rec.id == export_id then return rec, part, "application/x-ndjson" end
  end
  return nil
end

local function serve(ctx)
  local headers = ngx.req.get_headers(100)
  for _, name in ipairs(CREDENTIALS) do
    if headers[name] then
      return storage_errors.answer("InvalidArgument", "Unsupported header '" .. name .. "': storage links are "
        .. "pre-signed; send them without any Batch credential")
    end
  end
  local object, code, message = signing.check(ctx.uri, ngx.req.get_uri_args(20))
  if not object then return storage_errors.answer(code, message) end
  local rec, part, content_type = find_object(object)
  if not rec or exports_state.of(rec) ~= "SUCCESS" then return no_such_key() end
  return 200, exports_content.stream(rec, part), {
    ["Content-Type"] = content_type,
    ["Cache-Control"] = "private, max-age=0",
  }
end

local function method_not_allowed()
  return storage_errors.answer("MethodNotAllowed", "The specified method is not allowed against this resource.")
end

local PATTERN = "^/_storage/v1/(.*)$"

return {
  { method = "GET", pattern = PATTERN, handler = serve },
  { method = "HEAD", pattern = PATTERN, handler = serve },
  { method = "*", pattern = PATTERN, handler = method_not_allowed },
}
