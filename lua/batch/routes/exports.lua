-- Export API 1.0: CSV exports of a campaign's events or ids (batch-api.md §3).
local DOC = "https://doc.batch.com/developer/api/mep/export/"

return {
  { name = "exports.create", lua = "exports:create", method = "POST", family = "1.0",
    path = "/export/{segment}/{token}/{kind}",
    params = { segment = "fixed", token = "token", kind = "fixed" },
    body = "object", expect = { 200, 201 }, result = "object", fields = { id = "string" },
    -- the create answer is undocumented: Batch's other 1.x asynchronous APIs answer {"token": ...}
    aliases = { id = { "id", "token" } },
    doc = DOC .. "create", section = "§3.1" },
  { name = "exports.get", lua = "exports:get", method = "GET", family = "1.0", path = "/export/request/{id}",
    params = { id = "id" }, expect = { 200 }, result = "object", fields = { id = "string" },
    doc = DOC .. "get-status", section = "§3.2" },
  { name = "exports.list", lua = "exports:list", method = "GET", family = "1.0", path = "/export/requests",
    expect = { 200 }, result = "array", doc = "https://doc.batch.com/api/export/get-all-requests/", section = "§3.4" },
  -- file_url "is a redirection to the CSV file": read with credentials, the link is the 302's Location
  { name = "exports.link", lua = "exports:download_url", method = "GET", family = "1.0", path = "{url}",
    url_path = "/1.0/{api_key}/export/request/{id}/results/{file}",
    expect = { 302 }, result = "redirect", doc = DOC .. "get-status", section = "§3.3" },
}
