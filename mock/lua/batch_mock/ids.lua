-- Identifiers the emulator hands out: UUID-like tokens, campaign tokens, and "<prefix>_<32 base32>"
-- ids (export_, file_, orchestration_), fresh or derived from a text (deterministic seeds).
local ngx = ngx

local format, byte, sub, concat = string.format, string.byte, string.sub, table.concat
local floor = math.floor

local _M = {}

-- Unique across workers and restarts.
local function seed()
  local n = ngx.shared.batch_mock_data:incr("ids:counter", 1, 0)
  return ngx.worker.pid() .. ":" .. ngx.now() .. ":" .. tostring(n) .. ":" .. math.random()
end

-- Lowercase base32 (0-9, a-z without i, l, o, u) of 20 bytes: 32 characters.
local B32 = "0123456789abcdefghjkmnpqrstvwxyz"
local function base32(bin)
  local out, bits, acc = {}, 0, 0
  for k = 1, #bin do
    acc = acc * 256 + byte(bin, k)
    bits = bits + 8
    while bits >= 5 do
      bits = bits - 5
      local v = floor(acc / 2 ^ bits)
      acc = acc - v * 2 ^ bits
      out[#out + 1] = sub(B32, v + 1, v + 1)
    end
  end
  return concat(out)
end
_M.base32 = base32

-- UUID-like, e.g. 9aed764e-7a79-4197-b378-df82da994f78 (from text when given, else fresh).
function _M.uuid(text)
  local h = ngx.md5(text or seed())
  return format("%s-%s-4%s-b%s-%s", sub(h, 1, 8), sub(h, 9, 12), sub(h, 14, 16), sub(h, 18, 20), sub(h, 21, 32))
end

-- 32 lowercase hex digits (campaign tokens).
function _M.hex32(text)
  return ngx.md5(text or seed())
end

-- prefix .. "_" .. 32 base32 characters (from text when given, else fresh).
function _M.prefixed(prefix, text)
  return prefix .. "_" .. base32(ngx.sha1_bin(text or seed()))
end

return _M
