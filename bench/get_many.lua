-- (b) campaigns:get_many of the tokens in a file (one a line) at each concurrency given; the emulator adds
-- its latency. Each concurrency runs once untimed (opening its connections: the client keeps them), then
-- `runs` times timed; the best run is reported.
--   lua5.4 bench/get_many.lua TOKENS_FILE RUNS C1 C2 ...  ->  {"n", "c<C>": seconds, ...}
local common = require "bench.common"
local core = require "batch.core"
local tokens = {}
for line in io.lines(arg[1]) do tokens[#tokens + 1] = line end
local runs = tonumber(arg[2])
local client = common.client()
local out = { n = #tokens }
for i = 3, #arg do
  local c = tonumber(arg[i])
  local best = math.huge
  for run = 0, c == 1 and 1 or runs do
    local t0 = core.now()
    local got, errs = client.campaigns:get_many(tokens, { concurrency = c })
    local dt = core.now() - t0
    local k, e = next(errs)
    if k then error("get_many: " .. k .. ": " .. tostring(e)) end
    local count = 0
    for _ in pairs(got) do count = count + 1 end
    assert(count == #tokens, "get_many gave " .. count .. " campaigns")
    if run > 0 and dt < best then best = dt end
    if c == 1 then best = dt break end -- one run of 1000 one after the other is long enough
  end
  out["c" .. c] = best
end
common.report(out)
client:close()
