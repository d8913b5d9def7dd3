-- Campaign storage in the batch_mock_data shared dict, so that every nginx worker sees the same data.
-- Keys (app = "ios" | "android", kind = "push" | "in_app"):
--   c:<app>:<kind>:<token>   the full campaign JSON, served as is by the view route
--   b:<app>:<kind>:<token>   "<live 0|1><from_api 0|1>" .. the basic-info JSON of the list route
--   q:<app>:<kind>:<token>   its creation sequence number
--   s:<app>:<kind>:<seq>     the token created at that sequence number (list order: newest first)
--   n:<app>:<kind>           the last sequence number
--   st:<app>:<token>         push stats JSON
--   np:<app>:<kind>:<token>  how many parameters an update must carry at least (batch-api.md §1.4)
-- Answers are stored already encoded: a view is one dict lookup and no JSON work.
-- Writes use safe_set: a full dict gives an error (a 500 answer) instead of silently evicting data.
local ngx = ngx
local json = require "batch_mock.json"
local ids = require "batch_mock.ids"

local sub, byte, concat, tostring, ipairs = string.sub, string.byte, table.concat, tostring, ipairs

local _M = {}

local function dict() return ngx.shared.batch_mock_data end

-- The fields of the list route ("only basic information", batch-api.md §1.2; the in-app set is
-- UNCONFIRMED).
local BASIC = {
  push = { "campaign_token", "from_api", "dev_only", "created_date", "name", "live", "push_time" },
  in_app = { "campaign_token", "from_api", "dev_only", "created_date", "name", "live",
             "start_date", "local_start_date", "end_date" },
}

local function basic_of(kind, c)
  local b = {}
  for _, f in ipairs(BASIC[kind]) do b[f] = c[f] end
  return (c.live == true and "1" or "0") .. (c.from_api == true and "1" or "0") .. json.encode(b)
end

-- Stores campaign c (a table holding campaign_token). A new campaign gets the next sequence number,
-- so it comes first in the list.
function _M.put(app, kind, c, is_new)
  local d = dict()
  local token = c.campaign_token
  local p = app .. ":" .. kind .. ":"
  local ok, err = d:safe_set("c:" .. p .. token, json.encode(c))
  if ok then ok, err = d:safe_set("b:" .. p .. token, basic_of(kind, c)) end
  if ok and is_new then
    local seq
    seq, err = d:incr("n:" .. app .. ":" .. kind, 1, 0)
    ok = seq and d:safe_set("q:" .. p .. token, seq)
    if ok then ok, err = d:safe_set("s:" .. p .. seq, token) end
  end
  if not ok then return nil, "batch_mock_data: " .. tostring(err) end
  return true
end

-- The stored JSON of a campaign, or nil.
function _M.get(app, kind, token)
  return dict():get("c:" .. app .. ":" .. kind .. ":" .. token)
end

function _M.delete(app, kind, token)
  local d = dict()
  local p = app .. ":" .. kind .. ":"
  local seq = d:get("q:" .. p .. token)
  if seq then d:delete("s:" .. p .. seq) end
  d:delete("q:" .. p .. token)
  d:delete("c:" .. p .. token)
  d:delete("b:" .. p .. token)
  d:delete("st:" .. app .. ":" .. token)
  d:delete("np:" .. p .. token)
end

-- The parameter count an update of this campaign must reach: the create's, raised by any update
-- that carried more ("parameters added after an update cannot be removed").
function _M.get_params(app, kind, token)
  return dict():get("np:" .. app .. ":" .. kind .. ":" .. token) or 0
end

function _M.set_params(app, kind, token, n)
  local ok, err = dict():safe_set("np:" .. app .. ":" .. kind .. ":" .. token, n)
  if not ok then return nil, "batch_mock_data: " .. tostring(err) end
  return true
end

-- The list route's JSON array: newest first, skipping `from` matches, at most `limit` items.
-- live / from_api: nil (no filter) or a boolean.
function _M.list(app, kind, from, limit, live, from_api)
  local d = dict()
  local p = app .. ":" .. kind .. ":"
  local want_live = live ~= nil and (live and 49 or 48)       -- byte of "1" / "0"
  local want_api = from_api ~= nil and (from_api and 49 or 48)
  local out, n, skipped = {}, 0, 0
  local seq = d:get("n:" .. app .. ":" .. kind) or 0
  while seq > 0 and n < limit do
    local token = d:get("s:" .. p .. seq)
    local b = token and d:get("b:" .. p .. token)
    if b and (not want_live or byte(b, 1) == want_live) and (not want_api or byte(b, 2) == want_api) then
      if skipped < from then
        skipped = skipped + 1
      else
        n = n + 1
        out[n] = sub(b, 3)
      end
    end
    seq = seq - 1
  end
  return "[" .. concat(out, ",", 1, n) .. "]"
end

function _M.put_stats(app, token, stats)
  local ok, err = dict():safe_set("st:" .. app .. ":" .. token, json.encode(stats))
  if not ok then return nil, "batch_mock_data: " .. tostring(err) end
  return true
end

function _M.get_stats(app, token)
  return dict():get("st:" .. app .. ":" .. tostring(token))
end

-- A fresh campaign token: 32 lowercase hex digits, unique across workers and restarts.
_M.new_token = function() return ids.hex32() end

function _M.flush()
  local d = dict()
  d:flush_all()
  d:flush_expired()
end

return _M
