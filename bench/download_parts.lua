-- (c) lua-batch: a 2.x export downloaded whole (project_exports:download: its parts' links asked at once,
-- the parts fetched in parallel into a folder).
--   lua5.4 bench/download_parts.lua EXPORT_ID DIR  ->  {"parts", "bytes", "seconds", "hwm_kb"}
local common = require "bench.common"
local core = require "batch.core"
local client = common.client()
local t0 = core.now()
local files = assert(client.project_exports:download(arg[1], arg[2]))
local seconds = core.now() - t0
local bytes = 0
for _, f in ipairs(files) do bytes = bytes + f.bytes end
client:close()
common.report{ parts = #files, bytes = bytes, seconds = seconds, hwm_kb = (common.memory()) }
