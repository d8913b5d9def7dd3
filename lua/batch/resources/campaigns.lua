-- client.campaigns and client.inapp_campaigns (API 1.1): one set of methods over the routes of each
-- (batch.routes.campaigns); in-app campaigns have no stats route.
local api = require "batch.api"
local routes = require "batch.routes"
local validate = require "batch.validate"

local setmetatable, ipairs, type = setmetatable, ipairs, type
local call_opts = validate.call_opts

local Resource = {}
Resource.__index = Resource

local LIST_OPTIONS = { from = true, limit = true, live = true, from_api = true, deadline = true, timeout = true }
local EACH_OPTIONS = { live = true, from_api = true, page_size = true, deadline = true, timeout = true }
local GET_MANY_OPTIONS = { concurrency = true, deadline = true, timeout = true }
local MAX_CONCURRENCY = 1024

-- client.campaigns:get(token [, opts]) --> campaign, or nil, err
function Resource:get(token, opts)
  call_opts(self.names.get, opts)
  return api.request(self.client, self.r.get, { token = token }, opts)
end

-- client.campaigns:get_many(tokens [, {concurrency=16, deadline=, timeout=}])
--   --> { [token] = campaign }, { [token] = err }
-- Every token gets a result or an error (an invalid token INVALID_ARGUMENT, never sent); up to
-- `concurrency` requests are in flight on connections kept by the client. A repeated token is fetched once.
function Resource:get_many(tokens, opts)
  local fname = self.names.get_many
  validate.arg(fname, "tokens", tokens, "table")
  opts = call_opts(fname, opts, GET_MANY_OPTIONS)
  local concurrency = validate.concurrency(fname, opts and opts.concurrency or 16, MAX_CONCURRENCY)
  local order, seen = {}, {}
  for i = 1, #tokens do
    local token = tokens[i]
    if type(token) ~= "string" then validate.arg(fname, "tokens[" .. i .. "]", token, "string") end
    if not seen[token] then
      seen[token] = true
      order[#order + 1] = token
    end
  end
  local res, errs = api.request_many(self.client, self.r.get, #order, function(i) return { token = order[i] } end,
                                     opts, concurrency)
  local results, errors = {}, {}
  for k = 1, #order do
    local token = order[k]
    if res[k] ~= nil then results[token] = res[k] else errors[token] = errs[k] end
  end
  return results, errors
end

-- client.campaigns:list{from=0, limit=10, live=nil, from_api=nil} --> array (one page), or nil, err
function Resource:list(opts)
  opts = call_opts(self.names.list, opts, LIST_OPTIONS) or {}
  return api.request(self.client, self.r.list, opts, opts)
end

-- client.campaigns:each{live=nil, from_api=nil, page_size=100} --> iterator over every campaign.
-- A failure yields `false, err` once and ends the loop; `deadline` bounds the whole iteration.
function Resource:each(opts)
  opts = call_opts(self.names.each, opts, EACH_OPTIONS) or {}
  return api.pages(self.client, self.r.list, { live = opts.live, from_api = opts.from_api }, opts, "offset")
end

-- client.campaigns:stats(token [, opts]) --> { campaign_token=..., detail={...} }, or nil, err
function Resource:stats(token, opts)
  call_opts(self.names.stats, opts)
  return api.request(self.client, self.r.stats, { token = token }, opts)
end

-- client.campaigns:create(body [, opts]) --> { campaign_token=... }, or nil, err
function Resource:create(body, opts)
  validate.arg(self.names.create, "body", body, "table")
  call_opts(self.names.create, opts)
  return api.request(self.client, self.r.create, { body = body }, opts)
end

-- client.campaigns:update(token, body [, opts]) --> true, or nil, err
function Resource:update(token, body, opts)
  validate.arg(self.names.update, "body", body, "table")
  call_opts(self.names.update, opts)
  return api.request(self.client, self.r.update, { token = token, body = body }, opts)
end

-- client.campaigns:delete(token [, opts]) --> true, or nil, err (the route is a POST with no body)
function Resource:delete(token, opts)
  call_opts(self.names.delete, opts)
  return api.request(self.client, self.r.delete, { token = token }, opts)
end

-- Method tables: push campaigns have every method; in-app campaigns no stats (batch-api.md §2).
local METHODS = { "get", "get_many", "list", "each", "stats", "create", "update", "delete" }
local CLASSES = {}

local _M = {}

-- The resource table of `label` ("campaigns" or "inapp_campaigns") for client.
function _M.new(client, label)
  local class = CLASSES[label]
  if not class then
    local r, names, methods = {}, {}, {}
    for _, m in ipairs(METHODS) do
      local route = routes.by_name[label .. "." .. (m == "get_many" and "get" or m)]
      if route or m == "each" then
        r[m] = route
        names[m] = label .. ":" .. m
        methods[m] = Resource[m]
      end
    end
    methods.r, methods.names = r, names
    class = { __index = methods }
    CLASSES[label] = class
  end
  return setmetatable({ client = client }, class)
end

return _M
