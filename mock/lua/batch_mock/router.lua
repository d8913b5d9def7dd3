-- Finds the route of a request among the files listed in batch_mock.routes, checks its
-- authentication, and calls its handler. Built once per worker (lua_code_cache on).
--
-- A route declares its path as a template written as batch-api.md writes it:
--   "/1.1/{api_key}/campaigns/stats/{token}", "/2.N/audiences/view"
-- `{name}` is one path segment (captured, percent-decoded), `2.N` any 2.x version (its N captured).
-- The template is both what /_mock/routes lists and what the request path is matched against, so
-- the list cannot drift from what is served. A route may give a raw Lua `pattern` instead (the
-- storage links, which are not Batch routes): it is served but not listed.
local auth = require "batch_mock.auth"
local errors = require "batch_mock.errors"

local match, find, gsub, char, tonumber = string.match, string.find, string.gsub, string.char, tonumber

local _M = {}

-- The Lua pattern of a path template.
local function compile(path)
  assert(find(path, "^/"), "a route path starts with /: " .. path)
  local out = { "^" }
  for segment in path:gmatch("/([^/]*)") do
    local piece
    if segment == "2.N" then
      piece = "2%.(%d+)"
    elseif find(segment, "^{[%w_]+}$") then
      piece = "([^/]+)"
    else
      assert(not find(segment, "[{}]"), "a placeholder is a whole segment: " .. path)
      piece = gsub(segment, "[%^%$%(%)%%%.%[%]%*%+%-%?]", "%%%0")
    end
    out[#out + 1] = "/" .. piece
  end
  out[#out + 1] = "$"
  return table.concat(out)
end
_M.compile = compile

local ROUTES = {}
for _, name in ipairs(require "batch_mock.routes") do
  for _, r in ipairs(require(name)) do
    assert(r.method and (r.path or r.pattern) and r.handler,
      name .. ": a route needs method, path (or pattern) and handler")
    assert(r.auth == nil or auth[r.auth], name .. ": unknown auth " .. tostring(r.auth))
    if r.path then r.pattern = compile(r.path) end
    ROUTES[#ROUTES + 1] = r
  end
end
_M.ROUTES = ROUTES

-- The names of the rate-limited routes (route.limit, see limits.lua).
function _M.limited()
  local out = {}
  for _, r in ipairs(ROUTES) do
    if r.limit then out[#out + 1] = r.limit end
  end
  return out
end

-- Every Batch route served, in the order of the route files: { { method, path, auth }, ... }.
function _M.list()
  local out = {}
  for _, r in ipairs(ROUTES) do
    if r.path then out[#out + 1] = { method = r.method, path = r.path, auth = r.auth } end
  end
  return out
end

-- %XX escapes of a path segment decoded ("+" stays "+": this is a path, not a form).
local function hex_char(h) return char(tonumber(h, 16)) end
local function decode(s)
  if s and find(s, "%", 1, true) then return (gsub(s, "%%(%x%x)", hex_char)) end
  return s
end
_M.decode = decode

-- The path with any API key segment of /1.x/ replaced, for messages and logs.
function _M.redact(path)
  return (gsub(path, "^(/1%.%d+/)[^/]+", "%1{api_key}"))
end

local function route_not_found(method, path)
  local message = "Route not found: " .. method .. " " .. _M.redact(path)
  if find(path, "^/2%.") then return errors.v2("ROUTE_NOT_FOUND", message) end
  return errors.v1("ROUTE_NOT_FOUND", message)
end

-- Returns status, body, headers. The path matched is the raw one (ctx.path: percent escapes kept,
-- so that a custom ID "a%2Fb" stays one segment); captures are decoded before the handler sees them.
-- The first route whose pattern matches decides; another route with the very same pattern may serve
-- another method (method "*": any method, for a route that answers wrong methods itself). A path
-- that matches with the wrong method is an unknown route (404, code 20), checked before
-- authentication.
function _M.dispatch(ctx)
  local method, path = ctx.method, ctx.path or ctx.uri
  local matched
  for i = 1, #ROUTES do
    local r = ROUTES[i]
    if not matched or r.pattern == matched then
      local a, b, c = match(path, r.pattern)
      if a then
        if r.method == method or r.method == "*" then
          a, b, c = decode(a), decode(b), decode(c)
          ctx.route = r
          if r.auth then
            local status, body, headers = auth[r.auth](ctx, a, r)
            if status then return status, body, headers end
          end
          return r.handler(ctx, a, b, c)
        end
        matched = r.pattern
      end
    end
  end
  return route_not_found(method, path)
end

return _M
