-- (d) lua-batch's row iterator (what exports:rows runs once the CSV is on disk) over a local CSV file.
--   lua5.4 bench/rows_batch.lua PATH  ->  {"rows", "bytes", "seconds", "hwm_kb"}
local common = require "bench.common"
local core = require "batch.core"
local rows = require "batch.files.rows"
local path = arg[1]
local f = assert(io.open(path, "rb"))
local bytes = f:seek("end")
f:close()
local n = 0
local t0 = core.now()
for row, err in rows.csv(function() return { path = path } end) do
  if not row then error(tostring(err)) end
  n = n + 1
end
common.report{ rows = n, bytes = bytes, seconds = core.now() - t0, hwm_kb = (common.memory()) }
