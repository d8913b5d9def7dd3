-- The three writes a queue batches, each declared once: the route its batches go to (the route table's
-- entry, whose body check still runs on every batch), the per-call cap, the rate Batch documents, the
-- check of an add, the body of a batch, and the form an item takes in the spool and in on_drop.
--   kind            add                        route (batch-api.md)         cap      rate
--   profile         q:update_profile(p)        profiles.update (§7)         200      300 custom IDs/s, burst 1000
--   event           q:track(id, ev)            events.track_many (§9)       1000     none documented
--   custom_data     q:set_custom_data(id, v)   custom_data.set_many (§8)    10 000   none documented
-- The caps are also in the route files' body checks (spec/94 checks both agree). An item is kept as
-- what the add was given: the profile table, the event table, the values table (and `overwrite`).
local rules = require "batch.rules"
local routes = require "batch.routes"

local type, error, format = type, error, string.format
local time = os.time

local invalid = rules.invalid

local _M = {}

local profile = {
  name = "profile", letter = "p", route = routes.get("profiles.update"), cap = 200,
  family = "2",                                 -- the budget is the project's
  rate = { rate = 300, burst = 1000 },          -- tokens: distinct custom IDs of a call (§7, §15)
}

local event = {
  name = "event", letter = "e", route = routes.get("events.track_many"), cap = 1000, family = "1",
}

local custom_data = {
  name = "custom_data", letter = "c", route = routes.get("custom_data.set_many"), cap = 10000, family = "1",
  flags = true,                                 -- each item keeps its `overwrite`
}

_M.profile, _M.event, _M.custom_data = profile, event, custom_data
_M.list = { profile, event, custom_data }
_M.by_letter = { p = profile, e = event, c = custom_data }

------------------------------------------------------------------------------------------------------
-- Checks of an add: the custom ID of the item, or nil and INVALID_ARGUMENT (a wrong Lua type raises)
------------------------------------------------------------------------------------------------------

function profile.check(p)
  local fname = "queue:update_profile"
  rules.need_table(fname, "profile", p)
  local ids = p.identifiers
  if ids == nil then return invalid(fname .. ": the profile has no identifiers (e.g. { custom_id = '...' })") end
  rules.need_table(fname, "profile.identifiers", ids)
  local ok, err = rules.required(fname, "profile.identifiers.custom_id", ids.custom_id, "string")
  if ok then ok, err = rules.custom_id(fname, "profile.identifiers.custom_id", ids.custom_id) end
  if not ok then return nil, err end
  return ids.custom_id
end

-- The event is checked as events:track checks it (TE-params, the 24-hour window); the checked copy is
-- dropped here and made again when its batch is sent, when the window is checked again.
function event.check(custom_id, ev)
  local fname = "queue:track"
  local ok, err = rules.custom_id(fname, "custom_id", custom_id)
  if not ok then return nil, err end
  ok, err = rules.event(fname, "event", ev, time())
  if not ok then return nil, err end
  return custom_id
end

function custom_data.check(custom_id, values, overwrite)
  local fname = "queue:set_custom_data"
  local ok, err = rules.custom_id(fname, "custom_id", custom_id)
  if not ok then return nil, err end
  rules.need_table(fname, "values", values)
  if overwrite ~= nil and type(overwrite) ~= "boolean" then
    error(format("%s: overwrite must be a boolean, got %s", fname, type(overwrite)), 0)
  end
  return custom_id
end

------------------------------------------------------------------------------------------------------
-- Bodies. body(b, lo, hi) -> body, owners: the body of items lo..hi of batch b (arrays ids, items,
-- flags), and for each body entry (1-based) the index of its item, or for events the list of them.
------------------------------------------------------------------------------------------------------

function profile.body(b, lo, hi)
  local body, owners, items = {}, {}, b.items
  for i = lo, hi do
    body[#body + 1] = items[i]
    owners[#owners + 1] = i
  end
  return body, owners
end

-- One entry per custom ID, its events in the order they were added. `events` holds the events that
-- may go (nil for one dropped as stale). An entry's owner is the index of its item, or the list of them
-- when the custom ID has several events in the batch.
function event.body(b, lo, hi, events)
  local body, owners, at, ids = {}, {}, {}, b.ids
  for i = lo, hi do
    local ev = events[i]
    if ev then
      local id = ids[i]
      local k = at[id]
      if not k then
        k = #body + 1
        at[id] = k
        body[k] = { id = id, events = { ev } }
        owners[k] = i
      else
        local list = body[k].events
        list[#list + 1] = ev
        local o = owners[k]
        if type(o) == "table" then o[#o + 1] = i else owners[k] = { o, i } end
      end
    end
  end
  return body, owners
end

function custom_data.body(b, lo, hi)
  local body, owners, ids, items, flags = {}, {}, b.ids, b.items, b.flags
  for i = lo, hi do
    body[#body + 1] = { id = ids[i], values = items[i], overwrite = flags[i] or nil }
    owners[#owners + 1] = i
  end
  return body, owners
end

------------------------------------------------------------------------------------------------------
-- What on_drop is given, and the spool's record of an item (a JSON-ready table, and back)
------------------------------------------------------------------------------------------------------

function profile.given(_, item) return item end
function event.given(id, item) return { custom_id = id, event = item } end
function custom_data.given(id, item, flag) return { custom_id = id, values = item, overwrite = flag or nil } end

function profile.record(_, item) return item end
function event.record(id, item) return { id, item } end
function custom_data.record(id, item, flag) return { id, item, flag == true } end

-- The item of a record read back from the spool: custom ID, item, flag; nil when it is not one.
function profile.restore(r)
  local ids = type(r) == "table" and r.identifiers
  if type(ids) == "table" and type(ids.custom_id) == "string" then return ids.custom_id, r end
end
function event.restore(r)
  if type(r) == "table" and type(r[1]) == "string" and type(r[2]) == "table" then return r[1], r[2] end
end
function custom_data.restore(r)
  if type(r) == "table" and type(r[1]) == "string" and type(r[2]) == "table" then return r[1], r[2], r[3] == true end
end

return _M
