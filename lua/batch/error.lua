-- batch.Error: the structured error every call returns as its second value.
-- Plain table with a metatable, so callers can read fields, compare names and print it in one line.
local setmetatable, getmetatable, tostring, tonumber = setmetatable, getmetatable, tostring, tonumber
local type, ipairs, floor = type, ipairs, math.floor
local format, match, sub, gsub, find = string.format, string.match, string.sub, string.gsub, string.find
local json = require "batch.json"

local Error = {}
Error.__index = Error
Error.__name = "batch.Error"

local MAX_BODY = 4096  -- bytes of a response body kept on the error
local MAX_MESSAGE = 1024  -- bytes of a message (a server's text) kept on the error

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

-- Builds an error from a table of fields (name is required).
function Error.new(fields)
  local e = fields
  if e.message == nil then e.message = DEFAULT_MESSAGES[e.name] or e.name end
  if type(e.body) == "string" and #e.body > MAX_BODY then e.body = sub(e.body, 1, MAX_BODY) end
  if type(e.message) == "string" and #e.message > MAX_MESSAGE then
    e.message = sub(e.message, 1, MAX_MESSAGE) .. "..."
  end
  if e.retryable == nil then e.retryable = false end
  return setmetatable(e, Error)
end

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
  if #parts > 0 then s = s .. " (" .. table.concat(parts, ", ") .. ")" end
  s = s .. ": " .. tostring(self.message)
  if self.method and self.url then
    s = s .. format(" [%s %s]", self.method, path_of(self.url))
  end
  -- One line whatever a server put in its message: control characters (CR, LF, ESC...) become spaces.
  return (gsub(s, "%c", " "))
end

-- The name of a transport failure: the C core's failures have a kind, other transports may give a name.
local KIND_NAMES = { timeout = "TIMEOUT", network = "NETWORK_ERROR", tls = "TLS_ERROR",
                     too_large = "RESPONSE_TOO_LARGE", io = "IO_ERROR" }
function Error.transport_name(terr)
  return terr.name or KIND_NAMES[terr.kind] or "NETWORK_ERROR"
end

-- Batch's documented error codes (../shared/batch-api.md 5.1): code, the status that implies it (nil: none),
-- name. SERVER_ERROR is documented as 0 on some pages and 1 on others: both map to it, 0 is a 500's code.
local BATCH_ERRORS = {
  { 10, 401, "AUTHENTICATION_INVALID" }, { 12, 403, "API_MISUSE" }, { 20, 404, "ROUTE_NOT_FOUND" },
  { 30, nil, "MISSING_PARAMETER" }, { 31, nil, "MALFORMED_PARAMETER" }, { 32, nil, "MALFORMED_JSON_BODY" },
  { 0, 500, "SERVER_ERROR" }, { 1, nil, "SERVER_ERROR" }, { 2, 503, "MAINTENANCE_ERROR" },
  { 60, 429, "TOO_MANY_REQUESTS" },
}
local NAME_OF_CODE, CODE_OF_NAME, OF_STATUS = {}, {}, {}
for _, e in ipairs(BATCH_ERRORS) do
  NAME_OF_CODE[e[1]] = e[3]
  if CODE_OF_NAME[e[3]] == nil then CODE_OF_NAME[e[3]] = e[1] end
  if e[2] then OF_STATUS[e[2]] = e end
end

-- A code-like member ("code" of 1.x bodies, "error_code" of 2.x): a whole number, a string of 1 to 9
-- digits, or a documented name. Returns the name it gives (or nil) and its number (or nil).
local function read_code(v)
  if type(v) == "number" then
    if v == floor(v) and v >= 0 and v < 1e9 then return NAME_OF_CODE[v], v end
    return nil, nil
  end
  if type(v) ~= "string" then return nil, nil end
  if find(v, "^%d%d?%d?%d?%d?%d?%d?%d?%d?$") then
    local n = tonumber(v)
    return NAME_OF_CODE[n], n
  end
  if CODE_OF_NAME[v] then return v, CODE_OF_NAME[v] end
  return nil, nil
end

-- What a non-2xx answer means: name, code (or nil), message (or nil). The name comes from the body's code
-- when it is a documented one, from the status otherwise (HTTP_ERROR for any other status); an unknown
-- number of the body stays as the code. A body that is not a JSON object counts as none.
function Error.of_answer(status, body)
  local fields = type(body) == "string" and json.decode((gsub(body, "^\239\187\191", ""))) or nil
  if type(fields) ~= "table" then fields = {} end
  local name, code = read_code(fields.code)
  if not name then
    local name2, code2 = read_code(fields.error_code)
    if name2 then name, code = name2, code2 else code = code or code2 end
  end
  local message = type(fields.message) == "string" and fields.message
                  or type(fields.error_message) == "string" and fields.error_message or nil
  if not name then
    local e = OF_STATUS[status]
    name = e and e[3] or "HTTP_ERROR"
    if code == nil and e then code = e[1] end
  end
  return name, code, message
end

-- True when x is a batch.Error.
function Error.is_error(x)
  return type(x) == "table" and getmetatable(x) == Error
end

return Error
