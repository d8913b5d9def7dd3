-- Campaigns API 1.1 and In-App Campaigns API 1.1 (batch-api.md §1, §2): the handlers, shared by
-- both kinds ("push" and "in_app"), and the route table of each.
local ngx = ngx
local json = require "batch_mock.json"
local store = require "batch_mock.store"
local errors = require "batch_mock.errors"
local validate = require "batch_mock.validate"
local dates = require "batch_mock.dates"

local pairs, type = pairs, type

local _M = {}

-- Fields the server sets; a create or update body cannot change them.
local READ_ONLY = { campaign_token = true, from_api = true, dev_only = true, created_date = true }

local NOT_FOUND = { push = "Campaign not found", in_app = "In-app campaign not found" }

local function now() return dates.v1(ngx.time()) end

local function not_found(kind, token)
  return errors.v1("ROUTE_NOT_FOUND", NOT_FOUND[kind] .. ": no campaign with token '" .. token .. "'")
end

function _M.view(ctx, kind, token)
  local c = store.get(ctx.app, kind, token)
  if not c then return not_found(kind, token) end
  return 200, c
end

function _M.list(ctx, kind)
  local q, name, message = validate.list_args(ngx.req.get_uri_args(20))
  if not q then return errors.v1(name, message) end
  return 200, store.list(ctx.app, kind, q.from, q.limit, q.live, q.from_api)
end

function _M.stats(ctx, token)
  local s = store.get_stats(ctx.app, token)
  if not s then return not_found("push", token) end
  return 200, s
end

-- The parameters of a body that count for the update rule: those the client sets.
local function count_params(doc)
  local n = 0
  for k in pairs(doc) do
    if not READ_ONLY[k] then n = n + 1 end
  end
  return n
end
_M.count_params = count_params

-- A create or update body as stored: gcm_collapse_key is an object on create but a string on view
-- (batch-api.md §1.3): the key when enabled, else "default" (UNCONFIRMED).
local function stored_form(c)
  local g = c.gcm_collapse_key
  if type(g) == "table" then
    c.gcm_collapse_key = (g.enabled ~= false and type(g.key) == "string") and g.key or "default"
  end
  return c
end

-- Stores a new campaign made from doc for app; the server's fields (token, from_api, ...) are set
-- from opts: from_api (default true), dev_only, created_date (default now). Returns the token.
function _M.insert(app, kind, doc, opts)
  local c = {}
  for k, v in pairs(doc) do
    if not READ_ONLY[k] then c[k] = v end
  end
  stored_form(c)
  local token = opts.token or store.new_token()
  c.campaign_token = token
  c.from_api = opts.from_api ~= false
  c.dev_only = opts.dev_only == true
  c.created_date = opts.created_date or now()
  if c.live == nil then c.live = false end
  if kind == "push" and (c.push_time == nil or c.push_time == "now") then c.push_time = c.created_date end
  local ok, err = store.put(app, kind, c, true)
  if ok then ok, err = store.set_params(app, kind, token, count_params(doc)) end
  if ok and kind == "push" then
    ok, err = store.put_stats(app, token, opts.stats or { campaign_token = token, detail = json.array() })
  end
  if not ok then return nil, err end
  return token
end

function _M.create(ctx, kind)
  local doc, name, message = validate.object_body(ctx.body)
  if not doc then return errors.v1(name, message) end
  name, message = validate.campaign(kind, doc, true)
  if name then return errors.v1(name, message) end
  -- created with a DEV key: only dev builds receive it
  local token, err = _M.insert(ctx.app, kind, doc, { dev_only = not ctx.key.live })
  if not token then return errors.v1("SERVER_ERROR", "emulator storage full: " .. err) end
  return 201, json.encode{ campaign_token = token }
end

-- Only campaigns created through the API can be updated (batch-api.md §1.4); the body carries at
-- least as many parameters as the create did. Both errors' codes are UNCONFIRMED (403/12, 400/30).
function _M.update(ctx, kind, token)
  local stored = store.get(ctx.app, kind, token)
  if not stored then return not_found(kind, token) end
  local c = assert(json.decode(stored))
  if c.from_api ~= true then
    return errors.v1("API_MISUSE", "Only campaigns created through the API can be updated: campaign '"
      .. token .. "' was created in the dashboard")
  end
  local doc, name, message = validate.object_body(ctx.body)
  if not doc then return errors.v1(name, message) end
  local need, got = store.get_params(ctx.app, kind, token), count_params(doc)
  if got < need then
    return errors.v1("MISSING_PARAMETER", "Missing parameters: an update must carry at least as many parameters "
      .. "as the campaign has had (" .. need .. "), got " .. got)
  end
  name, message = validate.campaign(kind, doc, false)
  if name then return errors.v1(name, message) end
  for k, v in pairs(doc) do
    if not READ_ONLY[k] then c[k] = v end
  end
  stored_form(c)
  if kind == "push" and c.push_time == "now" then c.push_time = now() end
  local ok, err = store.put(ctx.app, kind, c, false)
  if ok then ok, err = store.set_params(ctx.app, kind, token, got) end
  if not ok then return errors.v1("SERVER_ERROR", "emulator storage full: " .. err) end
  return 200, "{}"
end

function _M.delete(ctx, kind, token)
  if not store.get(ctx.app, kind, token) then return not_found(kind, token) end
  store.delete(ctx.app, kind, token)
  return 200, "{}"
end

-- The routes of one kind under /1.1/{api_key}/<segment>/. Order matters: the fixed words come
-- before the catch-all view route, so "GET .../create" is a wrong method, not an unknown token.
function _M.routes(kind, segment, with_stats)
  local base = "/1.1/{api_key}/" .. segment .. "/"
  local routes = {
    { method = "GET", path = base .. "list", auth = "mep", live_only = true,
      handler = function(ctx) return _M.list(ctx, kind) end },
    { method = "POST", path = base .. "create", auth = "mep",
      handler = function(ctx) return _M.create(ctx, kind) end },
    { method = "POST", path = base .. "update/{token}", auth = "mep",
      handler = function(ctx, _, token) return _M.update(ctx, kind, token) end },
    { method = "POST", path = base .. "delete/{token}", auth = "mep",
      handler = function(ctx, _, token) return _M.delete(ctx, kind, token) end },
  }
  if with_stats then
    routes[#routes + 1] = { method = "GET", path = base .. "stats/{token}", auth = "mep", live_only = true,
                            handler = function(ctx, _, token) return _M.stats(ctx, token) end }
  end
  routes[#routes + 1] = { method = "GET", path = base .. "{token}", auth = "mep", live_only = true,
                          handler = function(ctx, _, token) return _M.view(ctx, kind, token) end }
  return routes
end

return _M
