-- Profile API 2.x: update and mass update (batch-api.md §7), CEP authentication, any /2.N/:
--   POST /2.N/profiles/update        [EditProfile, ...] (<= 200)     300 updates/s, burst 1000
--   POST /2.N/profiles/mass-update   [EditProfile, ...] (<= 10 000)  10 000 updates/s
-- EditProfile: {"identifiers": {"custom_id"} (required), "attributes": {...}, "events": [{name, attributes}]}.
-- One update is one distinct custom ID of the call (limits.lua). A malformed call (not an array,
-- empty, over the cap, a profile without identifiers.custom_id, events not an array, an event
-- without a name) is a 400 naming the place. An attribute that breaks the rules of attributes.lua
-- (PROFILE, PROFILE_EVENT) is dropped, the rest applied, and the answer is 202
-- {"code": "SUCCESS_WITH_PARTIAL_ERRORS", "errors": [{category, bulk_index, reason, attribute}]}
-- (shape UNCONFIRMED); otherwise 202 {"code": "SUCCESS"} (CONFIRMED). A profile is created when no
-- profile has the custom ID ("A profile is automatically created..."). Profiles (merged attributes,
-- the last 100 events) are shown by GET /_mock/state.
local ngx = ngx
local json = require "batch_mock.json"
local errors = require "batch_mock.errors"
local validate = require "batch_mock.validate"
local attributes = require "batch_mock.attributes"
local state_store = require "batch_mock.state_store"
local limits = require "batch_mock.limits"
local dates = require "batch_mock.dates"

local type, ipairs, pairs, find = type, ipairs, pairs, string.find

local missing, malformed = validate.missing, validate.malformed

local KEEP_EVENTS = 100
local EVENT_NAME = "^[%w_%.%-]+$" -- UNCONFIRMED, as the trigger events' (lenient)

local function profiles(project) return state_store.get("profiles", project) end

local absent = validate.absent

-- Structural checks of profile i (0-based index at); nothing when fine, else name, message.
local function check_profile(p, at)
  if not validate.is_object(p) then return malformed(at, "must be a profile object {identifiers, ...}") end
  if absent(p.identifiers) then return missing(at .. ".identifiers") end
  if not validate.is_object(p.identifiers) then return malformed(at .. ".identifiers", "must be an object") end
  local cid = p.identifiers.custom_id
  if absent(cid) then return missing(at .. ".identifiers.custom_id") end
  if type(cid) ~= "string" or cid == "" or #cid > 512 then
    return malformed(at .. ".identifiers.custom_id", "must be a non-empty string")
  end
  if not absent(p.attributes) and not validate.is_object(p.attributes) then
    return malformed(at .. ".attributes", "must be an object")
  end
  if not absent(p.events) then
    if not validate.length(p.events) then return malformed(at .. ".events", "must be an array of events") end
    for j, e in ipairs(p.events) do
      local eat = at .. ".events[" .. (j - 1) .. "]"
      if not validate.is_object(e) then return malformed(eat, "must be an event object {name, attributes}") end
      if absent(e.name) then return missing(eat .. ".name") end
      if not absent(e.attributes) and not validate.is_object(e.attributes) then
        return malformed(eat .. ".attributes", "must be an object")
      end
    end
  end
end

-- The attributes of obj that pass rules (a new table), adding a partial error for each other one.
local function keep_valid(obj, rules, errs, index, category, prefix)
  local out = {}
  for k, v in pairs(obj or {}) do
    local why = attributes.problem(k, v, rules)
    if why then
      errs[#errs + 1] = { category = category, bulk_index = index, reason = why, attribute = prefix .. k }
    else
      out[k] = v
    end
  end
  return out
end

-- Merges valid attributes into a profile's: a null removes, {"$add"/"$remove": [...]} edits an array,
-- date(x) and url(x) set x.
local function merge(into, attrs)
  for k, v in pairs(attrs) do
    local base = k:match("^%a+%((.*)%)$") or k
    if v == json.null then
      into[base] = nil
    elseif validate.is_object(v) then
      local set, list = {}, json.array()
      for _, s in ipairs(type(into[base]) == "table" and into[base] or {}) do set[s] = true end
      for _, s in ipairs(v["$add"] or {}) do set[s] = true end
      for _, s in ipairs(v["$remove"] or {}) do set[s] = nil end
      for s in pairs(set) do list[#list + 1] = s end
      table.sort(list)
      into[base] = list
    else
      into[base] = v
    end
  end
end

local function update(ctx, max)
  local list, name, message = validate.array_body(ctx.body)
  if not list then return errors.v2(name, message) end
  local n
  n, name, message = validate.list(list, "body", max, "profiles")
  if not n then return errors.v2(name, message) end
  local distinct, cost = {}, 0
  for i, p in ipairs(list) do
    name, message = check_profile(p, "[" .. (i - 1) .. "]")
    if name then return errors.v2(name, message) end
    local cid = p.identifiers.custom_id
    if not distinct[cid] then distinct[cid], cost = true, cost + 1 end
  end
  local route = ctx.route.limit -- its bucket has the route's name
  local status, body, headers = limits.take(route, { { route, cost } })
  if status then return status, body, headers end

  ngx.update_time()
  local now = dates.rfc3339(ngx.now())
  local errs = json.array()
  local store = profiles(ctx.project)
  for i, p in ipairs(list) do
    local index = i - 1
    local attrs = keep_valid(p.attributes, attributes.PROFILE, errs, index, "attributes", "")
    local events = {}
    for j, e in ipairs(p.events or {}) do
      local prefix = "events[" .. (j - 1) .. "]"
      if type(e.name) ~= "string" or not find(e.name, EVENT_NAME) or #e.name > 255 then
        errs[#errs + 1] = { category = "events", bulk_index = index, attribute = prefix .. ".name",
                            reason = "event names are letters, digits, _ . and -" }
      else
        local ea = keep_valid(e.attributes, attributes.PROFILE_EVENT, errs, index, "events", prefix .. ".attributes.")
        events[#events + 1] = { name = e.name, attributes = ea, received = now }
      end
    end
    store:update(p.identifiers.custom_id, function(rec)
      rec = rec or { custom_id = p.identifiers.custom_id, attributes = {}, events = json.array(), created = now }
      merge(rec.attributes, attrs)
      for _, e in ipairs(events) do rec.events[#rec.events + 1] = e end
      while #rec.events > KEEP_EVENTS do table.remove(rec.events, 1) end
      rec.updated = now
      return rec
    end)
  end
  if #errs > 0 then return 202, json.encode{ code = "SUCCESS_WITH_PARTIAL_ERRORS", errors = errs } end
  return 202, '{"code":"SUCCESS"}'
end

return {
  { method = "POST", path = "/2.N/profiles/update", auth = "cep", limit = "profiles/update",
    handler = function(ctx) return update(ctx, 200) end },
  { method = "POST", path = "/2.N/profiles/mass-update", auth = "cep", limit = "profiles/mass-update",
    handler = function(ctx) return update(ctx, 10000) end },
}
