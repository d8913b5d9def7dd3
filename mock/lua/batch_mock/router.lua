-- Finds the route of a request among the files listed in batch_mock.routes, checks its
-- authentication, and calls its handler. Built once per worker (lua_code_cache on).
local auth = require "batch_mock.auth"
local errors = require "batch_mock.errors"

local match, find = string.match, string.find

local _M = {}

local ROUTES = {}
for _, name in ipairs(require "batch_mock.routes") do
  for _, r in ipairs(require(name)) do
    assert(r.method and r.pattern and r.handler, name .. ": a route needs method, pattern and handler")
    assert(r.auth == nil or auth[r.auth], name .. ": unknown auth " .. tostring(r.auth))
    ROUTES[#ROUTES + 1] = r
  end
end
_M.ROUTES = ROUTES

local function route_not_found(method, uri)
  local message = "Route not found: " .. method .. " " .. (uri:gsub("^(/1%.%d+/)[^/]+", "%1{api_key}"))
  if find(uri, "^/2%.") then return errors.v2("ROUTE_NOT_FOUND", message) end
  return errors.v1("ROUTE_NOT_FOUND", message)
end

-- Returns status, body, headers. The first route whose pattern matches the path decides; another
-- route with the very same pattern may serve another method (method "*": any method, for a route
-- that answers wrong methods itself). A path that matches with the wrong method is an unknown route
-- (404, code 20), checked before authentication.
function _M.dispatch(ctx)
  local method, uri = ctx.method, ctx.uri
  local matched
  for i = 1, #ROUTES do
    local r = ROUTES[i]
    if not matched or r.pattern == matched then
      local a, b, c = match(uri, r.pattern)
      if a then
        if r.method == method or r.method == "*" then
          if r.auth then
            local status, body = auth[r.auth](ctx, a, r)
            if status then return status, body end
          end
          return r.handler(ctx, a, b, c)
        end
        matched = r.pattern
      end
    end
  end
  return route_not_found(method, uri)
end

return _M
