-- Authentication of the two API families (batch-api.md §0). Each check returns nothing when the
-- request may go on (after setting ctx.key / ctx.app), else the error's status and body.
local ngx = ngx
local keys = require "batch_mock.keys"
local errors = require "batch_mock.errors"

local _M = {}

-- MEP (1.x): the API key in the path, the REST key in X-Authorization. View, list and stats take
-- LIVE keys only (route.live_only).
function _M.mep(ctx, api_key, route)
  local k = keys.apps[api_key]
  if not k then
    return errors.v1("AUTHENTICATION_INVALID", "Authentication invalid: unknown API key")
  end
  local rest = ngx.var.http_x_authorization
  if rest ~= keys.rest_key then
    return errors.v1("AUTHENTICATION_INVALID", rest and "Authentication invalid: wrong REST API key"
      or "Authentication invalid: missing X-Authorization header")
  end
  if route.live_only and not k.live then
    return errors.v1("API_MISUSE", "Only LIVE API Keys are supported by this API")
  end
  ctx.key, ctx.app = k, k.app
end

-- CEP (2.x): Authorization: Bearer <REST key> and X-Batch-Project: <project key>. A missing or wrong
-- bearer: 401. Then a missing X-Batch-Project (a required header parameter in the OpenAPI): 400
-- MISSING_PARAMETER; an unknown one: 401 (the REST key "is not valid for this project"). UNCONFIRMED.
function _M.cep(ctx)
  local authz = ngx.var.http_authorization
  if not authz then
    return errors.v2("AUTHENTICATION_INVALID", "Missing Authorization header (Bearer <REST API Key>)")
  end
  if authz ~= "Bearer " .. keys.rest_key then
    return errors.v2("AUTHENTICATION_INVALID", "The Rest API Key is not valid for this project")
  end
  local project = ngx.var.http_x_batch_project
  if not project or project == "" then
    return errors.v2("MISSING_PARAMETER", "Missing header 'X-Batch-Project'")
  end
  if project ~= keys.project_key then
    return errors.v2("AUTHENTICATION_INVALID", "The Rest API Key is not valid for this project")
  end
  ctx.project = project
end

return _M
