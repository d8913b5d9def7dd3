-- batch.Error, and the one place where error names are made. Every error the client returns comes from
-- a constructor below: from a transport's failure (its kind), from an HTTP answer (Batch's body code or
-- the status), or from the client's own checks. Other modules read names; none writes one.
local setmetatable, getmetatable, tostring, type, tonumber = setmetatable, getmetatable, tostring, type, tonumber
local format, match, sub, gsub, find = string.format, string.match, string.sub, string.gsub, string.find
local concat = table.concat

local Error = {}
Error.__index = Error
Error.__name = "batch.Error"

local MAX_BODY = 4096     -- bytes of a response body kept on the error
local MAX_MESSAGE = 1024  -- bytes of a message (a server's text) kept on the error

-- Batch's documented errors (batch-api.md §5.1): name -> HTTP status and code. SERVER_ERROR is 0 on some
-- pages and 1 on others: both numbers mean it, and 0 is the code reported for a bare 500.
local BATCH = {
  AUTHENTICATION_INVALID = { 401, 10 }, API_MISUSE = { 403, 12 }, ROUTE_NOT_FOUND = { 404, 20 },
  MISSING_PARAMETER = { 400, 30 }, MALFORMED_PARAMETER = { 400, 31 }, MALFORMED_JSON_BODY = { 400, 32 },
  SERVER_ERROR = { 500, 0 }, MAINTENANCE_ERROR = { 503, 2 }, TOO_MANY_REQUESTS = { 429, 60 },
}
local BY_CODE = { [1] = "SERVER_ERROR" }
for name, sc in pairs(BATCH) do BY_CODE[sc[2]] = name end
-- A bare status names the error only where it is unambiguous (a 400 without a code is HTTP_ERROR).
local BY_STATUS = { [401] = "AUTHENTICATION_INVALID", [403] = "API_MISUSE", [404] = "ROUTE_NOT_FOUND",
                    [429] = "TOO_MANY_REQUESTS", [500] = "SERVER_ERROR", [503] = "MAINTENANCE_ERROR" }

-- The names a transport failure may carry, by kind. A function transport may give a name instead of a
-- kind (the README's `{ name, message, sent }`): the names of this table's values are accepted as they are.
local BY_KIND = { timeout = "TIMEOUT", network = "NETWORK_ERROR", tls = "TLS_ERROR",
                  too_large = "RESPONSE_TOO_LARGE", io = "IO_ERROR", invalid = "INVALID_ARGUMENT",
                  cancelled = "CANCELLED" }
local TRANSPORT_NAMES = {}
for _, name in pairs(BY_KIND) do TRANSPORT_NAMES[name] = true end

-- What the client itself says when it has no message from Batch.
local DEFAULT_MESSAGES = {
  AUTHENTICATION_INVALID = "the API key or REST key was refused",
  API_MISUSE = "this key may not call this route",
  ROUTE_NOT_FOUND = "no such route or object",
  MISSING_PARAMETER = "a required parameter is missing",
  MALFORMED_PARAMETER = "a parameter is malformed",
  MALFORMED_JSON_BODY = "the JSON body is malformed",
  SERVER_ERROR = "Batch had an internal error",
  MAINTENANCE_ERROR = "Batch is under maintenance",
  TOO_MANY_REQUESTS = "rate limited by Batch",
  HTTP_ERROR = "unexpected HTTP status",
}

-- Builds an error from a table of fields (name is required). The table becomes the error.
local function new(e)
  if e.message == nil then e.message = DEFAULT_MESSAGES[e.name] or e.name end
  if type(e.body) == "string" and #e.body > MAX_BODY then e.body = sub(e.body, 1, MAX_BODY) end
  if type(e.message) == "string" and #e.message > MAX_MESSAGE then
    e.message = sub(e.message, 1, MAX_MESSAGE) .. "..."
  end
  if e.retryable == nil then e.retryable = false end
  return setmetatable(e, Error)
end
Error.new = new

-- The path and query of a URL, for the one-line form ("https://host/p?q" -> "/p?q").
local function path_of(url)
  return match(url, "^%a[%w+.-]*://[^/]*(/.*)$") or url
end

-- One line: NAME (HTTP s, code c): message [METHOD /path]
function Error:__tostring()
  local parts = {}
  if self.status then parts[#parts + 1] = "HTTP " .. tostring(self.status) end
  if self.code then parts[#parts + 1] = "code " .. tostring(self.code) end
  local s = self.name
  if #parts > 0 then s = s .. " (" .. concat(parts, ", ") .. ")" end
  s = s .. ": " .. tostring(self.message)
  if self.method and self.url then
    s = s .. format(" [%s %s]", self.method, path_of(self.url))
  end
  -- One line whatever a server put in its message: control characters (CR, LF, ESC...) become spaces.
  return (gsub(s, "%c", " "))
end

-- True when x is a batch.Error.
function Error.is_error(x)
  return type(x) == "table" and getmetatable(x) == Error
end

------------------------------------------------------------------------------------------------------
-- Error fields (plain tables, made into errors by the engine once a call has ended)
------------------------------------------------------------------------------------------------------

-- The fields of a transport failure: { kind, message, sent, curl_code } from the C core, the ngx
-- engines and function transports (which may give `name` instead of `kind`).
function Error.failure(f)
  if type(f) ~= "table" then return { name = "NETWORK_ERROR", message = tostring(f) } end
  local name = BY_KIND[f.kind] or (TRANSPORT_NAMES[f.name] and f.name) or "NETWORK_ERROR"
  local message = f.message
  if type(message) ~= "string" then message = message ~= nil and tostring(message) or nil end
  return { name = name, message = message, sent = f.sent, curl_code = f.curl_code }
end

-- A code-like value of an error body: a number, or a string of digits, or one of Batch's names.
-- Returns the name it means (or nil) and the number it carries (or nil).
local function read_code(v)
  local n = tonumber(v)
  if type(v) == "number" or (type(v) == "string" and find(v, "^%d%d?%d?%d?%d?%d?%d?%d?%d?$")) then
    return BY_CODE[n], n
  end
  if type(v) == "string" and BATCH[v] then return v, BATCH[v][2] end
end

-- The fields of an HTTP answer whose status the route does not accept. `doc` is the decoded body (a
-- table, or nil when the body is not a JSON object). Batch's 1.x bodies carry `code` (a number) and
-- `message`; 2.x bodies `error_code` (a string) and `error_message` (batch-api.md §5.2). The name comes
-- from the body's code when it is one of Batch's, from the status otherwise; a 2.x `error_code` that is
-- not one of Batch's names is kept in `batch_code`.
function Error.answer(status, doc)
  local name, code, message, batch_code
  if type(doc) == "table" then
    local n1, c1 = read_code(doc.code)
    local n2, c2 = read_code(doc.error_code)
    name = n1 or n2
    code = (n1 and c1) or (n2 and c2) or c1 or c2
    if not n2 and type(doc.error_code) == "string" and not c2 and doc.error_code ~= "" then
      batch_code = doc.error_code
    end
    message = doc.message
    if type(message) ~= "string" then message = doc.error_message end
    if type(message) ~= "string" then message = nil end
  end
  name = name or BY_STATUS[status] or "HTTP_ERROR"
  if code == nil and BATCH[name] then code = BATCH[name][2] end
  return { name = name, code = code, status = status, message = message, batch_code = batch_code }
end

-- The fields of a 2xx answer that is not what the route returns (bad JSON, wrong shape).
function Error.invalid_response(message, fields)
  local e = fields or {}
  e.name, e.message = "INVALID_RESPONSE", message
  return e
end

-- The fields of an attempt the deadline left no time for.
function Error.deadline(what)
  return { name = "TIMEOUT", message = "the deadline passed before " .. (what or "the request") .. " was sent",
           sent = false }
end

-- The fields of a transfer a callback or the caller cancelled.
function Error.cancelled_fields(message)
  return { name = "CANCELLED", message = message }
end

-- The fields of a download whose storage answered a status that is not 2xx.
function Error.storage(status, message)
  return { name = status == 429 and "TOO_MANY_REQUESTS" or "HTTP_ERROR", status = status, message = message }
end

-- Whether error fields are of a kind that never gets better by trying again on the same request
-- (a full disk, a cancel).
function Error.final(e)
  return e.name == "IO_ERROR" or e.name == "CANCELLED" or e.name == "INVALID_ARGUMENT"
end

function Error.is_rate_limit(e)
  return e.status == 429 or e.name == "TOO_MANY_REQUESTS"
end

------------------------------------------------------------------------------------------------------
-- Errors (batch.Error values) of the client's own
------------------------------------------------------------------------------------------------------

-- INVALID_ARGUMENT: a value Batch documents as invalid; nothing was sent.
function Error.invalid_argument(message, fields)
  local e = fields or {}
  e.name, e.message, e.sent = "INVALID_ARGUMENT", message, false
  return new(e)
end

-- An error that ends a call: the fields an attempt left, completed.
function Error.final_error(e)
  return new(e)
end

function Error.export_failed(info, message)
  return new{ name = "EXPORT_FAILED", export = info, message = message or "the export failed" }
end

function Error.export_expired(info)
  return new{ name = "EXPORT_EXPIRED", export = info, message = "the export's files have expired" }
end

function Error.wait_timeout(info, attempts, message)
  return new{ name = "WAIT_TIMEOUT", info = info, attempts = attempts, message = message }
end

function Error.cancelled(message, fields)
  local e = fields or {}
  e.name, e.message = "CANCELLED", message
  return new(e)
end

function Error.io(message, fields)
  local e = fields or {}
  e.name, e.message = "IO_ERROR", message
  return new(e)
end

function Error.response(message, fields)
  return new(Error.invalid_response(message, fields))
end

function Error.queue_full(pending)
  return new{ name = "QUEUE_FULL", message = "the queue holds " .. tostring(pending)
                                             .. " items (max_pending): try again once it has flushed",
              retryable = true, sent = false }
end

function Error.queue_closed(message)
  return new{ name = "QUEUE_CLOSED", message = message or "the queue is closed", sent = false }
end

function Error.partial(errors, message)
  return new{ name = "PARTIAL_ERROR", errors = errors, message = message or "Batch refused some items" }
end

Error.BATCH_NAMES = BATCH
return Error
