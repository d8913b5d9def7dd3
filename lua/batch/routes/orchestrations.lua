-- Campaigns and Orchestrations API 2.x, per project (batch-api.md §11): created, updated and deleted
-- through /campaigns/..., listed and measured through /orchestrations/....
local rules = require "batch.rules"
local raise = require("batch.validate").raise

local ipairs, type, format = ipairs, type, string.format

local CEP = "https://doc.batch.com/developer/api/cep/"

-- The documented limits of a campaign: name, state, when and exactly one message are required;
-- send_rate 1000 to 1 000 000 a minute; at most 5 labels.
local function check_campaign(fname, c, where)
  local function at(k) return where and (where .. "." .. k) or k end
  rules.need_table(fname, where or "campaign", c)
  local ok, err = rules.required(fname, at("name"), c.name, "string")
  if ok then ok, err = rules.required(fname, at("state"), c.state, "string") end
  if ok then ok, err = rules.required(fname, at("when"), c.when, "table") end
  if ok then ok, err = rules.required(fname, at("messages"), c.messages, "table") end
  if not ok then return nil, err end
  if #c.messages ~= 1 then
    return rules.invalid(format("%s: %s must hold exactly one message (got %d)", fname, at("messages"), #c.messages))
  end
  if c.send_rate ~= nil then
    if type(c.send_rate) ~= "number" then raise(fname .. ": " .. at("send_rate") .. " must be a number") end
    if c.send_rate % 1 ~= 0 or c.send_rate < 1000 or c.send_rate > 1000000 then
      return rules.invalid(format("%s: %s must be a whole number from 1000 to 1000000 (messages a minute)",
                                  fname, at("send_rate")))
    end
  end
  if c.labels ~= nil then
    rules.need_table(fname, at("labels"), c.labels)
    if #c.labels > 5 then
      return rules.invalid(format("%s: %s has %d labels (at most 5)", fname, at("labels"), #c.labels))
    end
    for i, l in ipairs(c.labels) do rules.need_string(fname, format("%s[%d]", at("labels"), i), l) end
  end
  return true
end

local function create_body(c, fname) return check_campaign(fname, c) end

local function update_body(body, fname)
  local ok, err = rules.required(fname, "id", body.id, "string")
  if ok then ok, err = check_campaign(fname, body.campaign, "campaign") end
  if not ok then return nil, err end
  return true
end

local function id_body(body, fname)
  return rules.required(fname, "id", body.id, "string")
end

return {
  { name = "orchestrations.create", lua = "orchestrations:create", method = "POST", family = "2",
    path = "/campaigns/create", body = create_body, expect = { 200, 201, 202 }, result = "object",
    fields = { id = "string" }, doc = CEP .. "campaigns/create", section = "§11.1" },
  { name = "orchestrations.update", lua = "orchestrations:update", method = "POST", family = "2",
    path = "/campaigns/update", body = update_body, expect = { 200, 202, 204 }, result = "true",
    doc = CEP .. "campaigns/update", section = "§11.2" },
  { name = "orchestrations.delete", lua = "orchestrations:delete", method = "POST", family = "2",
    path = "/campaigns/delete", body = id_body, expect = { 200, 202, 204 }, result = "true",
    doc = CEP .. "campaigns/delete", section = "§11.3" },
  { name = "orchestrations.list", lua = "orchestrations:list", method = "GET", family = "2",
    path = "/orchestrations/list", query = { { "from", "cursor" }, { "limit", "limit" } },
    expect = { 200 }, result = "object", fields = { orchestrations = "table" },
    doc = CEP .. "orchestrations/list", section = "§11.4" },
  { name = "orchestrations.stats", lua = "orchestrations:stats", method = "GET", family = "2",
    path = "/orchestrations/stats",
    query = { { "orchestration_id", "id", true }, { "from", "day", true }, { "to", "day", true } },
    expect = { 200 }, result = "object", fields = { details = "table" },
    doc = CEP .. "orchestrations/stats", section = "§11.5" },
}
