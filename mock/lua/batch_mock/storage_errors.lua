-- Error answers of the storage route (/_storage/), shaped like a cloud bucket's (S3) XML errors:
--   <?xml version="1.0" encoding="UTF-8"?>
--   <Error><Code>AccessDenied</Code><Message>Request has expired</Message><RequestId>...</RequestId></Error>
local ngx = ngx

local gsub = string.gsub

local _M = {}

_M.CONTENT_TYPE = "application/xml"

-- S3 code -> HTTP status.
_M.STATUS = {
  InvalidArgument = 400,
  AccessDenied = 403,
  SignatureDoesNotMatch = 403,
  NoSuchKey = 404,
  MethodNotAllowed = 405,
  InternalError = 500,
  ServiceUnavailable = 503,
  SlowDown = 503,
}

local BY_STATUS = {
  [400] = { "InvalidRequest", "Bad Request" },
  [403] = { "AccessDenied", "Access Denied" },
  [404] = { "NoSuchKey", "The specified key does not exist." },
  [405] = { "MethodNotAllowed", "The specified method is not allowed against this resource." },
  [410] = { "Gone", "The resource is gone" },
  [429] = { "SlowDown", "Please reduce your request rate." },
  [500] = { "InternalError", "We encountered an internal error. Please try again." },
  [503] = { "SlowDown", "Please reduce your request rate." },
}

local XML_ESCAPES = { ["<"] = "&lt;", [">"] = "&gt;", ["&"] = "&amp;", ['"'] = "&quot;" }
local function esc(s) return (gsub(s, '[<>&"]', XML_ESCAPES)) end

function _M.xml(code, message)
  local id = ngx.var.request_id or ""
  return '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>' .. esc(code) .. "</Code><Message>"
    .. esc(message) .. "</Message><RequestId>" .. id .. "</RequestId></Error>\n"
end

-- status, body, headers of an error with that S3 code.
function _M.answer(code, message)
  return _M.STATUS[code] or 400, _M.xml(code, message), { ["Content-Type"] = _M.CONTENT_TYPE }
end

-- The XML body of a fault answer with this status (see inject.lua).
function _M.for_status(status)
  local def = BY_STATUS[status] or (status >= 500 and BY_STATUS[500]) or { "Error", "Error" }
  return _M.xml(def[1], def[2])
end

return _M
