-- lua-batch: a Lua client for Batch.com's REST API. `local batch = require "batch"`.
local core = require "batch.core"
local Error = require "batch.error"
local Client = require "batch.client"
local poll = require "batch.poll"

local _M = {
  VERSION = core.version,
  Error = Error,
  is_error = Error.is_error,
  log = require "batch.log", -- batch.log.ngx{...}: client events as nginx log lines
}

-- batch.new{...} or batch.new(): a client (options in README.md; the environment fills what is not given).
function _M.new(opts)
  return Client.new(core, opts)
end

-- batch.poll(check, opts): the polling helper the waits use (see poll.lua for check's protocol).
function _M.poll(check, opts)
  return poll.poll(check, opts)
end

return _M
