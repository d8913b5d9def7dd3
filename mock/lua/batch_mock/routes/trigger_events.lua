-- Trigger Events API 1.0 (batch-api.md §9), MEP authentication, any key type:
--   POST /1.0/{api_key}/events/users/{custom_id}   {"events": [event, ...]} or a bare array (<= 1000)
--   POST /1.0/{api_key}/events/users               [{"id": CUSTOM_ID, "events": [...]}] (<= 1000 in all)
-- An event: {name (required), time, label, attributes, tags} with the limits of TE-params (CONFIRMED):
-- time "YYYY-MM-DDTHH:MM:SS" (UTC) within the last 24 hours and not in the future, label <= 200
-- characters, <= 15 attributes (attributes.EVENT), <= 10 tags of <= 64 characters.
-- Success: 202 {"token": "<uuid>"} (UNCONFIRMED). Events received are kept per custom ID (the last
-- 1000) and shown by GET /_mock/state, with the time they were received.
local ngx = ngx
local json = require "batch_mock.json"
local errors = require "batch_mock.errors"
local validate = require "batch_mock.validate"
local attributes = require "batch_mock.attributes"
local state_store = require "batch_mock.state_store"
local dates = require "batch_mock.dates"
local ids = require "batch_mock.ids"

local type, ipairs, find = type, ipairs, string.find

local missing, malformed = validate.missing, validate.malformed

local MAX_EVENTS = 1000
local KEEP = 1000
local DAY = 86400
local SKEW = 2 -- seconds of clock difference allowed for "not in the future" (the emulator's choice)
-- Event names: the doc's example is "ue.added_to_cart"; the rule is UNCONFIRMED (lenient).
local EVENT_NAME = "^[%w_%.%-]+$"

-- One event at path `at`; now: the server's time. Returns nothing when fine, else name, message.
local function check_event(e, at, now)
  if not validate.is_object(e) then return malformed(at, "must be an event object {name, ...}") end
  if e.name == nil or e.name == json.null then return missing(at .. ".name") end
  if type(e.name) ~= "string" or #e.name > 255 or not find(e.name, EVENT_NAME) then
    return malformed(at .. ".name", "must be a name of letters, digits, _ . and -")
  end
  if e.time ~= nil and e.time ~= json.null then
    local t = dates.parse(e.time)
    if not t then return malformed(at .. ".time", "must be a date YYYY-MM-DDTHH:MM:SS (UTC)") end
    if t < now - DAY then return malformed(at .. ".time", "is older than 24 hours") end
    if t > now + SKEW then return malformed(at .. ".time", "is in the future") end
  end
  if e.label ~= nil and e.label ~= json.null and (type(e.label) ~= "string" or #e.label > 200) then
    return malformed(at .. ".label", "must be a string of at most 200 characters")
  end
  if e.attributes ~= nil and e.attributes ~= json.null then
    local bad, why = attributes.check(e.attributes, attributes.EVENT, at .. ".attributes")
    if bad then return malformed(bad, why) end
  end
  if e.tags ~= nil and e.tags ~= json.null and not validate.strings(e.tags, 10, 64) then
    return malformed(at .. ".tags", "must be an array of at most 10 strings of at most 64 characters")
  end
end

local function check_events(list, at, now)
  local n = validate.length(list)
  if not n then return nil, malformed(at, "must be an array of events") end
  for i, e in ipairs(list) do
    local name, message = check_event(e, at .. "[" .. (i - 1) .. "]", now)
    if name then return nil, name, message end
  end
  return n
end

local function too_many(n)
  if n == 0 then return malformed("events", "is empty: give at least one event") end
  if n > MAX_EVENTS then return malformed("events", "at most " .. MAX_EVENTS .. " events per call, got " .. n) end
end

local function record(app, custom_id, events, now)
  return state_store.get("events", app):update(custom_id, function(rec)
    rec = rec or { custom_id = custom_id, events = json.array() }
    for _, e in ipairs(events) do
      e.received = dates.rfc3339(now)
      rec.events[#rec.events + 1] = e
    end
    local extra = #rec.events - KEEP
    if extra > 0 then
      local kept = json.array()
      for i = extra + 1, #rec.events do kept[#kept + 1] = rec.events[i] end
      rec.events = kept
    end
    return rec
  end)
end

local function track_one(ctx, _, custom_id)
  local doc, name, message = validate.json_body(ctx.body)
  if not doc then return errors.v1(name, message) end
  local list, at = doc, "events"
  if validate.is_object(doc) then
    list = doc.events
    if list == nil or list == json.null then return errors.v1(missing("events")) end
  end
  ngx.update_time()
  local now = ngx.now()
  local n
  n, name, message = check_events(list, at, now)
  if not n then return errors.v1(name, message) end
  name, message = too_many(n)
  if name then return errors.v1(name, message) end
  record(ctx.app, custom_id, list, now)
  return 202, json.encode{ token = ids.uuid() }
end

local function track_many(ctx)
  local list, name, message = validate.array_body(ctx.body)
  if not list then return errors.v1(name, message) end
  ngx.update_time()
  local now = ngx.now()
  local total = 0
  for i, user in ipairs(list) do
    local at = "[" .. (i - 1) .. "]"
    if not validate.is_object(user) then return errors.v1(malformed(at, "must be {\"id\", \"events\"}")) end
    if user.id == nil or user.id == json.null then return errors.v1(missing(at .. ".id")) end
    if type(user.id) ~= "string" or user.id == "" then
      return errors.v1(malformed(at .. ".id", "must be a custom ID"))
    end
    if user.events == nil or user.events == json.null then return errors.v1(missing(at .. ".events")) end
    local n
    n, name, message = check_events(user.events, at .. ".events", now)
    if not n then return errors.v1(name, message) end
    total = total + n
  end
  name, message = too_many(total)
  if name then return errors.v1(name, message) end
  for _, user in ipairs(list) do record(ctx.app, user.id, user.events, now) end
  return 202, json.encode{ token = ids.uuid() }
end

local P = "/1.0/{api_key}/events/users"

return {
  { method = "POST", path = P, auth = "mep", handler = track_many },
  { method = "POST", path = P .. "/{custom_id}", auth = "mep", handler = track_one },
}
