-- The collections that hold what clients wrote, per app (1.x) or project (2.x): one place for their
-- names, used by the route handlers and by the state view (GET /_mock/state).
local collection = require "batch_mock.collection"

local _M = {}

-- name -> { key prefix (the app or project is appended), the record field that is its id }.
_M.PER_APP = {
  transactional = { "tx", "group_id" },       -- { sends, recipients, days = { [YYYY-MM-DD] = recipients } }
  custom_data = { "cd", "custom_id" },        -- { values, updated }
  events = { "ev", "custom_id" },             -- { events = [ ... ] }
  custom_audiences = { "ca", "name" },        -- { type, description, nb_ids, ids = { [id] = true | extra } }
  gdpr_requests = { "gdpr", "request_id" },   -- the request
}
_M.PER_PROJECT = {
  profiles = { "pf", "custom_id" },           -- { attributes, events = [ ... ] }
  audiences = { "aud", "name" },              -- the audience, its ids and indexing tokens
  catalogs = { "cat", "name" },               -- the catalog, its fields, items and indexing tokens
  orchestrations = { "orc", "id" },           -- campaigns of 2.x campaigns/create, and the seeds
}

local cache = {}

-- The collection `name` of app or project `owner`.
function _M.get(name, owner)
  local prefix = (_M.PER_APP[name] or _M.PER_PROJECT[name])[1] .. ":" .. owner
  local c = cache[prefix]
  if not c then
    c = collection.new(prefix)
    cache[prefix] = c
  end
  return c
end

return _M
