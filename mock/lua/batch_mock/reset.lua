-- Back to the state of a fresh start: seed data and fixtures, no other exports and nothing clients
-- wrote, no faults, empty log, default config, exports config and rate limits (full buckets, counters
-- at zero).
-- Runs in init_by_lua (before the workers fork) and on POST /_mock/reset.
local store = require "batch_mock.store"
local seed = require "batch_mock.seed"
local faults = require "batch_mock.faults"
local reqlog = require "batch_mock.reqlog"
local config = require "batch_mock.config"
local exports_config = require "batch_mock.exports_config"
local signing = require "batch_mock.signing"
local limits = require "batch_mock.limits"
local keys = require "batch_mock.keys"
local fixtures = require "batch_mock.fixtures"
local orchestrations = require "batch_mock.routes.orchestrations"

local _M = {}

function _M.all()
  store.flush()
  if fixtures.keep_seed() then
    seed.all()
    orchestrations.seed(keys.project_key)
  end
  faults.clear()
  reqlog.clear()
  config.reset()
  exports_config.reset()
  limits.reset()
  signing.init() -- only the first time: the link secret lives as long as the emulator
  fixtures.apply()
end

return _M
