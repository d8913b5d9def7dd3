-- batch.Error: the structured error every call returns as its second value.
-- Plain table with a metatable, so callers can read fields, compare names and print it in one line.
local setmetatable, getmetatable, tostring, type = setmetatable, getmetatable, tostring, type
local format, match, sub, gsub = string.format, string.match, string.sub, string.gsub

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

-- True when x is a batch.Error.
function Error.is_error(x)
  return type(x) == "table" and getmetatable(x) == Error
end

return Error
