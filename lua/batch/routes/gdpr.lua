-- GDPR API 1.0, per app (batch-api.md §12): data review and removal requests.
local rules = require "batch.rules"

local DOC = "https://doc.batch.com/api/gdpr/"

local function request_body(body, fname)
  local ok, err = rules.required(fname, "request_type", body.request_type, "string")
  if ok then ok, err = rules.one_of(fname, "request_type", body.request_type, { "review", "remove" }) end
  if ok then ok, err = rules.required(fname, "id", body.id, "table") end
  if ok then ok, err = rules.required(fname, "id.type", body.id.type, "string") end
  if ok then ok, err = rules.required(fname, "id.value", body.id.value, "string") end
  if ok and body.id.value == "" then return rules.invalid(fname .. ": id.value is empty") end
  if ok and body.callback_url ~= nil then rules.need_string(fname, "callback_url", body.callback_url) end
  if not ok then return nil, err end
  return true
end

return {
  { name = "gdpr.request", lua = "gdpr:request", method = "POST", family = "1.0", path = "/gdpr/request",
    body = request_body, expect = { 200, 201, 202 }, result = "object", fields = { request_id = "string" },
    -- "the token you get when creating the request": read request_id or token (`id` is the user's)
    aliases = { request_id = { "request_id", "token" } },
    doc = DOC .. "create", section = "§12.1" },
  { name = "gdpr.get", lua = "gdpr:get", method = "GET", family = "1.0", path = "/gdpr/request/{request_id}",
    params = { request_id = "id" }, expect = { 200 }, result = "object", doc = DOC .. "get-status", section = "§12.2" },
  { name = "gdpr.list", lua = "gdpr:list", method = "GET", family = "1.0", path = "/gdpr/requests",
    expect = { 200 }, result = "array", doc = "https://doc.batch.com/api/gdpr/get-all-requests/", section = "§12.2" },
}
