-- Signed storage links, like a cloud bucket's pre-signed URLs:
--   <base>/_storage/v1/<generation>/<object>?expires=<unix time>&signature=<hex>
-- signature = hex(HMAC-SHA1(secret, path .. "\n" .. expires)). The secret is made once per emulator
-- start (kept across /_mock/reset). POST /_mock/exports/expire_links bumps the generation: every link
-- given before then counts as expired.
local ngx = ngx

local format, byte, gsub, find, tonumber, floor, ceil = string.format, string.byte, string.gsub, string.find,
  tonumber, math.floor, math.ceil
local io_open = io.open

local _M = {}

_M.PREFIX = "/_storage/v1/"

local function ctl() return ngx.shared.batch_mock_ctl end

local function hex(s)
  return (gsub(s, ".", function(c) return format("%02x", byte(c)) end))
end

-- Makes the secret unless there is one. Runs in init_by_lua (before the workers fork).
function _M.init()
  local d = ctl()
  if d:get("sign:secret") then return end
  local seed
  local f = io_open("/dev/urandom", "rb")
  if f then
    seed = f:read(32)
    f:close()
  end
  seed = (seed or "") .. tostring(ngx.now()) .. tostring({}) .. tostring(math.random())
  d:add("sign:secret", hex(ngx.sha1_bin(seed)))
  d:add("sign:gen", 1)
end

function _M.generation()
  return ctl():get("sign:gen") or 1
end

-- Every link given so far expires.
function _M.expire_all()
  ctl():incr("sign:gen", 1, 1)
end

local function signature(path, expires)
  return hex(ngx.hmac_sha1(ctl():get("sign:secret") or "", path .. "\n" .. expires))
end

-- A signed link to object (a path below the prefix and the generation), valid ttl seconds rounded up
-- to a whole second (ttl 0: already expired). Returns the URL and its expiry (unix seconds).
function _M.link(base, object, ttl)
  local now = ngx.now()
  local expires = ttl > 0 and ceil(now + ttl) or floor(now)
  local path = _M.PREFIX .. _M.generation() .. "/" .. object
  return base .. path .. "?expires=" .. expires .. "&signature=" .. signature(path, expires), expires
end

-- Checks the link of this request. Returns the object path, or nil, an S3-like error code and a message.
function _M.check(path, args)
  local expires, sig = args.expires, args.signature
  if type(expires) ~= "string" or type(sig) ~= "string" then
    return nil, "AccessDenied", "Query-string authentication requires the expires and signature parameters"
  end
  if not find(expires, "^%d+$") or #expires > 12 then
    return nil, "AccessDenied", "Invalid date (should be seconds since epoch)"
  end
  if sig ~= signature(path, expires) then
    return nil, "SignatureDoesNotMatch",
      "The request signature we calculated does not match the signature you provided"
  end
  local gen, object = path:match("^/_storage/v1/(%d+)/(.+)$")
  if ngx.now() >= tonumber(expires) or tonumber(gen) ~= _M.generation() then
    return nil, "AccessDenied", "Request has expired"
  end
  return object
end

return _M
