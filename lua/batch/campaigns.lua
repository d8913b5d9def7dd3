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


-- The API key is part of every 1.1 path: a client without one cannot make these calls. The path is
-- made once per resource table (a client's options do not change).
local function base(self)
  local b = self.base
  if b then return b end
  local key = self.client.opts.api_key
  if not key then
    error("batch: api_key is required for " .. self.label .. " calls (option api_key or BATCH_API_KEY)", 4)
  end
  b = self.client.opts.base_url .. "/1.1/" .. key .. "/" .. self.segment
  self.base = b
  return b
end

local deadline_of, call_opts = validate.deadline, validate.call_opts

-- GET url; `deadline` (absolute) defaults to the one of opts.
local function get_json(self, url, opts, shape, shape_name, deadline)
  local c = self.client
  return http.call(c, {
    method = "GET", url = url, headers = http.headers(c, "1"), expect = OK_200,
    shape = shape, shape_name = shape_name,
    deadline = deadline or deadline_of(c, opts), timeout = opts and opts.timeout,
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
  local fname = self.get_name
  call_opts(fname, opts)
  local ok, err = validate.token(fname, token)
  if not ok then return nil, err end
  return get_json(self, base(self) .. "/" .. token, opts, has_token, "an object with campaign_token")
end

local GET_MANY_OPTIONS = { concurrency = true, deadline = true, timeout = true }
local MAX_CONCURRENCY = 1024

-- client.campaigns:get_many(tokens [, {concurrency=16, deadline=, timeout=}])
--   --> { [token] = campaign }, { [token] = err }
-- Fetches many campaigns at once: the C core keeps up to `concurrency` requests in flight on a pool of
-- connections kept by the client (reused by the next call). Every token gets a result or an error: an
-- invalid token INVALID_ARGUMENT (never sent), the others what get would give, retries included (failed
-- requests the retry policy retries go again together, after the longest of their backoff delays).
-- `deadline` bounds the whole call, `timeout` each attempt. A repeated token is fetched once.
function Resource:get_many(tokens, opts)
  local fname = self.label .. ":get_many"
  validate.arg(fname, "tokens", tokens, "table")
  opts = call_opts(fname, opts, GET_MANY_OPTIONS)
  local concurrency = opts and opts.concurrency or 16
  if type(concurrency) ~= "number" or concurrency % 1 ~= 0 or concurrency < 1 or concurrency > MAX_CONCURRENCY then
    error(fname .. ": concurrency must be a whole number from 1 to " .. MAX_CONCURRENCY, 2)
  end
  local c = self.client
  local results, errors = {}, {}
  local calls, order, seen = {}, {}, {}
  local prefix, headers, deadline, timeout
  for i = 1, #tokens do
    local token = tokens[i]
    validate.arg(fname, "tokens[" .. i .. "]", token, "string")
    if not seen[token] then
      seen[token] = true
      local ok, err = validate.token(fname, token)
      if ok then
        if not prefix then
          prefix = base(self) .. "/"
          headers = http.headers(c, "1")
          deadline, timeout = deadline_of(c, opts), opts and opts.timeout
        end
        calls[#calls + 1] = { method = "GET", url = prefix .. token, headers = headers, expect = OK_200,
                              shape = has_token, shape_name = "an object with campaign_token",
                              deadline = deadline, timeout = timeout }
        order[#calls] = token
      else
        errors[token] = err
      end
    end
  end
  if #calls > 0 then
    local res, errs = http.call_many(c, calls, concurrency)
    for k, token in ipairs(order) do
      if res[k] ~= nil then results[token] = res[k] else errors[token] = errs[k] end
    end
  end
  return results, errors
end

local LIST_OPTIONS = { from = true, limit = true, live = true, from_api = true, deadline = true, timeout = true }

-- One page; `deadline` is absolute (each's, fixed when the iterator was made), or nil for opts'.
local function list_page(self, fname, opts, deadline)
  opts = call_opts(fname, opts, LIST_OPTIONS) or {}
  validate.arg(fname, "live", opts.live, "boolean", true)
  validate.arg(fname, "from_api", opts.from_api, "boolean", true)
  local ok, err = validate.int_range(fname, "from", opts.from, 0)
  if ok then ok, err = validate.int_range(fname, "limit", opts.limit, 1, 100) end
  if not ok then return nil, err end
  local q = http.query{ { "from", opts.from }, { "limit", opts.limit },
                        { "live", opts.live }, { "from_api", opts.from_api } }
  return get_json(self, base(self) .. "/list" .. q, opts, is_array, "an array", deadline)
end

-- client.campaigns:list{from=0, limit=10, live=nil, from_api=nil} --> array (one page), or nil, err
function Resource:list(opts)
  return list_page(self, self.label .. ":list", opts)
end

local EACH_OPTIONS = { live = true, from_api = true, page_size = true, deadline = true, timeout = true }

-- client.campaigns:each{live=nil, from_api=nil, page_size=100} --> iterator over every campaign.
-- Pages are fetched lazily; a failure yields `false, err` once and ends the loop. `deadline` bounds the
-- whole iteration (it is fixed here), `timeout` each attempt.
function Resource:each(opts)
  local fname = self.label .. ":each"
  opts = call_opts(fname, opts, EACH_OPTIONS) or {}
  local deadline = deadline_of(self.client, opts)
  local page_size = opts.page_size or 100
  local ok, err = validate.int_range(fname, "page_size", page_size, 1, 100)
  if not ok then return coroutine_wrap(function() coroutine_yield(false, err) end) end
  return coroutine_wrap(function()
    local from = 0
    while true do
      local page, perr = list_page(self, fname, { from = from, limit = page_size, live = opts.live,
                                                  from_api = opts.from_api, timeout = opts.timeout }, deadline)
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
  return setmetatable({ client = client, segment = "campaigns", label = "campaigns", get_name = "campaigns:get" },
                      CAMPAIGNS)
end

-- client.inapp_campaigns
function _M.inapp_campaigns(client)
  return setmetatable({ client = client, segment = "in-app-campaigns", label = "inapp_campaigns",
                        get_name = "inapp_campaigns:get" }, INAPP)
end

return _M
