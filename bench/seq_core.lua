-- (a) what lies under lua-batch's own Lua, on the static upstream: N sequential gets of one campaign.
--   lua5.4 bench/seq_core.lua N TOKEN MODE  ->  {"n", "seconds", "cpu"}
-- MODE "core": the C core alone, h:request of a request table made once, the answer decoded in C
--   (`decode = "json"`): no Lua layer at all, what any client on this C core pays.
-- MODE "least": the least a Lua client does on top, in one function: check the token, make the URL and
--   the request table, check the status and the shape of the answer. No retries, deadlines, events or
--   errors of the contract: a measure, not a client.
local common = require "bench.common"
local core = require "batch.core"
local n, token, mode = tonumber(arg[1]), arg[2], arg[3]
if mode ~= "core" and mode ~= "least" then error("bench/seq_core.lua: MODE is core or least", 0) end
local env = common.env
local prefix = env.BATCH_MOCK_TLS_URL .. "/1.1/" .. env.BATCH_API_KEY .. "/campaigns/"
local headers = { ["X-Authorization"] = env.BATCH_REST_API_KEY, Accept = "application/json" }
local h = core.new{ ca_file = env.BATCH_MOCK_CA }
local is_token, type = core.is_token, type

local function get(tok)
  if not is_token(tok, 128) then return nil, "not a token" end
  local res, failure = h:request{ method = "GET", url = prefix .. tok, headers = headers, timeout = 30,
                                  connect_timeout = 10, decode = "json" }
  if not res then return nil, failure end
  if res.status ~= 200 then return nil, res.status end
  local v = res.json
  if type(v) ~= "table" or type(v.campaign_token) ~= "string" then return nil, "not a campaign" end
  return v
end

local req = { method = "GET", url = prefix .. token, headers = headers, timeout = 30, connect_timeout = 10,
              decode = "json" }
assert(get(token)) -- the connection is opened outside the timing, as on the other sides
local c0, t0 = os.clock(), core.now()
if mode == "core" then
  for _ = 1, n do
    local res = h:request(req)
    if not res or res.status ~= 200 then error("bench/seq_core.lua: the request failed") end
  end
else
  for _ = 1, n do
    if not get(token) then error("bench/seq_core.lua: the request failed") end
  end
end
local seconds = core.now() - t0
common.report{ n = n, seconds = seconds, cpu = os.clock() - c0 }
h:close()
