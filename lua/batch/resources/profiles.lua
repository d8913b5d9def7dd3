-- client.profiles: the Profile API 2.x (batch-api.md §4.1, §7): profile exports.
local api = require "batch.api"
local routes = require "batch.routes"
local validate = require "batch.validate"
local timeutil = require "batch.timeutil"

local setmetatable, type, ipairs, find = setmetatable, type, ipairs, string.find

local R = routes.group("profiles")

local LOOKBACK = 90 * 86400                                         -- events and reachability: 90 days
local REACHABILITY_START = timeutil.parse("2024-10-10T00:00:00Z")  -- "data since October 10, 2024"

local Profiles = {}
Profiles.__index = Profiles

local function nonempty_strings(v)
  if type(v) ~= "table" or #v == 0 then return false end
  for _, s in ipairs(v) do if type(s) ~= "string" or s == "" then return false end end
  return true
end

-- Checks an export body before anything is sent. Returns true or nil, INVALID_ARGUMENT.
local function check_export_body(body, now_epoch)
  local t = body.export_type
  if type(t) ~= "string" or t == "" then
    return validate.invalid("profiles:export: export_type is required (e.g. \"ATTRIBUTES\")")
  end
  if t == "ATTRIBUTES" then
    if body.attributes == nil and body.identifiers == nil then
      return validate.invalid("profiles:export: an ATTRIBUTES export needs attributes and/or identifiers")
    end
    for _, k in ipairs{ "attributes", "identifiers" } do
      if body[k] ~= nil and not nonempty_strings(body[k]) then
        return validate.invalid("profiles:export: " .. k .. " must be a non-empty array of strings")
      end
    end
    return true
  end
  -- Event exports: a `from` older than the lookback is an error at Batch (batch-api.md §4.1).
  if body.from ~= nil then
    local from = timeutil.parse(body.from)
    if not from then
      return validate.invalid("profiles:export: from must be a date like 2024-10-10T00:00:00Z")
    end
    if from < now_epoch - LOOKBACK then
      return validate.invalid("profiles:export: from is older than the 90-day lookback of event exports")
    end
    if find(t, "REACHABILITY") and from < REACHABILITY_START then
      return validate.invalid("profiles:export: reachability events exist only since 2024-10-10")
    end
  end
  return true
end

-- client.profiles:export(body [, opts]) --> { id = "export_..." }, or nil, err
function Profiles:export(body, opts)
  validate.arg("profiles:export", "body", body, "table")
  validate.call_opts("profiles:export", opts)
  local ok, err = check_export_body(body, os.time())
  if not ok then return nil, err end
  return api.request(self.client, R.export, { body = body }, opts)
end

-- client.profiles:update{ profile, ... } --> { code = "SUCCESS" | "SUCCESS_WITH_PARTIAL_ERRORS", errors }
-- (at most 200 profiles, each with an `identifiers` table). Partial errors are a result: Batch applied the
-- rest of the batch.
function Profiles:update(profiles, opts)
  validate.arg("profiles:update", "profiles", profiles, "table")
  validate.call_opts("profiles:update", opts)
  return api.request(self.client, R.update, { body = profiles }, opts)
end

-- client.profiles:mass_update{ profile, ... } --> the same (at most 10 000 profiles)
function Profiles:mass_update(profiles, opts)
  validate.arg("profiles:mass_update", "profiles", profiles, "table")
  validate.call_opts("profiles:mass_update", opts)
  return api.request(self.client, R.mass_update, { body = profiles }, opts)
end

local _M = {}
function _M.new(client) return setmetatable({ client = client }, Profiles) end
return _M
