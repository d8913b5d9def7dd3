-- What every resource table shares: made per client from a class (its methods), the routes of its API
-- by operation, and the per-call option checks. Methods are thin: checks of the Lua arguments, then one
-- call of batch.api with the route and the values.
local api = require "batch.api"
local validate = require "batch.validate"

local setmetatable, pairs = setmetatable, pairs

local _M = {}

-- A class whose objects are resource tables { client = ... }; `new(client)` makes one.
function _M.class()
  local class = {}
  class.__index = class
  return class, function(client) return setmetatable({ client = client }, class) end
end

-- The option names of a method: deadline and timeout, plus those given.
function _M.options(...)
  local known = {}
  for k in pairs(validate.CALL_OPTIONS) do known[k] = true end
  for i = 1, select("#", ...) do known[select(i, ...)] = true end
  return known
end

local VIEW = _M.options("indexing_token")
local LIST = _M.options("from", "limit")
local EACH = _M.options("page_size")

-- The methods of a 2.x collection addressed by name (audiences, catalogs), put on `class`: `group` is
-- its name in the route table and in messages ("audiences"), `R` its routes.
--   :create(body [, opts])                          --> Batch's answer
--   :remove(name [, opts])                          --> Batch's answer
--   :view(name [, { indexing_token }])              --> the record
--   :list{ from = cursor, limit = 10 }              --> { <group>, count (first page only), has_more, next_from }
--   :each{ page_size = 100 }                        --> iterator over every record
function _M.named_collection(class, group, R)
  local CREATE, REMOVE = group .. ":create", group .. ":remove"
  local VIEW_NAME, LIST_NAME, EACH_NAME = group .. ":view", group .. ":list", group .. ":each"

  function class:create(body, opts)
    validate.arg(CREATE, "body", body, "table")
    validate.call_opts(CREATE, opts)
    return api.request(self.client, R.create, { body = body }, opts)
  end

  function class:remove(name, opts)
    validate.call_opts(REMOVE, opts)
    return api.request(self.client, R.remove, { body = { name = name } }, opts)
  end

  function class:view(name, opts)
    opts = validate.call_opts(VIEW_NAME, opts, VIEW)
    return api.request(self.client, R.view, { name = name, indexing_token = opts and opts.indexing_token }, opts)
  end

  function class:list(opts)
    opts = validate.call_opts(LIST_NAME, opts, LIST) or {}
    return api.request(self.client, R.list, opts, opts)
  end

  function class:each(opts)
    opts = validate.call_opts(EACH_NAME, opts, EACH) or {}
    return api.pages(self.client, R.list, {}, opts, "cursor", group)
  end
end

return _M
