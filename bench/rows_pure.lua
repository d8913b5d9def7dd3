-- (d) The pure-Lua CSV reader of bench/csv_pure.lua over (the first LIMIT bytes of) a local CSV file.
--   lua5.4 bench/rows_pure.lua PATH LIMIT  ->  {"rows", "bytes", "seconds"}
local common = require "bench.common"
local core = require "batch.core" -- only for its monotonic clock
local csv = require "bench.csv_pure"
local t0 = core.now()
local rows, bytes = csv.each_row(arg[1], function() end, tonumber(arg[2]))
common.report{ rows = rows, bytes = bytes, seconds = core.now() - t0 }
