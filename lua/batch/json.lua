-- JSON with the contract's conventions: JSON null becomes nil, and on Lua 5.3+ integral numbers become
-- integers. Decoding is the C core's (core.json_decode: one pass that builds the Lua values directly; it
-- runs on every response); encoding is lua-cjson's.
local cjson = require "cjson.safe"
local core = require "batch.core"

local codec = cjson.new()
codec.encode_max_depth(128)
codec.encode_sparse_array(false)
codec.encode_number_precision(14)

local decode = core.json_decode

local _M = { null = codec.null }

-- Returns the decoded value, or nil, message (malformed JSON, more than 128 levels, top-level null).
function _M.decode(s)
  return decode(s)
end

-- Returns the JSON text, or nil, message.
function _M.encode(v)
  return codec.encode(v)
end

return _M
