-- Campaigns and in-app campaigns, API 1.1. One table of methods serves both; each instance knows its
-- route segment ("campaigns" or "in-app-campaigns"). Paths and statuses follow batch-api.md §1 and §2.
local http = require "batch.http"
local json = require "batch.json"
local validate = require "batch.validate"

local setmetatable, type, error, ipairs, pairs, next = setmetatable, type, error, ipairs, pairs, next
local coroutine_wrap, coroutine_yield = coroutine.wrap, coroutine.yield

local Resource = {}

local OK_200 = { [200] = true }
local OK_CREATE = { [200] = true, [201] = true }

local function is_object(v) return type(v) == "table" and (next(v) == nil or v[1] == nil) end
local function is_array(v) return type(v) == "table" and (next(v) == nil or v[1] ~= nil) end
local function has_token(v) return is_object(v) and type(v.campaign_token) == "string" end


-- The API key is part of every 1.1 path: a client without one cannot make these calls.
local function base(self)
  local key = self.client.opts.api_key
  if not key then
    error("batch: api_key is required for " .. self.label .. " calls (option api_key or BATCH_API_KEY)", 4)
  end
  return self.client.opts.base_url .. "/1.1/" .. key .. "/" .. self.segment
end

-- Absolute deadline from the per-call options (seconds from now), or nil.
local function deadline_of(client, opts)
  if opts and opts.deadline then return client.now() + opts.deadline end
end

local function call_opts(fname, opts)
  validate.arg(fname, "options", opts, "table", true)
  if opts then
    validate.known(fname, opts, validate.CALL_OPTIONS)
    validate.arg(fname, "deadline", opts.deadline, "number", true)
    validate.arg(fname, "timeout", opts.timeout, "number", true)
  end
  return opts
end

local function get_json(self, url, opts, shape, shape_name)
  local c = self.client
  return http.call(c, {
    method = "GET", url = url, headers = http.headers(c, "1"), expect = OK_200,
    shape = shape, shape_name = shape_name,
    deadline = deadline_of(c, opts), timeout = opts and opts.timeout,
  })
end

local function post_json(self, url, body, expect, opts, shape, shape_name)
  local c = self.client
  local text
  if body ~= nil then
    local err
    text, err = json.encode(body)
    if not text then return validate.invalid(self.label .. ": the body cannot be encoded as JSON: " .. err) end
  end
  return http.call(c, {
    method = "POST", url = url, headers = http.headers(c, "1", text ~= nil), body = text or "",
    expect = expect, decode = shape ~= nil, shape = shape, shape_name = shape_name,
    deadline = deadline_of(c, opts), timeout = opts and opts.timeout,
  })
end

-- client.campaigns:get(token [, opts]) --> campaign table, or nil, err
function Resource:get(token, opts)
  local fname = self.label .. ":get"
  call_opts(fname, opts)
  local ok, err = validate.token(fname, token)
  if not ok then return nil, err end
  return get_json(self, base(self) .. "/" .. token, opts, has_token, "an object with campaign_token")
end

local LIST_OPTIONS = { from = true, limit = true, live = true, from_api = true, deadline = true, timeout = true }

-- client.campaigns:list{from=0, limit=10, live=nil, from_api=nil} --> array (one page), or nil, err
function Resource:list(opts)
  local fname = self.label .. ":list"
  validate.arg(fname, "options", opts, "table", true)
  opts = opts or {}
  validate.known(fname, opts, LIST_OPTIONS)
  validate.arg(fname, "live", opts.live, "boolean", true)
  validate.arg(fname, "from_api", opts.from_api, "boolean", true)
  local ok, err = validate.int_range(fname, "from", opts.from, 0)
  if ok then ok, err = validate.int_range(fname, "limit", opts.limit, 1, 100) end
  if not ok then return nil, err end
  local q = http.query{ { "from", opts.from }, { "limit", opts.limit },
                        { "live", opts.live }, { "from_api", opts.from_api } }
  return get_json(self, base(self) .. "/list" .. q, opts, is_array, "an array")
end

local EACH_OPTIONS = { live = true, from_api = true, page_size = true, deadline = true, timeout = true }

-- client.campaigns:each{live=nil, from_api=nil, page_size=100} --> iterator over every campaign.
-- Pages are fetched lazily; a failure yields `false, err` once and ends the loop.
function Resource:each(opts)
  local fname = self.label .. ":each"
  validate.arg(fname, "options", opts, "table", true)
  opts = opts or {}
  validate.known(fname, opts, EACH_OPTIONS)
  local page_size = opts.page_size or 100
  local ok, err = validate.int_range(fname, "page_size", page_size, 1, 100)
  if not ok then return coroutine_wrap(function() coroutine_yield(false, err) end) end
  return coroutine_wrap(function()
    local from = 0
    while true do
      local page, perr = self:list{ from = from, limit = page_size, live = opts.live,
                                    from_api = opts.from_api, deadline = opts.deadline,
                                    timeout = opts.timeout }
      if not page then coroutine_yield(false, perr) return end
      for _, item in ipairs(page) do coroutine_yield(item) end
      -- No total or cursor is documented: a short page is the last one.
      if #page < page_size then return end
      from = from + #page
    end
  end)
end

-- client.campaigns:stats(token [, opts]) --> { campaign_token=..., detail={...} }, or nil, err
function Resource:stats(token, opts)
  local fname = self.label .. ":stats"
  call_opts(fname, opts)
  local ok, err = validate.token(fname, token)
  if not ok then return nil, err end
  return get_json(self, base(self) .. "/stats/" .. token, opts, has_token,
                  "an object with campaign_token")
end

-- client.campaigns:create(body [, opts]) --> { campaign_token=... }, or nil, err
function Resource:create(body, opts)
  local fname = self.label .. ":create"
  validate.arg(fname, "body", body, "table")
  call_opts(fname, opts)
  return post_json(self, base(self) .. "/create", body, OK_CREATE, opts, has_token,
                   "an object with campaign_token")
end

-- client.campaigns:update(token, body [, opts]) --> true, or nil, err
function Resource:update(token, body, opts)
  local fname = self.label .. ":update"
  validate.arg(fname, "body", body, "table")
  call_opts(fname, opts)
  local ok, err = validate.token(fname, token)
  if not ok then return nil, err end
  return post_json(self, base(self) .. "/update/" .. token, body, OK_200, opts)
end

-- client.campaigns:delete(token [, opts]) --> true, or nil, err (the route is a POST with no body)
function Resource:delete(token, opts)
  local fname = self.label .. ":delete"
  call_opts(fname, opts)
  local ok, err = validate.token(fname, token)
  if not ok then return nil, err end
  return post_json(self, base(self) .. "/delete/" .. token, nil, OK_200, opts)
end

-- Metatables: push campaigns have every method; in-app campaigns have no stats route (batch-api.md §2).
local CAMPAIGNS = { __index = Resource }
local INAPP_METHODS = {}
for name, f in pairs(Resource) do
  if name ~= "stats" then INAPP_METHODS[name] = f end
end
local INAPP = { __index = INAPP_METHODS }

local _M = {}

-- client.campaigns
function _M.campaigns(client)
  return setmetatable({ client = client, segment = "campaigns", label = "campaigns" }, CAMPAIGNS)
end

-- client.inapp_campaigns
function _M.inapp_campaigns(client)
  return setmetatable({ client = client, segment = "in-app-campaigns", label = "inapp_campaigns" }, INAPP)
end

return _M
