-- (c) lua-batch: exports:download of an export (its link asked to the API, the file streamed to disk).
--   lua5.4 bench/download.lua EXPORT_ID PATH  ->  {"bytes", "seconds", "hwm_kb"}
local common = require "bench.common"
local core = require "batch.core"
local client = common.client()
local t0 = core.now()
local res = assert(client.exports:download(arg[1], arg[2]))
local seconds = core.now() - t0
client:close()
common.report{ bytes = res.bytes, seconds = seconds, hwm_kb = (common.memory()) }
