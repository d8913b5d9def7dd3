-- client:api(method, path, opts): any route of Batch's API, for what the route table does not cover yet
-- (and for `batch api`). The call goes through the same engine as every other: auth headers of the
-- path's family, retries, the deadline, redaction.
local api = require "batch.api"
local routes = require "batch.routes"
local validate = require "batch.validate"
local raise = validate.raise

local type, pairs, tostring = type, pairs, tostring
local match, find, sort = string.match, string.find, table.sort

local _M = {}

local OPTIONS = { body = true, query = true, deadline = true, timeout = true }
local ANY_2XX = {}
for s = 200, 299 do ANY_2XX[s] = true end

-- The family of a path and what follows its version: "/1.1/campaigns/list" -> "1.1", "/campaigns/list".
local function family_of(path)
  local v, rest = match(path, "^/(1%.[01])(/.*)$")
  if v then return v, rest end
  rest = match(path, "^/2/(.*)$") or match(path, "^/2%.%d+/(.*)$")
  if rest then return "2", "/" .. rest end
end

function _M.call(client, method, path, opts)
  local fname = "client:api"
  validate.arg(fname, "method", method, "string")
  validate.arg(fname, "path", path, "string")
  opts = validate.call_opts(fname, opts, OPTIONS) or {}
  if not find(method, "^%u+$") then raise(fname .. ": method must be an HTTP method in capitals, like GET") end
  local family, rest = family_of(path)
  if not family then
    return validate.invalid(fname .. ": path must start with /1.0/, /1.1/, /2/ or /2.N/ (got " .. path .. ")")
  end
  if find(rest, "[%c%s#]") then return validate.invalid(fname .. ": path holds a space or a control character") end
  local query, params = {}, { body = opts.body }
  if opts.query ~= nil then
    validate.arg(fname, "query", opts.query, "table")
    for k, v in pairs(opts.query) do
      query[#query + 1] = { tostring(k), "fixed" }
      params[tostring(k)] = v
    end
    sort(query, function(a, b) return a[1] < b[1] end)
  end
  local body = opts.body
  if body ~= nil and type(body) ~= "table" and type(body) ~= "string" then
    raise(fname .. ": body must be a table or a JSON string")
  end
  local route = routes.prepare{
    name = "api", lua = fname, method = method, family = family, path = rest, pieces = { { text = rest } },
    query = #query > 0 and query or nil, expect_set = ANY_2XX, result = "raw",
    body = body ~= nil and "any" or nil,
  }
  return api.request(client, route, params, opts)
end

return _M
