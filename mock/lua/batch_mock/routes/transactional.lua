-- Transactional API 1.1 (batch-api.md §6), MEP authentication:
--   POST /1.1/{api_key}/transactional/send               -> 201 {"token": "<uuid>"}
--   GET  /1.1/{api_key}/transactional/stats/{group_id}    -> 200 {"group_id", "detail": [...]} (LIVE keys)
-- Sends are counted per app, group and day; the stats show them (sent = recipients of the day's
-- sends; the opens are fixed fractions of it, the emulator's choice).
local ngx = ngx
local json = require "batch_mock.json"
local errors = require "batch_mock.errors"
local validate = require "batch_mock.validate"
local state_store = require "batch_mock.state_store"
local query = require "batch_mock.query"
local dates = require "batch_mock.dates"
local ids = require "batch_mock.ids"

local type, ipairs, pairs, floor, find, sort = type, ipairs, pairs, math.floor, string.find, table.sort

local missing, malformed = validate.missing, validate.malformed

local MAX_RECIPIENTS = 10000 -- UNCONFIRMED (Drivenlabs-ai/batch-cep), §15
local RECIPIENT_KINDS = { "custom_ids", "install_ids", "tokens" }
local GROUP_ID = "^[A-Za-z0-9_%-]+$"
local WINDOW = 183 * 86400 -- "at most 6 months"

local function groups(app) return state_store.get("transactional", app) end

local function check_group_id(v)
  if v == nil or v == json.null then return missing("group_id") end
  if type(v) ~= "string" or #v > 255 or not find(v, GROUP_ID) then
    return malformed("group_id", "letters a-z, A-Z, digits, _ and - only (at most 255)")
  end
end

-- The recipients object: returns their count, or nil, name, message.
local function check_recipients(r)
  if r == nil or r == json.null then return nil, missing("recipients") end
  if not validate.is_object(r) then
    return nil, malformed("recipients", "must be an object with custom_ids, install_ids or tokens")
  end
  local n = 0
  for _, kind in ipairs(RECIPIENT_KINDS) do
    local list = r[kind]
    if list ~= nil and list ~= json.null then
      if not validate.strings(list, math.huge, 1024) then
        return nil, malformed("recipients." .. kind, "must be an array of non-empty strings")
      end
      n = n + #list
    end
  end
  if n == 0 then return nil, malformed("recipients", "is empty: give at least one custom_id, install_id or token") end
  if n > MAX_RECIPIENTS then
    return nil, malformed("recipients", "at most " .. MAX_RECIPIENTS .. " recipients per call, got " .. n)
  end
  return n
end

local FIELDS = { { "deeplink", "string" }, { "priority", "priority" }, { "time_to_live", "time_to_live" },
                 { "labels", "labels3" }, { "gcm_collapse_key", "gcm_collapse_key" },
                 { "custom_payload", "string" }, { "media", "object" }, { "landing", "object" },
                 { "sandbox", "boolean" } }

local function send(ctx)
  local doc, name, message = validate.object_body(ctx.body)
  if not doc then return errors.v1(name, message) end
  name, message = check_group_id(doc.group_id)
  if name then return errors.v1(name, message) end
  local count
  count, name, message = check_recipients(doc.recipients)
  if not count then return errors.v1(name, message) end
  local msg = doc.message
  if msg == nil or msg == json.null then return errors.v1(missing("message")) end
  if not validate.is_object(msg) then return errors.v1(malformed("message", "must be an object {title, body}")) end
  for _, f in ipairs{ "title", "body" } do
    if msg[f] ~= nil and type(msg[f]) ~= "string" then
      return errors.v1(malformed("message." .. f, "must be a string"))
    end
  end
  name, message = validate.fields(doc, FIELDS)
  if name then return errors.v1(name, message) end

  ngx.update_time()
  local day = dates.day(ngx.now())
  local token = ids.uuid()
  groups(ctx.app):update(doc.group_id, function(g)
    g = g or { group_id = doc.group_id, sends = 0, recipients = 0, days = {} }
    g.sends = g.sends + 1
    g.recipients = g.recipients + count
    g.days[day] = (g.days[day] or 0) + count
    g.last_token = token
    return g
  end)
  return 201, json.encode{ token = token }
end

local function stats(ctx, _, group_id)
  local name, message = check_group_id(group_id)
  if name then return errors.v1(name, message) end
  local since, e, m = query.required("since")
  if not since then return errors.v1(e, m) end
  local from = dates.parse_day(since)
  if not from then return errors.v1(malformed("since", "must be a date YYYY-MM-DD")) end
  local until_arg
  until_arg, e, m = query.arg("until")
  if e then return errors.v1(e, m) end
  ngx.update_time()
  local to = dates.parse_day(dates.day(ngx.now())) -- "until defaults to today (GMT)"
  if until_arg and until_arg ~= "" then
    to = dates.parse_day(until_arg)
    if not to then return errors.v1(malformed("until", "must be a date YYYY-MM-DD")) end
  end
  if from > to then return errors.v1(malformed("since", "must be lower than until")) end
  if to - from > WINDOW then return errors.v1(malformed("since", "the window is at most 6 months")) end
  local g = groups(ctx.app):get(group_id)
  local detail = json.array()
  if g then
    local days = {}
    for d in pairs(g.days) do
      local t = dates.parse_day(d)
      if t and t >= from and t <= to then days[#days + 1] = d end
    end
    sort(days)
    for i, d in ipairs(days) do
      local sent = g.days[d]
      detail[i] = { date = d, sent = sent, direct_open = floor(sent * 0.1), influenced_open = floor(sent * 0.05),
                    reengaged = floor(sent * 0.01), errors = 0 }
    end
  end
  return 200, json.encode{ group_id = group_id, detail = detail }
end

return {
  { method = "POST", path = "/1.1/{api_key}/transactional/send", auth = "mep", handler = send },
  { method = "GET", path = "/1.1/{api_key}/transactional/stats/{group_id}", auth = "mep", live_only = true,
    handler = stats },
}
