-- The client object returned by batch.new: options, transport, clock and the resource tables.
local options = require "batch.options"
local transport = require "batch.transport"
local clock = require "batch.clock"
local campaigns = require "batch.campaigns"
local exports = require "batch.exports"
local project_exports = require "batch.project_exports"

local setmetatable, pairs, type, error = setmetatable, pairs, type, error

local Client = {}
Client.__index = Client

-- Fills the resource tables of a client.
local function attach_resources(self)
  self.campaigns = campaigns.campaigns(self)
  self.inapp_campaigns = campaigns.inapp_campaigns(self)
  self.exports = exports.new(self)
  self.profiles = project_exports.profiles(self)
  self.project_exports = project_exports.project_exports(self)
end

-- batch.new(opts): checks the options (raises on a wrong one) and builds the client.
function Client.new(core, given)
  local o = options.resolve(given)
  o.user_agent = core.user_agent .. (o.app_info and (" " .. o.app_info) or "")
  local self = setmetatable({ opts = o, core = core, header_cache = {} }, Client)
  -- The connection state is shared with the clients made by for_app.
  local send, handle = transport.resolve(core, o)
  self.shared = { transport = send, handle = handle }
  self.transport = send
  local now, sleep = clock.defaults(core)
  self.now, self.sleep = o.now or now, o.sleep or sleep
  attach_resources(self)
  return self
end

-- client:for_app(api_key): a client for another app of the same company, sharing this one's options,
-- keep-alive connections and caches.
function Client:for_app(api_key)
  if type(api_key) ~= "string" then error("for_app: api_key must be a string, got " .. type(api_key), 2) end
  local given = {}
  for k, v in pairs(self.opts) do
    if options.KNOWN[k] then given[k] = v end
  end
  given.api_key = api_key
  local o = options.resolve(given)
  o.user_agent = self.opts.user_agent
  local child = setmetatable({ opts = o, core = self.core, header_cache = self.header_cache,
                               shared = self.shared, transport = self.transport,
                               now = self.now, sleep = self.sleep, child = true }, Client)
  attach_resources(child)
  return child
end

-- client:close(): releases the connections. Idempotent; a for_app child leaves the shared ones open.
function Client:close()
  if self.closed then return end
  self.closed = true
  local h = self.shared.handle
  if h and not self.child then
    self.shared.handle = nil
    h:close()
  end
end

Client.__close = Client.close

return Client
