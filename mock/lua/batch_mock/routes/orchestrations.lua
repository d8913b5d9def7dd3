-- CEP campaigns and orchestrations 2.x (batch-api.md §11), CEP authentication, any /2.N/:
--   POST /2.N/campaigns/create   a campaign                        -> 201 {"id": "orchestration_<32>"}
--   POST /2.N/campaigns/update   {"id", "campaign": {...}}          -> 200 {}
--   POST /2.N/campaigns/delete   {"id"}                             -> 200 {}
--   GET  /2.N/orchestrations/list?from=&limit=                    -> 200 {orchestrations, count, has_more, next_from}
--   GET  /2.N/orchestrations/stats?orchestration_id=&from=&to=    -> 200 {"id", "details": [one per day]}
-- Campaigns made by campaigns/create are orchestrations of type "campaign", source "api"; 12 seeded
-- dashboard orchestrations (campaign, recurring, trigger) are there from the start. An update
-- overwrites the campaign; a campaign that is RUNNING and has started cannot be updated unless it is
-- recurring (400 MALFORMED_PARAMETER, code UNCONFIRMED). Unknown ids: 404 ROUTE_NOT_FOUND "Not found".
-- Stats are made up per day (deterministic), from the later of `from` and the creation to the
-- earlier of `to` and today; drafts have none.
local ngx = ngx
local json = require "batch_mock.json"
local errors = require "batch_mock.errors"
local validate = require "batch_mock.validate"
local state_store = require "batch_mock.state_store"
local cursor_list = require "batch_mock.cursor_list"
local query = require "batch_mock.query"
local dates = require "batch_mock.dates"
local ids = require "batch_mock.ids"

local type, ipairs, floor, max, min = type, ipairs, math.floor, math.max, math.min

local missing, malformed = validate.missing, validate.malformed

local _M = {}

local STATES = { DRAFT = "draft", RUNNING = "running", STOPPED = "stopped" }
local CHANNELS = { email = true, push = true, sms = true }
local PLATFORMS = { push = { "ios", "android" }, email = {}, sms = {} }
local SIX_MONTHS = 183 * 86400

local function orchestrations(project) return state_store.get("orchestrations", project) end

local absent = validate.absent

-- A campaign object (create, and update's "campaign" at prefix "campaign."); nothing or name, message.
local function check_campaign(c, at)
  at = at or ""
  if absent(c.name) then return missing(at .. "name") end
  if type(c.name) ~= "string" or c.name == "" or #c.name > 255 then
    return malformed(at .. "name", "must be a non-empty string")
  end
  if absent(c.state) then return missing(at .. "state") end
  if not STATES[c.state] then return malformed(at .. "state", "must be DRAFT, RUNNING or STOPPED") end
  if absent(c.when) then return missing(at .. "when") end
  if not validate.is_object(c.when) then
    return malformed(at .. "when", "must be an object {start_time, local_time}")
  end
  local st = c.when.start_time
  if not absent(st) and st ~= "now" and not dates.parse(st) then
    return malformed(at .. "when.start_time", "must be \"now\" or an RFC 3339 date")
  end
  if not absent(c.when.local_time) and type(c.when.local_time) ~= "boolean" then
    return malformed(at .. "when.local_time", "must be a boolean")
  end
  local t = c.targeting
  if not absent(t) then
    if not validate.is_object(t) then return malformed(at .. "targeting", "must be an object") end
    for _, f in ipairs{ "languages", "regions" } do
      if not absent(t[f]) and not validate.strings(t[f], 1000, 64) then
        return malformed(at .. "targeting." .. f, "must be an array of strings")
      end
    end
    if not absent(t.query) and not validate.is_object(t.query) then
      return malformed(at .. "targeting.query", "must be an object")
    end
  end
  if absent(c.messages) then return missing(at .. "messages") end
  if validate.length(c.messages) ~= 1 then return malformed(at .. "messages", "must hold exactly one message") end
  local m = c.messages[1]
  if not validate.is_object(m) then return malformed(at .. "messages[0]", "must be an object") end
  if absent(m.channel_type) then return missing(at .. "messages[0].channel_type") end
  if not CHANNELS[m.channel_type] then
    return malformed(at .. "messages[0].channel_type", "must be email, push or sms")
  end
  if not absent(c.send_rate) and not (validate.is_int(c.send_rate) and c.send_rate >= 1000
                                       and c.send_rate <= 1000000) then
    return malformed(at .. "send_rate", "must be an integer of messages per minute in 1000..1000000")
  end
  if not absent(c.labels) and not validate.strings(c.labels, 5, 256) then
    return malformed(at .. "labels", "at most 5 labels (strings) per campaign")
  end
end

local function now() ngx.update_time() return ngx.now() end

-- The stored orchestration of campaign c.
local function from_campaign(id, c, created, source)
  local channel = c.messages[1].channel_type
  local st = c.when.start_time
  local start = (absent(st) or st == "now") and created or dates.parse(st)
  return { id = id, type = "campaign", channels = json.array{ channel }, platforms = json.array(PLATFORMS[channel]),
           source = source, created_date = dates.v1(created), created = created, name = c.name,
           labels = json.array(c.labels or {}), status = STATES[c.state], start_time = dates.v1(start),
           start = start, campaign = c }
end

local function create(ctx)
  local doc, e, m = validate.object_body(ctx.body)
  if not doc then return errors.v2(e, m) end
  e, m = check_campaign(doc)
  if e then return errors.v2(e, m) end
  local id = ids.prefixed("orchestration")
  orchestrations(ctx.project):put(id, from_campaign(id, doc, now(), "api"))
  return 201, json.encode{ id = id }
end

local function required_id(doc, field)
  if absent(doc[field]) then return missing(field) end
  if type(doc[field]) ~= "string" or doc[field] == "" then return malformed(field, "must be an orchestration id") end
end

local function not_found(id) return errors.v2("ROUTE_NOT_FOUND", "Not found: no orchestration '" .. id .. "'") end

local function update(ctx)
  local doc, e, m = validate.object_body(ctx.body)
  if not doc then return errors.v2(e, m) end
  e, m = required_id(doc, "id")
  if e then return errors.v2(e, m) end
  if absent(doc.campaign) then return errors.v2(missing("campaign")) end
  if not validate.is_object(doc.campaign) then return errors.v2(malformed("campaign", "must be a campaign object")) end
  e, m = check_campaign(doc.campaign, "campaign.")
  if e then return errors.v2(e, m) end
  local t = now()
  local rec, status, body = orchestrations(ctx.project):update(doc.id, function(o)
    if not o then return nil, not_found(doc.id) end
    if o.status == "running" and o.start <= t and o.type ~= "recurring" then
      return nil, errors.v2(malformed("id", "campaign '" .. doc.id .. "' is running: a running campaign that is "
        .. "not recurrent cannot be updated"))
    end
    local new = from_campaign(o.id, doc.campaign, o.created, o.source)
    new.type = o.type
    return new
  end)
  if not rec then return status, body end
  return 200, "{}"
end

local function delete(ctx)
  local doc, e, m = validate.object_body(ctx.body)
  if not doc then return errors.v2(e, m) end
  e, m = required_id(doc, "id")
  if e then return errors.v2(e, m) end
  if not orchestrations(ctx.project):delete(doc.id) then return not_found(doc.id) end
  return 200, "{}"
end

local LISTED = { "id", "type", "channels", "platforms", "source", "created_date", "name", "labels", "status",
                 "start_time" }
local function shape(o)
  local out = {}
  for _, f in ipairs(LISTED) do out[f] = o[f] end
  return out
end

local function list(ctx)
  return cursor_list(orchestrations(ctx.project), "orchestrations", shape)
end

-- Made-up but stable numbers of one day.
local function day_stats(id, day)
  local h = ngx.crc32_short(id .. "/" .. day)
  local sent = 500 + h % 1000
  local delivered = floor(sent * 0.87)
  local unique_open = floor(delivered * 0.25)
  local unique_click = floor(unique_open * 0.17)
  return { date = day, sent = sent, delivered = delivered, unique_open = unique_open,
           total_open = floor(unique_open * 1.2), unique_machine_open = floor(unique_open * 0.5),
           unique_click = unique_click, total_click = floor(unique_click * 1.1), spam = h % 5,
           unsubscribe = h % 13, total_bounce = sent - delivered, skipped = h % 17 }
end

local function stats(ctx)
  local id, e, m = query.required("orchestration_id")
  if not id then return errors.v2(e, m) end
  local bounds = {}
  for _, f in ipairs{ "from", "to" } do
    local v
    v, e, m = query.required(f)
    if not v then return errors.v2(e, m) end
    bounds[f] = dates.parse_day(v)
    if not bounds[f] then return errors.v2(malformed(f, "must be a date YYYY-MM-DD")) end
  end
  local t = now()
  local today = dates.parse_day(dates.day(t))
  if bounds.from < today - SIX_MONTHS then
    return errors.v2(malformed("from", "cannot be earlier than 6 months ago"))
  end
  if bounds.to < bounds.from then return errors.v2(malformed("to", "must not be before 'from'")) end
  local o = orchestrations(ctx.project):get(id)
  if not o then return not_found(id) end
  local details = json.array()
  if o.status ~= "draft" and o.start <= t then
    local last = min(bounds.to, today)
    if o.ends then last = min(last, dates.parse_day(dates.day(o.ends))) end
    local d = max(bounds.from, dates.parse_day(dates.day(o.start)))
    while d <= last do
      details[#details + 1] = day_stats(id, dates.day(d))
      d = d + 86400
    end
  end
  return 200, json.encode{ id = id, details = details }
end

---------------------------------------------------------------------------------------- seeds
local SEED_NAMES = {
  "Welcome journey", "Weekly newsletter", "Cart abandonment", "Spring sale", "Monthly digest", "Birthday",
  "Black Friday", "Re-engagement", "Price drop", "Holiday greetings", "Loyalty recap", "Onboarding tips",
}
local SEED_TYPES = { "campaign", "recurring", "trigger" }
local SEED_CHANNELS = { { "push" }, { "email" }, { "sms" }, { "push", "email" } }
local SEED_STATUS = { "running", "running", "draft", "stopped", "completed", "running" }
local BASE = 1704067200 -- 2024-01-01T00:00:00Z

-- The seeded orchestrations of the project: deterministic ids, oldest first.
function _M.seed(project)
  local c = orchestrations(project)
  for i = 1, #SEED_NAMES do
    local created = BASE + i * 4 * 86400 + (i * 1571) % 86400
    local channels = SEED_CHANNELS[(i - 1) % #SEED_CHANNELS + 1]
    local platforms = json.array()
    for _, ch in ipairs(channels) do
      for _, p in ipairs(PLATFORMS[ch]) do platforms[#platforms + 1] = p end
    end
    local status = SEED_STATUS[(i - 1) % #SEED_STATUS + 1]
    local id = ids.prefixed("orchestration", "batch-mock/orchestration/" .. project .. "/" .. i)
    c:put(id, { id = id, type = SEED_TYPES[(i - 1) % #SEED_TYPES + 1], channels = json.array(channels),
                platforms = platforms, source = "dashboard", created_date = dates.v1(created), created = created,
                name = SEED_NAMES[i], labels = json.array(i % 3 == 0 and { "LABEL" .. i } or {}), status = status,
                start_time = dates.v1(created + 3600), start = created + 3600,
                ends = (status == "completed" or status == "stopped") and created + 30 * 86400 or nil })
  end
end

local P = "/2.N/"

-- The route array (routes/init.lua), with seed() beside it for reset.lua.
local routes = {
  { method = "POST", path = P .. "campaigns/create", auth = "cep", handler = create },
  { method = "POST", path = P .. "campaigns/update", auth = "cep", handler = update },
  { method = "POST", path = P .. "campaigns/delete", auth = "cep", handler = delete },
  { method = "GET", path = P .. "orchestrations/list", auth = "cep", handler = list },
  { method = "GET", path = P .. "orchestrations/stats", auth = "cep", handler = stats },
}

for i, r in ipairs(routes) do _M[i] = r end
return _M
