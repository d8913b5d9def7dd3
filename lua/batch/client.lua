-- The client object returned by batch.new: options, transport, clock and the resource tables.
local options = require "batch.options"
local transport = require "batch.transport"
local clock = require "batch.clock"

local setmetatable, pairs, type, error, require = setmetatable, pairs, type, error, require

local Client = {}
Client.__index = Client

-- client.<name> -> the module that makes that resource table (loaded when first used).
local RESOURCES = {
  campaigns = { "batch.resources.campaigns", "campaigns" },
  inapp_campaigns = { "batch.resources.campaigns", "inapp_campaigns" },
  exports = { "batch.resources.exports" },
  transactional = { "batch.resources.transactional" },
  custom_data = { "batch.resources.custom_data" },
  events = { "batch.resources.events" },
  custom_audiences = { "batch.resources.custom_audiences" },
  gdpr = { "batch.resources.gdpr" },
  profiles = { "batch.resources.profiles" },
  project_exports = { "batch.resources.project_exports" },
  audiences = { "batch.resources.audiences" },
  orchestrations = { "batch.resources.orchestrations" },
  catalogs = { "batch.resources.catalogs" },
}

-- Fills the resource tables of a client.
local function attach_resources(self)
  for field, spec in pairs(RESOURCES) do
    self[field] = require(spec[1]).new(self, spec[2])
  end
end

-- batch.new(opts): checks the options (raises on a wrong one) and builds the client.
function Client.new(core, given)
  local o = options.resolve(given)
  o.user_agent = core.user_agent .. (o.app_info and (" " .. o.app_info) or "")
  local self = setmetatable({ opts = o, core = core, header_cache = {}, prefixes = {} }, Client)
  -- The connections are shared with the clients made by for_app.
  self.transport = transport.new(core, o)
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
  local child = setmetatable({ opts = o, core = self.core, header_cache = self.header_cache, prefixes = {},
                               transport = self.transport, now = self.now, sleep = self.sleep, child = true },
                             Client)
  attach_resources(child)
  return child
end

-- client:api(method, path [, { body, query, deadline, timeout }]) --> { status, headers, body, json }, or
-- nil, err: any route of Batch's API, raw. A path under /1.0/ or /1.1/ gets the client's API key after the
-- version; /2/ or /2.N/ is a 2.x route (/2/ meaning the client's api_version). Retries follow the rules
-- of every call (a write is resent only when it never reached Batch, or on 429/503).
function Client:api(method, path, opts)
  return require("batch.raw").call(self, method, path, opts)
end

-- client:queue{...}: many small writes sent in batches, within Batch's rates (lua/batch/queue).
function Client:queue(opts) return require("batch.queue").new(self, opts) end

-- client:close(): releases the connections. Idempotent; a for_app child leaves the shared ones open.
function Client:close()
  if self.closed then return end
  self.closed = true
  if not self.child then self.transport.close() end
end

Client.__close = Client.close

return Client
