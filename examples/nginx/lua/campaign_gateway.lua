-- An OpenResty module over lua-batch: GET /campaigns/<token> answers the campaign as JSON, never blocking
-- nginx's worker. The client is made once, when nginx starts (init_by_lua), where a missing key stops
-- nginx with a clear message instead of failing every request; each call has a deadline, so a slow or
-- rate-limited Batch never holds a request longer than that; Batch's 429 is passed on as 429 with
-- Retry-After, so the caller backs off too.
local batch = require "batch"
local cjson = require("cjson.safe").new()

local ngx = ngx -- luacheck: ignore 113
local tostring, math_ceil = tostring, math.ceil

-- URLs in campaigns stay as Batch wrote them: cjson escapes "/" by default. OpenResty's cjson can be told
-- not to; Debian's lua-cjson cannot, and there every "\/" it wrote is an escaped "/" (it escapes each one).
local encode = cjson.encode
if cjson.encode_escape_forward_slash then
  cjson.encode_escape_forward_slash(false)
else
  encode = function(v)
    local s = cjson.encode(v)
    return s and (s:gsub("\\/", "/"))
  end
end

local _M = {}

local DEADLINE = 3  -- seconds a request may spend on Batch, retries included
local client

-- init_by_lua: checks the environment and makes the client (workers inherit it).
function _M.init()
  for _, name in ipairs{ "BATCH_API_KEY", "BATCH_REST_API_KEY" } do
    local v = os.getenv(name)
    if not v or v == "" then
      error("campaign_gateway: " .. name .. " is not set: export it before starting nginx, and keep the line `env "
            .. name .. ";` in nginx.conf (nginx empties its workers' environment)", 0)
    end
  end
  client = batch.new{ timeout = 2, max_retries = 1 }
end

local function answer(status, doc, headers)
  ngx.status = status
  for k, v in pairs(headers or {}) do ngx.header[k] = v end
  ngx.say(encode(doc))
end

-- content_by_lua: the campaign of `token`, or the error as JSON with the status the caller should see.
function _M.campaign(token)
  local campaign, err = client.campaigns:get(token, { deadline = DEADLINE })
  if campaign then return answer(200, campaign) end
  ngx.log(ngx.WARN, "batch: ", tostring(err)) -- one line; keys are never in it
  local doc = { error = err.name, message = err.message }
  if err.status == 404 or err.name == "INVALID_ARGUMENT" then return answer(err.status or 400, doc) end
  if err.status == 429 then
    return answer(429, doc, { ["Retry-After"] = tostring(math_ceil(err.retry_after or 5)) })
  end
  if err.name == "TIMEOUT" then return answer(504, doc) end
  return answer(502, doc)
end

return _M
