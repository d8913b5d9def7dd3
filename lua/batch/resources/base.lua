-- What every resource table shares: made per client from a class (its methods), the routes of its API
-- by operation, and the per-call option checks. Methods are thin: checks of the Lua arguments, then one
-- call of batch.api with the route and the values.
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

return _M
