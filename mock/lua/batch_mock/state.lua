-- GET /_mock/state: what clients wrote, as the emulator holds it (independent of the request log):
--   {"apps": {"ios": {"custom_data": {CUSTOM_ID: {...}}, "events": {...}, "custom_audiences": {...},
--                     "gdpr_requests": {...}, "transactional": {...}}, "android": {...}},
--    "projects": {"project_...": {"profiles": {...}, "audiences": {...}, "catalogs": {...},
--                                 "orchestrations": {...}}}}
-- Each collection is an object keyed by its records' ids (see state_store.lua for their fields).
local json = require "batch_mock.json"
local keys = require "batch_mock.keys"
local state_store = require "batch_mock.state_store"

local pairs, ipairs = pairs, ipairs

local _M = {}

local function collections(names, owner)
  local out = {}
  for name, def in pairs(names) do
    local map = {}
    for _, rec in ipairs(state_store.get(name, owner):all()) do map[rec[def[2]]] = rec end
    out[name] = map
  end
  return out
end

function _M.view()
  local apps = {}
  for _, app in ipairs(keys.app_names) do apps[app] = collections(state_store.PER_APP, app) end
  return json.encode{ apps = apps,
                      projects = { [keys.project_key] = collections(state_store.PER_PROJECT, keys.project_key) } }
end

return _M
