-- Campaigns API 1.1 and In-App Campaigns API 1.1 (batch-api.md §1, §2). The two APIs have the same
-- shape under their own segment; in-app campaigns have no stats route (§2).
local MEP = "https://doc.batch.com/developer/api/mep/"

local routes = {}

local KINDS = {
  { lua = "campaigns", segment = "/campaigns", doc = MEP .. "campaigns/", section = "§1", stats = true },
  { lua = "inapp_campaigns", segment = "/in-app-campaigns", doc = MEP .. "in-app-campaigns-api/", section = "§2" },
}

for _, k in ipairs(KINDS) do
  local function add(r)
    r.name = k.lua .. "." .. r.op
    r.lua = k.lua .. ":" .. r.op
    r.family, r.doc, r.section = "1.1", k.doc .. r.page, k.section
    r.op, r.page = nil, nil
    routes[#routes + 1] = r
  end
  add{ op = "get", method = "GET", path = k.segment .. "/{token}", params = { token = "token" },
       expect = { 200 }, result = "object", fields = { campaign_token = "string" }, page = "get-campaign" }
  add{ op = "list", method = "GET", path = k.segment .. "/list",
       query = { { "from", "offset" }, { "limit", "limit" }, { "live", "boolean" }, { "from_api", "boolean" } },
       expect = { 200 }, result = "array", page = "list" }
  if k.stats then
    add{ op = "stats", method = "GET", path = k.segment .. "/stats/{token}", params = { token = "token" },
         expect = { 200 }, result = "object", fields = { campaign_token = "string" }, page = "get" }
  end
  add{ op = "create", method = "POST", path = k.segment .. "/create", body = "object",
       expect = { 200, 201 }, result = "object", fields = { campaign_token = "string" }, page = "create" }
  add{ op = "update", method = "POST", path = k.segment .. "/update/{token}", params = { token = "token" },
       body = "object", expect = { 200 }, result = "true", page = "update" }
  add{ op = "delete", method = "POST", path = k.segment .. "/delete/{token}", params = { token = "token" },
       expect = { 200 }, result = "true", page = "delete" }
end

return routes
