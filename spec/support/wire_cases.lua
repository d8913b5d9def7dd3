-- One wire case per route of the route table, as `wire("route.name", case)`: a call of the public method
-- against the emulator and the one request Batch must see (spec/support/wire.lua checks it). Run by
-- spec/91-wire-1x_spec.lua and spec/92-wire-2x_spec.lua; spec/93-wire-writes_spec.lua replays the
-- writes under injected failures; spec/90-routes_spec.lua fails when a route has no case here.
--   case = { family = "1" | "2", prepare = function(c, ctx) (optional, before the log is cleared),
--            call = function(c, ctx) -> res, err, method, path (raw, {api_key} for the key), query, body,
--            result = function(res, ctx) (optional) }
-- ctx holds what the specs' setup made (tokens of seeded and created campaigns, a finished 1.0 export,
-- a finished 2.x export view, ...) and what a prepare left for its call.
local assert = require "luassert"
local cases, order = {}, {}

local function wire(name, case)
  assert(not cases[name], "two wire cases for " .. name)
  cases[name] = case
  order[#order + 1] = name
end

local function today() return os.date("!%Y-%m-%d") end
local function days_ago(n) return os.date("!%Y-%m-%d", os.time() - n * 86400) end

local PUSH = { name = "Wire push", live = true, push_time = "now",
               messages = { { language = "en", title = "Hello", body = "Hi there" } } }
local INAPP = { name = "Wire in-app", live = true, trigger = { capping = 1, when = "NEXT_SESSION" },
                landing = { theme = "HELLO-THEME", contents = { { language = "en", title = "Hello!", body = "How?",
                            actions = { { label = "Continue", action = "continue" } } } } } }
local EXPORT = { from = "now", to = "now", events = { "push_sent", "push_open" }, ids = { "install_id", "custom_id" } }

------------------------------------------------------------------------------------------------ 1.1 campaigns
for _, k in ipairs{ { "campaigns", "/campaigns", PUSH }, { "inapp_campaigns", "/in-app-campaigns", INAPP } } do
  local field, segment, body = k[1], k[2], k[3]
  local base = "/1.1/{api_key}" .. segment
  wire(field .. ".get", { family = "1", method = "GET",
    call = function(c, ctx) return c[field]:get(ctx[field].seeded) end,
    path_of = function(ctx) return base .. "/" .. ctx[field].seeded end,
    result = function(res, ctx) assert.equal(ctx[field].seeded, res.campaign_token) end })
  wire(field .. ".list", { family = "1", method = "GET", path = base .. "/list",
    call = function(c) return c[field]:list{ from = 2, limit = 5, live = true, from_api = false } end,
    query = { from = "2", limit = "5", live = "true", from_api = "false" },
    result = function(res) assert.is_true(#res <= 5) end })
  wire(field .. ".create", { family = "1", method = "POST", path = base .. "/create", body = body,
    call = function(c) return c[field]:create(body) end,
    result = function(res) assert.matches("^%x+$", res.campaign_token) end })
  wire(field .. ".update", { family = "1", method = "POST",
    prepare = function(c, ctx) ctx.updated = assert(c[field]:create(body)).campaign_token end,
    call = function(c, ctx)
      local changed = {}
      for key, v in pairs(body) do changed[key] = v end
      changed.name = "Wire renamed"
      ctx.changed = changed
      return c[field]:update(ctx.updated, changed)
    end,
    path_of = function(ctx) return base .. "/update/" .. ctx.updated end,
    body_of = function(ctx) return ctx.changed end,
    result = function(res) assert.is_true(res) end })
  wire(field .. ".delete", { family = "1", method = "POST",
    prepare = function(c, ctx) ctx.deleted = assert(c[field]:create(body)).campaign_token end,
    call = function(c, ctx) return c[field]:delete(ctx.deleted) end,
    path_of = function(ctx) return base .. "/delete/" .. ctx.deleted end,
    result = function(res) assert.is_true(res) end })
end
wire("campaigns.stats", { family = "1", method = "GET",
  call = function(c, ctx) return c.campaigns:stats(ctx.campaigns.seeded) end,
  path_of = function(ctx) return "/1.1/{api_key}/campaigns/stats/" .. ctx.campaigns.seeded end,
  result = function(res) assert.is_table(res.detail) end })

------------------------------------------------------------------------------------------------ 1.0 exports
for _, k in ipairs{ { "campaign", "events" }, { "campaign", "ids" }, { "inapp-campaign", "events" } } do
  local segment, kind = k[1], k[2]
  wire("exports.create_" .. segment:gsub("-", "_") .. "_" .. kind, { family = "1", method = "POST", body = EXPORT,
    call = function(c, ctx)
      local spec = { kind = kind }
      for key, v in pairs(EXPORT) do spec[key] = v end
      if segment == "campaign" then
        spec.campaign = ctx.campaigns.seeded
      else
        spec.inapp_campaign = ctx.inapp_campaigns.seeded
      end
      return c.exports:create(spec)
    end,
    path_of = function(ctx)
      local token = segment == "campaign" and ctx.campaigns.seeded or ctx.inapp_campaigns.seeded
      return "/1.0/{api_key}/export/" .. segment .. "/" .. token .. "/" .. kind
    end,
    result = function(res) assert.is_string(res.id) end })
end
wire("exports.get", { family = "1", method = "GET",
  call = function(c, ctx) return c.exports:get(ctx.export.id) end,
  path_of = function(ctx) return "/1.0/{api_key}/export/request/" .. ctx.export.id end,
  result = function(res, ctx) assert.equal(ctx.export.id, res.id) end })
wire("exports.list", { family = "1", method = "GET", path = "/1.0/{api_key}/export/requests",
  call = function(c) return c.exports:list() end, result = function(res) assert.is_true(#res >= 1) end })
wire("exports.link", { family = "1", method = "GET",
  call = function(c, ctx)
    local url, expires = c.exports:download_url(ctx.export)
    assert.is_number(expires)
    return url
  end,
  path_of = function(ctx)
    return (ctx.export.file_url:match("^https?://[^/]+(/[^?]*)"):gsub(ctx.keys.api_key, "{api_key}"))
  end,
  result = function(url) assert.matches("/_storage/", url) end })

------------------------------------------------------------------------------------------------ 1.1 transactional
local SEND = { group_id = "order_shipped", recipients = { custom_ids = { "john.doe", "jane" } },
               message = { title = "Shipped", body = "On its way" }, deeplink = "myapp://orders" }
wire("transactional.send", { family = "1", method = "POST", path = "/1.1/{api_key}/transactional/send", body = SEND,
  call = function(c) return c.transactional:send(SEND) end,
  result = function(res) assert.is_string(res.token) end })
wire("transactional.stats", { family = "1", method = "GET", path = "/1.1/{api_key}/transactional/stats/order_shipped",
  call = function(c) return c.transactional:stats("order_shipped", { from = days_ago(7), to = today() }) end,
  query_of = function() return { since = days_ago(7), ["until"] = today() } end,
  result = function(res) assert.equal("order_shipped", res.group_id) assert.is_table(res.detail) end })

------------------------------------------------------------------------------------------------ 1.0 custom data
wire("custom_data.set", { family = "1", method = "POST", path = "/1.0/{api_key}/data/users/john.doe%2Fwork",
  body = { overwrite = true, values = { plan = "gold", visits = 3 } },
  call = function(c) return c.custom_data:set("john.doe/work", { plan = "gold", visits = 3 }, { overwrite = true }) end,
  result = function(res) assert.is_string(res.token) end })
wire("custom_data.set_many", { family = "1", method = "POST", path = "/1.0/{api_key}/data/users",
  body = { { id = "a", update = { overwrite = false, values = { x = 1 } } },
           { id = "b", update = { overwrite = true, values = { y = "z" } } } },
  call = function(c)
    return c.custom_data:set_many{ { id = "a", values = { x = 1 } },
                                   { id = "b", values = { y = "z" }, overwrite = true } }
  end,
  result = function(res) assert.is_string(res.token) end })
wire("custom_data.delete", { family = "1", method = "DELETE", path = "/1.0/{api_key}/data/users/jane%20doe",
  call = function(c) return c.custom_data:delete("jane doe") end,
  result = function(res) assert.is_string(res.token) end })
wire("custom_data.delete_many", { family = "1", method = "DELETE", path = "/1.0/{api_key}/data/users",
  body = { "a", "b" }, call = function(c) return c.custom_data:delete_many{ "a", "b" } end,
  result = function(res) assert.is_string(res.token) end })

------------------------------------------------------------------------------------------------ 1.0 events
local function recent() return os.date("!%Y-%m-%dT%H:%M:%S", os.time() - 60) end
wire("events.track", { family = "1", method = "POST", path = "/1.0/{api_key}/events/users/john.doe",
  call = function(c, ctx)
    ctx.at = os.time() - 60
    return c.events:track("john.doe", { { name = "ue.added_to_cart", time = ctx.at, label = "pumpkin",
      attributes = { quantity = 5, ["date(promo_ends)"] = "2030-01-01T04:00:00.000" }, tags = { "fruits" } } })
  end,
  body_of = function(ctx)
    return { { name = "ue.added_to_cart", time = os.date("!%Y-%m-%dT%H:%M:%S", ctx.at), label = "pumpkin",
               attributes = { quantity = 5, ["date(promo_ends)"] = "2030-01-01T04:00:00.000" }, tags = { "fruits" } } }
  end })
wire("events.track_many", { family = "1", method = "POST", path = "/1.0/{api_key}/events/users",
  call = function(c, ctx)
    ctx.t = recent()
    return c.events:track_many{ { id = "a", events = { { name = "ue.login", time = ctx.t } } },
                                { id = "b", events = { { name = "ue.logout" } } } }
  end,
  body_of = function(ctx)
    return { { id = "a", events = { { name = "ue.login", time = ctx.t } } },
             { id = "b", events = { { name = "ue.logout" } } } }
  end })

------------------------------------------------------------------------------------------------ custom audiences
for _, v in ipairs{ "1.1", "1.0" } do
  local tail = v == "1.0" and "@1.0" or ""
  local base = "/" .. v .. "/{api_key}/custom-audience"
  local n = v == "1.0" and "_10" or "_11" -- both versions see the app's audiences: names of their own
  local ids = v == "1.0" and { { action = "add", id = "john" }, { action = "remove", id = "joe" } }
                          or { { action = "add", id = "install-1", attributes = { age = 30 } } }
  local type_of = v == "1.0" and "custom_ids" or nil -- 1.1 holds install ids: no type
  local function made(c, name)
    assert(c.custom_audiences:create(name, { type = type_of, version = v }))
  end
  wire("custom_audiences.create" .. tail, { family = "1", method = "POST", path = base .. "/wire_new" .. n,
    body = { type = type_of, description = "made by the wire spec" },
    call = function(c)
      return c.custom_audiences:create("wire_new" .. n, { type = type_of, description = "made by the wire spec",
                                                      version = v })
    end })
  wire("custom_audiences.update" .. tail, { family = "1", method = "PATCH", path = base .. "/wire_upd" .. n,
    prepare = function(c) made(c, "wire_upd" .. n) end,
    body = v == "1.0" and { type = "custom_ids", ids = ids } or { ids = ids },
    call = function(c)
      return c.custom_audiences:update("wire_upd" .. n, ids, { version = v, type = v == "1.0" and "custom_ids" or nil })
    end })
  wire("custom_audiences.replace" .. tail, { family = "1", method = "PUT", path = base .. "/wire_rep" .. n,
    prepare = function(c) made(c, "wire_rep" .. n) end,
    body = { ids = { { id = "x1" }, { id = "x2" } } },
    call = function(c)
      return c.custom_audiences:replace("wire_rep" .. n, { "x1", { id = "x2" } }, { version = v })
    end })
  wire("custom_audiences.delete" .. tail, { family = "1", method = "DELETE", path = base .. "/wire_del" .. n,
    prepare = function(c) made(c, "wire_del" .. n) end,
    call = function(c) return c.custom_audiences:delete("wire_del" .. n, { version = v }) end })
  wire("custom_audiences.list" .. tail, { family = "1", method = "GET", path = base,
    query = { from = "0", limit = "3" },
    call = function(c) return c.custom_audiences:list{ from = 0, limit = 3, version = v } end,
    result = function(res) assert.is_table(res.custom_audiences) end })
end

------------------------------------------------------------------------------------------------ 1.0 GDPR
local GDPR = { request_type = "review", callback_url = "https://callback.example/done",
               id = { type = "custom_id", value = "john.doe" } }
wire("gdpr.request", { family = "1", method = "POST", path = "/1.0/{api_key}/gdpr/request", body = GDPR,
  call = function(c) return c.gdpr:request(GDPR) end,
  result = function(res) assert.is_string(res.request_id) end })
wire("gdpr.get", { family = "1", method = "GET",
  prepare = function(c, ctx) ctx.gdpr = assert(c.gdpr:request(GDPR)).request_id end,
  call = function(c, ctx) return c.gdpr:get(ctx.gdpr) end,
  path_of = function(ctx) return "/1.0/{api_key}/gdpr/request/" .. ctx.gdpr end,
  result = function(res) assert.equal("review", res.request_type) end })
wire("gdpr.list", { family = "1", method = "GET", path = "/1.0/{api_key}/gdpr/requests",
  prepare = function(c) assert(c.gdpr:request(GDPR)) end,
  call = function(c) return c.gdpr:list() end, result = function(res) assert.is_true(#res >= 1) end })

------------------------------------------------------------------------------------------------ 2.x exports
local ATTRS = { export_type = "ATTRIBUTES", identifiers = { "custom_id" }, attributes = { "$email_address" } }
wire("profiles.export", { family = "2", method = "POST", path = "/2.11/profiles/export", body = ATTRS,
  call = function(c) return c.profiles:export(ATTRS) end, result = function(res) assert.is_string(res.id) end })
wire("project_exports.get", { family = "2", method = "GET", path = "/2.11/exports/view",
  call = function(c, ctx) return c.project_exports:get(ctx.view.id) end,
  query_of = function(ctx) return { id = ctx.view.id } end,
  result = function(res, ctx) assert.equal(ctx.view.id, res.id) end })
wire("project_exports.list", { family = "2", method = "GET", path = "/2.11/exports/list", query = { limit = "2" },
  call = function(c) return c.project_exports:list{ limit = 2 } end,
  result = function(res) assert.is_table(res.exports) end })
wire("project_exports.link", { family = "2", method = "GET", path = "/2.11/exports/download",
  call = function(c, ctx)
    ctx.dir = ctx.tmpdir()
    local one = {}
    for k, v in pairs(ctx.view) do one[k] = v end
    one.files = { ctx.view.files[1] }
    ctx.requests_of = 2 -- the link, then storage
    return c.project_exports:download(one, ctx.dir)
  end,
  query_of = function(ctx) return { id = ctx.view.files[1].id } end,
  result = function(res) assert.equal(1, #res) end })

------------------------------------------------------------------------------------------------ 2.x profiles
local PROFILES = { { identifiers = { custom_id = "john.doe" },
                     attributes = { firstname = "John", ["$language"] = "en",
                                    ["date(birth)"] = "1989-07-20T00:00:00Z" },
                     events = { { name = "added_to_cart", attributes = { ["$label"] = "pumpkin", quantity = 5 } } } } }
wire("profiles.update", { family = "2", method = "POST", path = "/2.11/profiles/update", body = PROFILES,
  call = function(c) return c.profiles:update(PROFILES) end,
  result = function(res) assert.equal("SUCCESS", res.code) end })
wire("profiles.mass_update", { family = "2", method = "POST", path = "/2.11/profiles/mass-update", body = PROFILES,
  call = function(c) return c.profiles:mass_update(PROFILES) end,
  result = function(res) assert.equal("SUCCESS", res.code) end })

------------------------------------------------------------------------------------------------ 2.x audiences
local function audience(c, name) assert(c.audiences:create{ name = name, type = "custom_ids" }) end
wire("audiences.create", { family = "2", method = "POST", path = "/2.11/audiences/create",
  body = { name = "wire-new", type = "custom_ids", display_name = "Wire" },
  call = function(c) return c.audiences:create{ name = "wire-new", type = "custom_ids", display_name = "Wire" } end,
  result = function(res) assert.is_string(res.indexing_token) end })
wire("audiences.update", { family = "2", method = "POST", path = "/2.11/audiences/update",
  prepare = function(c) audience(c, "wire-upd") end,
  body = { name = "wire-upd", ids = { { action = "add", id = "john", attributes = { age = 30 } },
                                      { action = "remove", id = "joe" } } },
  call = function(c)
    return c.audiences:update("wire-upd", { { action = "add", id = "john", attributes = { age = 30 } },
                                            { action = "remove", id = "joe" } })
  end,
  result = function(res) assert.is_string(res.indexing_token) end })
wire("audiences.replace", { family = "2", method = "POST", path = "/2.11/audiences/replace",
  prepare = function(c) audience(c, "wire-rep") end,
  body = { name = "wire-rep", ids = { { id = "a" }, { id = "b" } } },
  call = function(c) return c.audiences:replace("wire-rep", { "a", "b" }) end,
  result = function(res) assert.is_string(res.indexing_token) end })
wire("audiences.remove", { family = "2", method = "POST", path = "/2.11/audiences/remove",
  prepare = function(c) audience(c, "wire-rm") end, body = { name = "wire-rm" },
  call = function(c) return c.audiences:remove("wire-rm") end })
wire("audiences.view", { family = "2", method = "GET", path = "/2.11/audiences/view", query = { name = "wire-view" },
  prepare = function(c) audience(c, "wire-view") end,
  call = function(c) return c.audiences:view("wire-view") end,
  result = function(res) assert.equal("wire-view", res.name) end })
wire("audiences.list", { family = "2", method = "GET", path = "/2.11/audiences/list", query = { limit = "2" },
  call = function(c) return c.audiences:list{ limit = 2 } end,
  result = function(res) assert.is_table(res.audiences) end })

------------------------------------------------------------------------------------------------ 2.x orchestrations
local CAMPAIGN = { name = "Wire orchestration", state = "DRAFT", when = { local_time = false, start_time = "now" },
                   messages = { { channel_type = "push", title = "Hi", body = "Hello" } }, send_rate = 5000,
                   labels = { "WIRE" } }
local function orchestration(c, ctx) ctx.orchestration = assert(c.orchestrations:create(CAMPAIGN)).id end
wire("orchestrations.create", { family = "2", method = "POST", path = "/2.11/campaigns/create", body = CAMPAIGN,
  call = function(c) return c.orchestrations:create(CAMPAIGN) end,
  result = function(res) assert.matches("^orchestration_", res.id) end })
wire("orchestrations.update", { family = "2", method = "POST", path = "/2.11/campaigns/update",
  prepare = orchestration,
  call = function(c, ctx) return c.orchestrations:update(ctx.orchestration, CAMPAIGN) end,
  body_of = function(ctx) return { id = ctx.orchestration, campaign = CAMPAIGN } end,
  result = function(res) assert.is_true(res) end })
wire("orchestrations.delete", { family = "2", method = "POST", path = "/2.11/campaigns/delete",
  prepare = orchestration,
  call = function(c, ctx) return c.orchestrations:delete(ctx.orchestration) end,
  body_of = function(ctx) return { id = ctx.orchestration } end,
  result = function(res) assert.is_true(res) end })
wire("orchestrations.list", { family = "2", method = "GET", path = "/2.11/orchestrations/list", query = { limit = "3" },
  call = function(c) return c.orchestrations:list{ limit = 3 } end,
  result = function(res) assert.is_table(res.orchestrations) end })
wire("orchestrations.stats", { family = "2", method = "GET", path = "/2.11/orchestrations/stats",
  prepare = orchestration,
  call = function(c, ctx) return c.orchestrations:stats(ctx.orchestration, { from = days_ago(30), to = today() }) end,
  query_of = function(ctx) return { orchestration_id = ctx.orchestration, from = days_ago(30), to = today() } end,
  result = function(res) assert.is_table(res.details) end })

------------------------------------------------------------------------------------------------ 2.x catalogs
local FIELDS = { { name = "price", type = "float" }, { name = "title", type = "string" } }
local function catalog(c, name) assert(c.catalogs:create{ name = name, fields = FIELDS }) end
wire("catalogs.create", { family = "2", method = "POST", path = "/2.11/catalogs/create",
  body = { name = "wire_new", fields = FIELDS },
  call = function(c) return c.catalogs:create{ name = "wire_new", fields = FIELDS } end })
wire("catalogs.update", { family = "2", method = "POST", path = "/2.11/catalogs/update",
  prepare = function(c) catalog(c, "wire_upd") end,
  body = { name = "wire_upd", fields = { { action = "add", name = "in_stock", type = "bool" },
                                        { action = "remove", name = "title" } } },
  call = function(c)
    return c.catalogs:update("wire_upd", { { action = "add", name = "in_stock", type = "bool" },
                                           { action = "remove", name = "title" } })
  end })
wire("catalogs.remove", { family = "2", method = "POST", path = "/2.11/catalogs/remove",
  prepare = function(c) catalog(c, "wire_rm") end, body = { name = "wire_rm" },
  call = function(c) return c.catalogs:remove("wire_rm") end })
wire("catalogs.view", { family = "2", method = "GET", path = "/2.11/catalogs/view", query = { name = "wire_view" },
  prepare = function(c) catalog(c, "wire_view") end,
  call = function(c) return c.catalogs:view("wire_view") end,
  result = function(res) assert.equal("wire_view", res.name) end })
wire("catalogs.list", { family = "2", method = "GET", path = "/2.11/catalogs/list", query = { limit = "2" },
  call = function(c) return c.catalogs:list{ limit = 2 } end,
  result = function(res) assert.is_table(res.catalogs) end })
local ITEMS = { { id = "p1", action = "add", attributes = { price = 3.99, title = "Pumpkin" } } }
wire("catalogs.edit_items", { family = "2", method = "POST", path = "/2.11/catalogs/items/edit",
  prepare = function(c) catalog(c, "wire_items") end, body = { name = "wire_items", items = ITEMS },
  call = function(c) return c.catalogs:edit_items("wire_items", ITEMS) end,
  result = function(res) assert.is_string(res.indexing_token) end })

return { cases = cases, order = order }
