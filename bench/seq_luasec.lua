-- (a) What a Lua user has today without lua-batch: LuaSocket + LuaSec's ssl.https (one new TLS connection
-- per request, which is what ssl.https does), the body collected with ltn12 and decoded with cjson.
--   lua5.4 bench/seq_luasec.lua N TOKEN  ->  {"n", "seconds"}
local common = require "bench.common"
local https = require "ssl.https"
local ltn12 = require "ltn12"
local socket = require "socket"
local cjson = require "cjson.safe"
local n, token = tonumber(arg[1]), arg[2]
local env = common.env
local url = env.BATCH_MOCK_TLS_URL .. "/1.1/" .. env.BATCH_API_KEY .. "/campaigns/" .. token
local headers = { ["X-Authorization"] = env.BATCH_REST_API_KEY, ["Accept"] = "application/json" }
local function get()
  local chunks = {}
  local ok, status = https.request{ url = url, headers = headers, sink = ltn12.sink.table(chunks),
                                    cafile = env.BATCH_MOCK_CA, verify = "peer", protocol = "any" }
  if ok ~= 1 or status ~= 200 then error("ssl.https: " .. tostring(status)) end
  return assert(cjson.decode(table.concat(chunks)))
end
get()
local t0 = socket.gettime()
for _ = 1, n do get() end
common.report{ n = n, seconds = socket.gettime() - t0 }
