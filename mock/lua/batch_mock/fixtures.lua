-- Fixtures (bin/batch-mock --fixtures FILE.json): keys, campaigns and exports to start with, applied
-- at start and at every /_mock/reset, after (or instead of) the built-in seed data. The format is in
-- mock/README.md ("Fixtures"). check() runs in plain Lua too: the launcher validates the file before
-- nginx starts, so that a mistake is reported with its place, not as an nginx failure.
local json = require "batch_mock.json"
local validate = require "batch_mock.validate"
local exports_validate = require "batch_mock.exports_validate"
local exports_config = require "batch_mock.exports_config"
local keys = require "batch_mock.keys"

local type, ipairs, pairs, tostring, find, io_open, error = type, ipairs, pairs, tostring, string.find, io.open,
  error

local _M = {}

local TOP = { keys = true, seed = true, campaigns = true, in_app_campaigns = true, exports = true,
              project_exports = true }
_M.KEY_NAMES = { "api_key", "other_api_key", "dev_api_key", "rest_key", "project_key" }
local APPS = { ios = true, android = true }
-- Fields of a fixture campaign that are not create parameters: where it goes and the server's fields.
local CAMPAIGN_META = { app = true, token = true, from_api = true, dev_only = true, created_date = true }
local TOKEN = "^[%w_%-]+$"

local loaded -- the fixtures of this emulator (set by load, at start)

local function fail(where, message) return nil, where .. ": " .. message end

local function check_keys(t)
  if not json.is_object(t) then return fail("keys", "must be an object") end
  local known = {}
  for _, n in ipairs(_M.KEY_NAMES) do known[n] = true end
  for k, v in pairs(t) do
    if not known[k] then return fail("keys", "unknown key '" .. tostring(k) .. "' (known: api_key, other_api_key, "
      .. "dev_api_key, rest_key, project_key)") end
    if type(v) ~= "string" or #v > 128 or not find(v, TOKEN) then
      return fail("keys." .. k, "must be a string of letters, digits, _ and - (at most 128)")
    end
  end
  local a, o, d = t.api_key or keys.api_key, t.other_api_key or keys.other_api_key, t.dev_api_key or keys.dev_api_key
  if a == o or a == d or o == d then return fail("keys", "api_key, other_api_key and dev_api_key must differ") end
  return true
end

local function check_campaigns(list, field, kind, seen)
  if not validate.length(list) then return fail(field, "must be an array of campaigns") end
  for i, c in ipairs(list) do
    local at = field .. "[" .. (i - 1) .. "]"
    if not json.is_object(c) then return fail(at, "must be an object") end
    if not APPS[c.app] then return fail(at .. ".app", "must be \"ios\" or \"android\"") end
    if c.token ~= nil and (type(c.token) ~= "string" or #c.token > 64 or not find(c.token, TOKEN)) then
      return fail(at .. ".token", "must be a token of letters, digits, _ and -")
    end
    if c.token then
      if seen[c.app .. "/" .. c.token] then return fail(at .. ".token", "given twice") end
      seen[c.app .. "/" .. c.token] = true
    end
    for _, f in ipairs{ "from_api", "dev_only" } do
      if c[f] ~= nil and type(c[f]) ~= "boolean" then return fail(at .. "." .. f, "must be a boolean") end
    end
    if c.created_date ~= nil and not validate.TYPES.date(c.created_date) then
      return fail(at .. ".created_date", "must be a date YYYY-MM-DDTHH:MM:SS")
    end
    local params = {}
    for k, v in pairs(c) do
      if not CAMPAIGN_META[k] then params[k] = v end
    end
    local _, message = validate.campaign(kind, params, true)
    if message then return fail(at, message) end
  end
  return true
end

local function check_config(cfg, at)
  if cfg == nil then return true end
  if not json.is_object(cfg) then return fail(at .. ".config", "must be an object of exports config keys") end
  local ok, err = exports_config.check(cfg)
  if not ok then return fail(at .. ".config", err) end
  return true
end

local function check_exports(list)
  if not validate.length(list) then return fail("exports", "must be an array") end
  for i, x in ipairs(list) do
    local at = "exports[" .. (i - 1) .. "]"
    if not json.is_object(x) then return fail(at, "must be an object") end
    if not APPS[x.app] then return fail(at .. ".app", "must be \"ios\" or \"android\"") end
    local token = x.campaign or x.inapp_campaign
    if (x.campaign == nil) == (x.inapp_campaign == nil) or type(token) ~= "string" then
      return fail(at, "give exactly one of campaign and inapp_campaign (a campaign token)")
    end
    local kind = x.campaign and "campaign" or "inapp-campaign"
    if x.kind ~= nil and x.kind ~= "events" and (x.kind ~= "ids" or kind ~= "campaign") then
      return fail(at .. ".kind", kind == "campaign" and "must be events or ids" or "in-app exports are events only")
    end
    if not json.is_object(x.request) then return fail(at .. ".request", "must be an export request object") end
    local _, _, message = exports_validate.v1(x.request, kind)
    if message then return fail(at .. ".request", message) end
    if x.id ~= nil and (type(x.id) ~= "string" or not find(x.id, "^[%x%-]+$")) then
      return fail(at .. ".id", "must be a request id of hex digits and -")
    end
    local ok, err = check_config(x.config, at)
    if not ok then return nil, err end
  end
  return true
end

local function check_project_exports(list, now)
  if not validate.length(list) then return fail("project_exports", "must be an array") end
  for i, x in ipairs(list) do
    local at = "project_exports[" .. (i - 1) .. "]"
    if not json.is_object(x) then return fail(at, "must be an object") end
    if not json.is_object(x.request) then return fail(at .. ".request", "must be a profiles/export body") end
    local t, _, message = exports_validate.v2(x.request, now)
    if not t then return fail(at .. ".request", message) end
    if x.id ~= nil and (type(x.id) ~= "string" or not find(x.id, "^export_[%w]+$")) then
      return fail(at .. ".id", "must be an export id export_...")
    end
    local ok, err = check_config(x.config, at)
    if not ok then return nil, err end
  end
  return true
end

-- Checks decoded fixtures; now: unix seconds (the 2.x lookback). Returns true, or nil and a message
-- naming the place of the first mistake.
function _M.check(doc, now)
  if not json.is_object(doc) then return nil, "the fixtures must be a JSON object" end
  for k in pairs(doc) do
    if not TOP[k] then
      return nil, "unknown key '" .. tostring(k) .. "' (known: keys, seed, campaigns, in_app_campaigns, exports, "
        .. "project_exports)"
    end
  end
  local ok, err = true, nil
  if doc.keys ~= nil then ok, err = check_keys(doc.keys) end
  if ok and doc.seed ~= nil and type(doc.seed) ~= "boolean" then ok, err = fail("seed", "must be a boolean") end
  local seen = {}
  if ok and doc.campaigns ~= nil then ok, err = check_campaigns(doc.campaigns, "campaigns", "push", seen) end
  if ok and doc.in_app_campaigns ~= nil then
    ok, err = check_campaigns(doc.in_app_campaigns, "in_app_campaigns", "in_app", seen)
  end
  if ok and doc.exports ~= nil then ok, err = check_exports(doc.exports) end
  if ok and doc.project_exports ~= nil then ok, err = check_project_exports(doc.project_exports, now) end
  return ok, err
end

-- Reads and checks a fixtures file. Returns the decoded fixtures, or nil and a message.
function _M.read(path, now)
  local f, err = io_open(path, "rb")
  if not f then return nil, "cannot read the fixtures: " .. tostring(err) end
  local text = f:read("*a")
  f:close()
  local doc, jerr = json.decode(text)
  if doc == nil then return nil, path .. ": not JSON: " .. tostring(jerr) end
  local ok, message = _M.check(doc, now or os.time())
  if not ok then return nil, path .. ": " .. message end
  return doc
end

-- Puts the fixtures' keys into the keys module (and its app table).
function _M.use_keys(doc)
  for k, v in pairs(doc.keys or {}) do keys[k] = v end
  keys.apps = {
    [keys.api_key] = { app = "ios", live = true },
    [keys.other_api_key] = { app = "android", live = true },
    [keys.dev_api_key] = { app = "ios", live = false },
  }
end

-- In init_by_lua: reads the file (a mistake stops nginx, with the message in error.log) and keeps it.
function _M.load(path)
  local doc, err = _M.read(path)
  if not doc then error("batch-mock --fixtures " .. err, 0) end
  _M.use_keys(doc)
  loaded = doc
end

-- Whether the built-in seed data is wanted (fixtures may say "seed": false).
function _M.keep_seed()
  return not (loaded and loaded.seed == false)
end

local LIVE_KEY = { ios = "api_key", android = "other_api_key" }

-- Applies the loaded fixtures (reset.lua, after the seed data and the default settings).
function _M.apply()
  if not loaded then return end
  local ngx = ngx
  local campaigns = require "batch_mock.campaigns"
  local store = require "batch_mock.store"
  local exports_v1 = require "batch_mock.routes.exports_v1"
  local exports_v2 = require "batch_mock.routes.exports_v2"
  for _, def in ipairs{ { "campaigns", "push" }, { "in_app_campaigns", "in_app" } } do
    for _, c in ipairs(loaded[def[1]] or {}) do
      local params = {}
      for k, v in pairs(c) do
        if not CAMPAIGN_META[k] then params[k] = v end
      end
      assert(campaigns.insert(c.app, def[2], params, { token = c.token, from_api = c.from_api,
                                                      dev_only = c.dev_only, created_date = c.created_date }))
    end
  end
  -- fixture exports are final at once unless their config says otherwise
  local instant = { pending_after = 0, running_after = 0, done_after = 0 }
  for i, x in ipairs(loaded.exports or {}) do
    local kind = x.campaign and "campaign" or "inapp-campaign"
    local token = x.campaign or x.inapp_campaign
    if not store.get(x.app, kind == "campaign" and "push" or "in_app", token) then
      error("batch-mock --fixtures: exports[" .. (i - 1) .. "]: no " .. (kind == "campaign" and "push" or "in-app")
        .. " campaign '" .. token .. "' in app " .. x.app, 0)
    end
    local request = exports_validate.v1(x.request, kind)
    local cfg = exports_config.merge(exports_config.merge(exports_config.get(), instant), x.config or {})
    assert(exports_v1.make(x.app, keys[LIVE_KEY[x.app]], kind, token, x.kind or "events", request, cfg, x.id))
  end
  for _, x in ipairs(loaded.project_exports or {}) do
    ngx.update_time()
    local now = ngx.now()
    local export_type, t0 = exports_validate.v2(x.request, now)
    local cfg = exports_config.merge(exports_config.merge(exports_config.get(), instant), x.config or {})
    assert(exports_v2.make(x.request, export_type, t0, cfg, now, x.id))
  end
end

return _M
