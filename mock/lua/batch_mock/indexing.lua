-- Indexing tokens of the asynchronous 2.x writes (audiences, catalog items) and of custom audiences:
-- each write gets a token whose state is IN_PROGRESS until `indexing_delay` seconds (config.lua)
-- have passed, then APPLIED, or REPLACED once a later replace of the same object was issued
-- (batch-api.md §10.1). The tokens live in their object's record: rec.tokens = { { token, issued,
-- ready, replace } } (the last MAX kept).
local ngx = ngx
local config = require "batch_mock.config"
local ids = require "batch_mock.ids"
local json = require "batch_mock.json"

local _M = {}

local MAX = 100

-- Adds a token to rec (replace: a replace of the whole content). Returns the token.
function _M.issue(rec, replace)
  ngx.update_time()
  local now = ngx.now()
  local token = ngx.md5(ids.uuid())
  rec.tokens = rec.tokens or json.array()
  local list = rec.tokens
  list[#list + 1] = { token = token, issued = now, ready = now + config.delay("indexing_delay"),
                      replace = replace or nil }
  if #list > MAX then
    local kept = json.array()
    for i = #list - MAX + 1, #list do kept[#kept + 1] = list[i] end
    rec.tokens = kept
  end
  return token
end

-- The state of token (nil: the last one) of rec, or nil when rec has no such token.
function _M.state(rec, token)
  local list = rec.tokens or {}
  local at
  for i = #list, 1, -1 do
    if token == nil or list[i].token == token then at = i break end
  end
  if not at then
    if token == nil then return "APPLIED" end -- nothing was ever written
    return nil
  end
  for i = at + 1, #list do
    if list[i].replace then return "REPLACED" end
  end
  ngx.update_time()
  if ngx.now() < list[at].ready then return "IN_PROGRESS" end
  return "APPLIED"
end

return _M
