-- (d) lua-batch's row iterator with `columns` (exports:rows(info, { columns = ... }) once the CSV is on
-- disk) over a local CSV file: the named fields of each row as values, no table per row.
--   lua bench/rows_columns.lua PATH NAME...  ->  {"rows", "bytes", "seconds", "hwm_kb"}
local common = require "bench.common"
local core = require "batch.core"
local rows = require "batch.files.rows"
local path = arg[1]
local columns = {}
for i = 2, #arg do columns[#columns + 1] = arg[i] end
local f = assert(io.open(path, "rb"))
local bytes = f:seek("end")
f:close()
local n = 0
local t0 = core.now()
for a, b in rows.csv(function() return { path = path } end, columns) do
  if a == false then error(tostring(b)) end
  n = n + 1
end
common.report{ rows = n, bytes = bytes, seconds = core.now() - t0, hwm_kb = (common.memory()) }
