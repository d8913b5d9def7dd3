-- Export API 1.0: CSV exports of a campaign's events or ids (batch-api.md §3).
local DOC = "https://doc.batch.com/developer/api/mep/export/"

local routes = {}

-- A create per kind of export: a push campaign's events or ids, an in-app campaign's events (its path
-- is UNCONFIRMED: by analogy with the push one). The answer is undocumented: Batch's other 1.x
-- asynchronous APIs answer {"token": ...}, so the id is read from `id` or `token`.
for _, k in ipairs{ { "campaign", "events" }, { "campaign", "ids" }, { "inapp-campaign", "events" } } do
  routes[#routes + 1] = {
    name = "exports.create_" .. k[1]:gsub("-", "_") .. "_" .. k[2], lua = "exports:create", method = "POST",
    family = "1.0", path = "/export/" .. k[1] .. "/{token}/" .. k[2], params = { token = "token" },
    body = "object", expect = { 200, 201 }, result = "object", fields = { id = "string" },
    aliases = { id = { "id", "token" } }, doc = DOC .. "create", section = "§3.1" }
end

for _, r in ipairs{
  { name = "exports.get", lua = "exports:get", method = "GET", family = "1.0", path = "/export/request/{id}",
    params = { id = "id" }, expect = { 200 }, result = "object", fields = { id = "string" },
    doc = DOC .. "get-status", section = "§3.2" },
  { name = "exports.list", lua = "exports:list", method = "GET", family = "1.0", path = "/export/requests",
    expect = { 200 }, result = "array", doc = "https://doc.batch.com/api/export/get-all-requests/", section = "§3.4" },
  -- file_url "is a redirection to the CSV file": read with credentials, the link is the 302's Location
  { name = "exports.link", lua = "exports:download_url", method = "GET", family = "1.0", path = "{url}",
    url_path = "/1.0/{api_key}/export/request/{id}/results/{file}",
    expect = { 302 }, result = "redirect", doc = DOC .. "get-status", section = "§3.3" },
} do routes[#routes + 1] = r end

return routes
