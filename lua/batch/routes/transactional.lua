-- Transactional API 1.1: a push to listed users (batch-api.md §6).
local rules = require "batch.rules"

local ipairs = ipairs

local DOC = "https://doc.batch.com/api/transactional/"
local RECIPIENT_KINDS = { "custom_ids", "install_ids", "tokens" }

-- group_id (letters, digits, '_', '-') and recipients (at least one id) are required; the rest of the
-- body (message, deeplink, priority, media, ...) is Batch's to check.
local function send_body(body, fname)
  local ok, err = rules.required(fname, "group_id", body.group_id, "string")
  if ok then ok, err = rules.name(fname, "group_id", body.group_id) end
  if ok then ok, err = rules.required(fname, "recipients", body.recipients, "table") end
  if not ok then return nil, err end
  local n = 0
  for _, kind in ipairs(RECIPIENT_KINDS) do
    local ids = body.recipients[kind]
    if ids ~= nil then
      rules.need_table(fname, "recipients." .. kind, ids)
      for i, id in ipairs(ids) do
        ok, err = rules.custom_id(fname, "recipients." .. kind .. "[" .. i .. "]", id)
        if not ok then return nil, err end
      end
      n = n + #ids
    end
  end
  if n == 0 then
    return rules.invalid(fname .. ": recipients holds no id (custom_ids, install_ids or tokens)")
  end
  return true
end

return {
  { name = "transactional.send", lua = "transactional:send", method = "POST", family = "1.1",
    path = "/transactional/send", body = send_body,
    expect = { 200, 201, 202 }, result = "object", fields = { token = "string" },
    doc = DOC .. "send", section = "§6.1" },
  { name = "transactional.stats", lua = "transactional:stats", method = "GET", family = "1.1",
    path = "/transactional/stats/{group_id}", params = { group_id = "name" },
    query = { { "since", "day", true }, { "until", "day" } },
    expect = { 200 }, result = "object", fields = { detail = "table" },
    doc = DOC .. "stats/", section = "§6.2" },
}
