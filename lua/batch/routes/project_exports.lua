-- Profile exports and the Project Export API, 2.x (batch-api.md §4).
local CEP = "https://doc.batch.com/developer/api/cep/"

return {
  { name = "profiles.export", lua = "profiles:export", method = "POST", family = "2", path = "/profiles/export",
    body = "object", expect = { 200, 201, 202 }, result = "object", fields = { id = "string" },
    doc = CEP .. "profiles/export", section = "§4.1" },
  { name = "project_exports.get", lua = "project_exports:get", method = "GET", family = "2",
    path = "/exports/view", query = { { "id", "id", true } },
    expect = { 200 }, result = "object", fields = { id = "string" },
    doc = CEP .. "exports/view", section = "§4.2" },
  { name = "project_exports.list", lua = "project_exports:list", method = "GET", family = "2",
    path = "/exports/list", query = { { "from", "cursor" }, { "limit", "limit" } },
    expect = { 200 }, result = "object", fields = { exports = "table" },
    doc = CEP .. "exports/list", section = "§4.3" },
  -- files[].url points at this authenticated route; the storage link is the 307's Location
  { name = "project_exports.link", lua = "project_exports:download", method = "GET", family = "2",
    path = "{url}", url_path = "/2.N/exports/download?id={file_id}",
    expect = { 307 }, result = "redirect",
    doc = "https://doc.batch.com/api/project-export/download", section = "§4.4" },
}
