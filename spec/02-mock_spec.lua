-- The Batch API emulator itself (bin/batch-mock + mock/), over plain HTTP, HTTPS and raw sockets.
local mock = require "spec.support.mock"
local socket = require "socket"
local http = require "socket.http"
local ltn12 = require "ltn12"
local cjson = require "cjson"

local KEYS = mock.DOCUMENTED_KEYS

local function q(s) return "'" .. tostring(s):gsub("'", "'\\''") .. "'" end

local function sh(cmd)
  local p = assert(io.popen(cmd))
  local out = p:read("*a")
  p:close()
  return (out:gsub("%s+$", ""))
end

-- os.execute's success, on Lua 5.1 (a number) and 5.2+ (true/nil).
local function run(cmd)
  local r = os.execute(cmd)
  return r == true or r == 0
end

local function pid_alive(pid)
  if not pid then return false end
  local stat = io.open("/proc/" .. pid .. "/stat")
  if not stat then return false end
  local s = stat:read("*a")
  stat:close()
  return not s:match("^%d+ %b() Z")
end

local function wait_until(fn, seconds)
  local deadline = socket.gettime() + seconds
  while socket.gettime() < deadline do
    if fn() then return true end
    socket.sleep(0.05)
  end
  return fn()
end

local function port_of(url) return tonumber(url:match(":(%d+)$")) end

---------------------------------------------------------------------------------------- HTTP helpers
-- One request with socket.http (a new connection each time). Returns status, raw body, headers.
local function request(base, method, path, opts)
  opts = opts or {}
  local headers = {}
  if opts.rest_key ~= false then headers["x-authorization"] = opts.rest_key or KEYS.rest_key end
  for k, v in pairs(opts.headers or {}) do headers[k] = v end
  local body = opts.body
  if body then
    headers["content-type"] = "application/json"
    headers["content-length"] = tostring(#body)
  end
  local chunks = {}
  local ok, status, resp_headers = http.request{
    url = base .. path, method = method, headers = headers, sink = ltn12.sink.table(chunks),
    source = body and ltn12.source.string(body) or nil,
  }
  assert(ok, status)
  return status, table.concat(chunks), resp_headers
end

-- A raw keep-alive connection, to control exactly what goes on the wire.
local Conn = {}
Conn.__index = Conn

local function connect(url)
  local c = assert(socket.tcp())
  c:settimeout(5)
  assert(c:connect("127.0.0.1", port_of(url)))
  return setmetatable({ sock = c }, Conn)
end

function Conn:send(method, path, headers, body)
  local lines = { method .. " " .. path .. " HTTP/1.1", "Host: 127.0.0.1" }
  for k, v in pairs(headers or {}) do lines[#lines + 1] = k .. ": " .. v end
  if body then lines[#lines + 1] = "Content-Length: " .. #body end
  assert(self.sock:send(table.concat(lines, "\r\n") .. "\r\n\r\n" .. (body or "")))
end

-- Returns { status, headers, body }, or nil, the error and what was received.
function Conn:receive()
  local line, err = self.sock:receive("*l")
  if not line then return nil, err, {} end
  local res = { status = tonumber(line:match("^HTTP/1%.1 (%d%d%d)")), headers = {} }
  while true do
    local h = assert(self.sock:receive("*l"))
    if h == "" then break end
    local k, v = h:match("^([^:]+):%s*(.*)$")
    res.headers[k:lower()] = v
  end
  local len = tonumber(res.headers["content-length"])
  local body, err2, partial = self.sock:receive(len)
  if not body then
    res.partial = partial
    return nil, err2, res
  end
  res.body = body
  return res
end

function Conn:close() self.sock:close() end

---------------------------------------------------------------------------------------------- specs
describe("batch-mock", function()
  local m

  local function api(method, path, opts) return request(m.url, method, "/1.1/" .. KEYS.api_key .. path, opts) end
  local function api_json(method, path, opts)
    local status, body, headers = api(method, path, opts)
    return status, cjson.decode(body), headers, body
  end
  local function list_all(kind, key)
    local status, body = request(m.url, "GET", "/1.1/" .. (key or KEYS.api_key) .. "/" .. kind .. "/list?limit=100")
    assert.equal(200, status)
    return cjson.decode(body)
  end
  local function create(kind, tbl, key)
    local status, body = request(m.url, "POST", "/1.1/" .. (key or KEYS.api_key) .. "/" .. kind .. "/create",
                                 { body = cjson.encode(tbl) })
    assert.equal(201, status, body)
    return cjson.decode(body).campaign_token
  end
  local function assert_error(status, code, wanted_status, body, message_pattern)
    assert.equal(wanted_status, status, body)
    local e = cjson.decode(body)
    assert.equal(code, e.code)
    assert.is_string(e.message)
    if message_pattern then assert.matches(message_pattern, e.message) end
  end

  setup(function()
    m = mock.start()
  end)
  teardown(function()
    if m then m:stop() end
  end)
  before_each(function()
    m:reset()
  end)

  describe("start", function()
    it("answers /_mock/health and exports its settings in mock.env", function()
      local status, body = m:control("GET", "/_mock/health")
      assert.equal(200, status)
      assert.same({ ok = true }, body)
      assert.matches("^http://127%.0%.0%.1:%d+$", m.url)
      assert.matches("^https://127%.0%.0%.1:%d+$", m.tls_url)
      assert.are_not.equal(port_of(m.url), port_of(m.tls_url))
      assert.same(KEYS, m.keys)
      assert.equal(m.url, m.env.BATCH_BASE_URL)
      assert.equal(m.dir .. "/ca.pem", m.env.BATCH_MOCK_CA)
      assert.is_true(pid_alive(m.pid))
      assert.matches("BEGIN CERTIFICATE", io.open(m.ca_file):read("*a"))
    end)

    it("listens on 127.0.0.1 only", function()
      local conf = io.open(m.dir .. "/nginx.conf"):read("*a")
      for addr in conf:gmatch("listen%s+([^;%s]+)") do
        assert.matches("^127%.0%.0%.1:%d+$", addr)
      end
      assert.matches("keepalive_requests 1000000;", conf, 1, true)
    end)
  end)

  describe("campaigns API 1.1", function()
    it("lists 10 campaigns by default, newest first, with the basic fields only", function()
      local status, list, headers = api_json("GET", "/campaigns/list")
      assert.equal(200, status)
      assert.equal("application/json", headers["content-type"])
      assert.equal(10, #list)
      for i, c in ipairs(list) do
        assert.matches("^%x+$", c.campaign_token)
        assert.equal(32, #c.campaign_token)
        assert.equal(c.campaign_token:lower(), c.campaign_token)
        assert.is_boolean(c.from_api)
        assert.is_boolean(c.dev_only)
        assert.is_boolean(c.live)
        assert.is_string(c.name)
        assert.matches("^%d%d%d%d%-%d%d%-%d%dT%d%d:%d%d:%d%d$", c.created_date)
        assert.matches("^%d%d%d%d%-%d%d%-%d%dT%d%d:%d%d:%d%d$", c.push_time)
        assert.is_nil(c.messages)
        if i > 1 then assert.is_true(list[i - 1].created_date > c.created_date) end
      end
    end)

    it("pages with from (offset) and limit, up to 100 items", function()
      local all = list_all("campaigns")
      assert.equal(25, #all)
      local seen = {}
      for from = 0, 24, 7 do
        local status, page = api_json("GET", "/campaigns/list?from=" .. from .. "&limit=7")
        assert.equal(200, status)
        assert.equal(math.min(7, 25 - from), #page)
        for i, c in ipairs(page) do
          assert.equal(all[from + i].campaign_token, c.campaign_token)
          assert.is_nil(seen[c.campaign_token])
          seen[c.campaign_token] = true
        end
      end
      local status, body = api("GET", "/campaigns/list?from=25")
      assert.equal(200, status)
      assert.equal("[]", body)
    end)

    it("filters on live and from_api", function()
      local all = list_all("campaigns")
      for _, live in ipairs{ "true", "false" } do
        for _, from_api in ipairs{ "true", "false", "" } do
          local status, page = api_json("GET", "/campaigns/list?limit=100&live=" .. live .. "&from_api=" .. from_api)
          assert.equal(200, status)
          local expected = 0
          for _, c in ipairs(all) do
            if tostring(c.live) == live and (from_api == "" or tostring(c.from_api) == from_api) then
              expected = expected + 1
            end
          end
          assert.is_true(expected > 0)
          assert.equal(expected, #page)
          for _, c in ipairs(page) do
            assert.equal(live, tostring(c.live))
            if from_api ~= "" then assert.equal(from_api, tostring(c.from_api)) end
          end
        end
      end
    end)

    it("rejects malformed list parameters with 400, code 31, naming the parameter", function()
      for query, field in pairs{ ["limit=0"] = "limit", ["limit=101"] = "limit", ["limit=ten"] = "limit",
                                 ["from=-1"] = "from", ["from=1.5"] = "from", ["live=yes"] = "live",
                                 ["from_api=1"] = "from_api" } do
        local status, body = api("GET", "/campaigns/list?" .. query)
        assert_error(status, 31, 400, body, field)
      end
    end)

    it("views a campaign with the create format plus token, from_api, dev_only, created_date", function()
      local first = list_all("campaigns")[1]
      local status, c = api_json("GET", "/campaigns/" .. first.campaign_token)
      assert.equal(200, status)
      for _, f in ipairs{ "campaign_token", "from_api", "dev_only", "created_date", "name", "live", "push_time" } do
        assert.same(first[f], c[f])
      end
      assert.is_table(c.messages)
      assert.is_string(c.messages[1].body)
      assert.is_table(c.targeting.segments)
    end)

    it("marks trigger automations with an empty trigger object", function()
      local automations = 0
      for _, c in ipairs(list_all("campaigns")) do
        local _, body = api("GET", "/campaigns/" .. c.campaign_token)
        if body:find('"trigger":{}', 1, true) then automations = automations + 1 end
      end
      assert.is_true(automations >= 2)
    end)

    it("gives stats per date, empty for unsent campaigns, with versions a/b for A/B tests", function()
      local empty, ab, plain = 0, 0, 0
      for _, c in ipairs(list_all("campaigns")) do
        local status, body = api("GET", "/campaigns/stats/" .. c.campaign_token)
        assert.equal(200, status)
        local s = cjson.decode(body)
        assert.equal(c.campaign_token, s.campaign_token)
        if #s.detail == 0 then
          assert.matches('"detail":[]', body, 1, true)
          empty = empty + 1
        end
        for _, d in ipairs(s.detail) do
          assert.matches("^%d%d%d%d%-%d%d%-%d%d$", d.date)
          for _, f in ipairs{ "sent", "direct_open", "influenced_open", "reengaged", "errors" } do
            assert.is_number(d[f])
          end
          if d.versions then
            ab = ab + 1
            for _, v in ipairs{ "a", "b" } do
              for _, f in ipairs{ "sent", "sent_optins", "direct_open", "influenced_open", "reengaged" } do
                assert.is_number(d.versions[v][f])
              end
            end
            assert.equal(d.sent, d.versions.a.sent + d.versions.b.sent)
          else
            plain = plain + 1
            assert.is_number(d.sent_optins)
          end
        end
      end
      assert.is_true(empty > 0 and ab > 0 and plain > 0)
    end)

    it("creates (201 + token), views, lists, updates (merge), deletes", function()
      local body = { name = "Test Campaign", live = true, push_time = "now",
                     gcm_collapse_key = { enabled = true, key = "default" },
                     targeting = { segments = { "NEW" } }, messages = { { language = "en", body = "Hello!" } } }
      local status, raw = api("POST", "/campaigns/create", { body = cjson.encode(body) })
      assert.equal(201, status)
      local token = cjson.decode(raw).campaign_token
      assert.matches("^" .. string.rep("[0-9a-f]", 32) .. "$", token)

      local c
      status, c = api_json("GET", "/campaigns/" .. token)
      assert.equal(200, status)
      assert.equal(token, c.campaign_token)
      assert.equal("Test Campaign", c.name)
      assert.is_true(c.from_api)
      assert.is_false(c.dev_only)
      assert.is_true(c.live)
      assert.matches("^%d%d%d%d%-%d%d%-%d%dT%d%d:%d%d:%d%d$", c.created_date)
      assert.matches("^%d%d%d%d%-%d%d%-%d%dT%d%d:%d%d:%d%d$", c.push_time)
      assert.same(body.messages, c.messages)
      assert.equal("default", c.gcm_collapse_key) -- an object on create, a string on view (§1.3)
      assert.equal(token, list_all("campaigns")[1].campaign_token)
      assert.equal(26, #list_all("campaigns"))
      local _, stats = api("GET", "/campaigns/stats/" .. token)
      assert.equal('{"campaign_token":"' .. token .. '","detail":[]}', stats)

      -- an update carries at least the create's 6 parameters; campaign_token is the server's, ignored
      local update = { name = "Updated Test Campaign Name", live = false, push_time = "now",
                       gcm_collapse_key = { enabled = true, key = "promo" }, targeting = body.targeting,
                       messages = body.messages, campaign_token = "ffffffffffffffffffffffffffffffff" }
      status, raw = api("POST", "/campaigns/update/" .. token, { body = cjson.encode(update) })
      assert.equal(200, status)
      assert.equal("{}", raw)
      status, c = api_json("GET", "/campaigns/" .. token)
      assert.equal(200, status)
      assert.equal("Updated Test Campaign Name", c.name)
      assert.is_false(c.live)
      assert.equal("promo", c.gcm_collapse_key)
      assert.equal(token, c.campaign_token)
      assert.same(body.messages, c.messages)

      status, raw = api("POST", "/campaigns/delete/" .. token)
      assert.equal(200, status)
      assert.equal("{}", raw)
      for _, path in ipairs{ "/campaigns/" .. token, "/campaigns/stats/" .. token } do
        status, raw = api("GET", path)
        assert_error(status, 20, 404, raw, "not found")
      end
      status, raw = api("POST", "/campaigns/delete/" .. token)
      assert_error(status, 20, 404, raw, "not found")
      assert.equal(25, #list_all("campaigns"))
    end)

    it("updates only API-created campaigns, with at least the create's parameter count (§1.4)", function()
      local token = create("campaigns", { name = "Four params", live = false, push_time = "now",
                                          messages = { { body = "x" } } })
      local status, raw = api("POST", "/campaigns/update/" .. token, { body = '{"name":"Renamed","live":true}' })
      assert_error(status, 30, 400, raw, "at least as many parameters")
      status = api("POST", "/campaigns/update/" .. token, { body = cjson.encode{ name = "Renamed", live = true,
        push_time = "now", messages = { { body = "y" } }, deeplink = "myapp://x" } })
      assert.equal(200, status)
      -- parameters added by an update count from then on: five are needed now
      status, raw = api("POST", "/campaigns/update/" .. token, { body = cjson.encode{ name = "Again", live = true,
        push_time = "now", messages = { { body = "y" } } } })
      assert_error(status, 30, 400, raw, "(5)")

      local dashboard
      for _, c in ipairs(list_all("campaigns")) do
        if not c.from_api then dashboard = c.campaign_token break end
      end
      status, raw = api("POST", "/campaigns/update/" .. dashboard, { body = cjson.encode{ name = "Hijack",
        live = true, push_time = "now", messages = { { body = "y" } }, targeting = {}, deeplink = "x",
        gcm_collapse_key = {}, labels = {} } })
      assert_error(status, 12, 403, raw, "created in the dashboard")
      local _, in_app = api("GET", "/in-app-campaigns/list?from_api=false&limit=1")
      status, raw = api("POST", "/in-app-campaigns/update/" .. cjson.decode(in_app)[1].campaign_token,
                        { body = '{"name":"Hijack"}' })
      assert_error(status, 12, 403, raw, "created in the dashboard")
    end)

    it("keeps empty arrays as [] and the other fields as sent", function()
      local token = create("campaigns", { name = "xyz", live = false,
                                          messages = { { body = "b", custom = { a = {} } } },
                                          targeting = { segments = {} } })
      -- cjson encodes the empty Lua table of segments as {}; send a real [] instead:
      local status = api("POST", "/campaigns/update/" .. token, { body = '{"name":"xyz","live":false,'
        .. '"messages":[{"body":"b","custom":{"a":{}}}],"targeting":{"segments":[]}}' })
      assert.equal(200, status)
      local _, body = api("GET", "/campaigns/" .. token)
      assert.matches('"targeting":{"segments":[]}', body, 1, true)
      assert.matches('"custom":{"a":{}}', body, 1, true)
    end)

    it("keeps each app's data apart", function()
      local ios, android = list_all("campaigns"), list_all("campaigns", KEYS.other_api_key)
      assert.equal(25, #android)
      local tokens = {}
      for _, c in ipairs(ios) do tokens[c.campaign_token] = true end
      for _, c in ipairs(android) do assert.is_nil(tokens[c.campaign_token]) end
      local status, body = request(m.url, "GET",
                                   "/1.1/" .. KEYS.other_api_key .. "/campaigns/" .. ios[1].campaign_token)
      assert_error(status, 20, 404, body)
    end)
  end)

  describe("in-app campaigns API 1.1", function()
    it("lists, views, creates, updates and deletes", function()
      local all = list_all("in-app-campaigns")
      assert.equal(12, #all)
      assert.is_nil(all[1].push_time)
      local status, c = api_json("GET", "/in-app-campaigns/" .. all[1].campaign_token)
      assert.equal(200, status)
      assert.is_table(c.landing.contents)
      assert.is_string(c.landing.theme)
      assert.is_table(c.trigger)

      local body = { name = "Test Campaign", local_start_date = "2017-06-01T14:00:00", live = true,
                     trigger = { capping = 1, when = "NEXT_SESSION" },
                     landing = { theme = "HELLO-THEME", contents = { { language = "en", title = "Hello!",
                       body = "How is it going?", actions = { { label = "Continue", action = "continue" } } } } } }
      local token = create("in-app-campaigns", body)
      assert.matches("^" .. string.rep("%x", 32) .. "$", token)
      status, c = api_json("GET", "/in-app-campaigns/" .. token)
      assert.equal(200, status)
      assert.same(body.landing, c.landing)
      assert.is_true(c.from_api)
      assert.equal(token, list_all("in-app-campaigns")[1].campaign_token)

      body.name = "Renamed"
      status = api("POST", "/in-app-campaigns/update/" .. token, { body = cjson.encode(body) })
      assert.equal(200, status)
      assert.equal("Renamed", select(2, api_json("GET", "/in-app-campaigns/" .. token)).name)
      local raw
      status, raw = api("POST", "/in-app-campaigns/delete/" .. token)
      assert.equal(200, status)
      assert.equal("{}", raw)
      status, raw = api("GET", "/in-app-campaigns/" .. token)
      assert_error(status, 20, 404, raw, "not found")
    end)

    it("has no stats route", function()
      local token = list_all("in-app-campaigns")[1].campaign_token
      local status, body = api("GET", "/in-app-campaigns/stats/" .. token)
      assert_error(status, 20, 404, body, "Route not found")
    end)

    it("requires name, live, trigger and landing on create (§2 correction)", function()
      local full = { name = "Welcome", live = true, trigger = { when = "NEXT_SESSION" },
                     landing = { theme = "HELLO-THEME" } }
      for _, field in ipairs{ "name", "live", "trigger", "landing" } do
        local body = {}
        for k, v in pairs(full) do if k ~= field then body[k] = v end end
        local status, raw = api("POST", "/in-app-campaigns/create", { body = cjson.encode(body) })
        assert_error(status, 30, 400, raw, field)
      end
      for field, bad in pairs{ landing = { 1 }, name = "ab", trigger = "NEXT_SESSION", live = "yes" } do
        local body = {}
        for k, v in pairs(full) do body[k] = v end
        body[field] = bad
        local status, raw = api("POST", "/in-app-campaigns/create", { body = cjson.encode(body) })
        assert_error(status, 31, 400, raw, field)
      end
      assert.equal(201, (api("POST", "/in-app-campaigns/create", { body = cjson.encode(full) })))
    end)
  end)

  describe("documented errors", function()
    it("401, code 10 for an unknown API key, a missing or a wrong X-Authorization", function()
      local status, body = request(m.url, "GET", "/1.1/0000000000000000000000000000DEAD/campaigns/list")
      assert_error(status, 10, 401, body)
      status, body = api("GET", "/campaigns/list", { rest_key = false })
      assert_error(status, 10, 401, body)
      status, body = api("GET", "/campaigns/list", { rest_key = "wrong" })
      assert_error(status, 10, 401, body)
      status, body = api("POST", "/campaigns/create", { rest_key = "wrong", body = "{}" })
      assert_error(status, 10, 401, body)
    end)

    it("403, code 12 for a DEV key on view, list and stats; DEV keys can create, update, delete", function()
      local token = list_all("campaigns")[1].campaign_token
      local in_app = list_all("in-app-campaigns")[1].campaign_token
      local dev = "/1.1/" .. KEYS.dev_api_key
      for _, path in ipairs{ "/campaigns/list", "/campaigns/" .. token, "/campaigns/stats/" .. token,
                             "/in-app-campaigns/list", "/in-app-campaigns/" .. in_app } do
        local status, body = request(m.url, "GET", dev .. path)
        assert_error(status, 12, 403, body, "Only LIVE API Keys are supported")
      end
      local created = create("campaigns", { name = "dev", live = false, messages = { { body = "x" } } },
                             KEYS.dev_api_key)
      local status, c = api_json("GET", "/campaigns/" .. created)
      assert.equal(200, status)
      assert.is_true(c.dev_only)
      status = request(m.url, "POST", dev .. "/campaigns/update/" .. created,
                       { body = '{"name":"dev2","live":false,"messages":[{"body":"x"}]}' })
      assert.equal(200, status)
      status = request(m.url, "POST", dev .. "/campaigns/delete/" .. created)
      assert.equal(200, status)
      assert.equal(404, (api("GET", "/campaigns/" .. created)))
    end)

    it("404, code 20 for an unknown route or a wrong method", function()
      local cases = {
        { "GET", "/1.1/" .. KEYS.api_key .. "/nothing" },
        { "GET", "/1.1/" .. KEYS.api_key .. "/campaigns/create" },
        { "POST", "/1.1/" .. KEYS.api_key .. "/campaigns/list" },
        { "DELETE", "/1.1/" .. KEYS.api_key .. "/campaigns/0a2191aa0ddf45618bb4ebde310b1217" },
        { "GET", "/1.0/" .. KEYS.api_key .. "/campaigns/list" },
        { "GET", "/" },
      }
      for _, case in ipairs(cases) do
        local status, body = request(m.url, case[1], case[2])
        assert_error(status, 20, 404, body, "Route not found")
        assert.is_nil(body:find(KEYS.api_key, 1, true))
      end
    end)

    it("404, code 20 saying the campaign was not found for an unknown token", function()
      local status, body = api("GET", "/campaigns/00000000000000000000000000000000")
      assert_error(status, 20, 404, body, "[Cc]ampaign not found")
      status, body = api("POST", "/campaigns/update/00000000000000000000000000000000", { body = "{}" })
      assert_error(status, 20, 404, body, "[Cc]ampaign not found")
      status, body = api("POST", "/in-app-campaigns/delete/00000000000000000000000000000000")
      assert_error(status, 20, 404, body, "[Cc]ampaign not found")
    end)

    it("400, code 30 naming a missing required field", function()
      local status, body = api("POST", "/campaigns/create", { body = '{"live":true,"messages":[{"body":"x"}]}' })
      assert_error(status, 30, 400, body, "name")
      status, body = api("POST", "/campaigns/create", { body = '{"name":"xyz","live":true}' })
      assert_error(status, 30, 400, body, "messages")
      -- live is required (§1.3 correction: "Boolean - Required")
      status, body = api("POST", "/campaigns/create", { body = '{"name":"xyz","messages":[{"body":"x"}]}' })
      assert_error(status, 30, 400, body, "live")
    end)

    it("400, code 31 naming a field of the wrong type", function()
      local ok = '"name":"xyz","live":true,"messages":[{"body":"x"}]'
      local cases = {
        { '{"name":"xyz","live":"yes","messages":[{"body":"x"}]}', "live" },
        { '{"name":42,"live":true,"messages":[{"body":"x"}]}', "name" },
        { '{"name":"xy","live":true,"messages":[{"body":"x"}]}', "name" }, -- "Min. 3 chars"
        { '{"name":"xyz","live":true,"messages":"hello"}', "messages" },
        { '{"name":"xyz","live":true,"messages":[]}', "messages" },
        { "{" .. ok .. ',"push_time":"tomorrow"}', "push_time" },
        { "{" .. ok .. ',"gcm_collapse_key":"default"}', "gcm_collapse_key" }, -- an object on create
        { "{" .. ok .. ',"labels":["a","b","c","d"]}', "labels" },              -- "Max. 3 labels"
        { "{" .. ok .. ',"priority":"urgent"}', "priority" },
        { "{" .. ok .. ',"time_to_live":0}', "time_to_live" },
        { "{" .. ok .. ',"time_to_live":2419201}', "time_to_live" },             -- at most 28 days
      }
      for _, case in ipairs(cases) do
        local status, body = api("POST", "/campaigns/create", { body = case[1] })
        assert_error(status, 31, 400, body, case[2])
      end
      local token = create("campaigns", { name = "xyz", live = true, messages = { { body = "x" } } })
      local status, body = api("POST", "/campaigns/update/" .. token,
                               { body = '{"name":"xyz","live":1,"messages":[{"body":"x"}]}' })
      assert_error(status, 31, 400, body, "live")
    end)

    it("400, code 32 for a body that is not a JSON object", function()
      local token = create("campaigns", { name = "xyz", live = true, messages = { { body = "x" } } })
      for _, bad in ipairs{ '{"name":', "", "[1,2]", '"text"', "name=x" } do
        local status, body = api("POST", "/campaigns/create", { body = bad })
        assert_error(status, 32, 400, body)
        status, body = api("POST", "/campaigns/update/" .. token, { body = bad })
        assert_error(status, 32, 400, body)
      end
    end)
  end)

  describe("faults", function()
    it("429 with Retry-After and Batch's body, for count requests, then the normal answer", function()
      m:fault{ path = "/campaigns/list", count = 2, status = 429, retry_after = "7" }
      for _ = 1, 2 do
        local status, body, headers = api("GET", "/campaigns/list")
        assert_error(status, 60, 429, body)
        assert.equal("7", headers["retry-after"])
      end
      local status, _, headers = api("GET", "/campaigns/list")
      assert.equal(200, status)
      assert.is_nil(headers["retry-after"])
    end)

    it("a status alone gets Batch's error body; a given body and headers are sent as is", function()
      m:fault{ path = "/campaigns/", status = 500 }
      m:fault{ path = "/campaigns/", status = 503 }
      m:fault{ path = "/campaigns/", status = 502, body = "<html>bad gateway</html>",
               headers = { ["X-Fault"] = "yes" } }
      local status, body = api("GET", "/campaigns/list")
      assert_error(status, 0, 500, body)
      status, body = api("GET", "/campaigns/list")
      assert_error(status, 2, 503, body)
      local headers
      status, body, headers = api("GET", "/campaigns/list")
      assert.equal(502, status)
      assert.equal("<html>bad gateway</html>", body)
      assert.equal("yes", headers["x-fault"])
      assert.equal(200, (api("GET", "/campaigns/list")))
    end)

    it("matches on the path substring and the method, in the order added", function()
      m:fault{ path = "/in-app-campaigns/", status = 500 }
      m:fault{ path = "/create", method = "POST", status = 503 }
      m:fault{ path = "", status = 429 }
      -- matches neither of the first two, so the third ('' matches every path) takes it
      assert.equal(429, (api("POST", "/campaigns/update/0a2191aa0ddf45618bb4ebde310b1217", { body = "{}" })))
      assert.equal(2, #m:faults())
      -- the second one is for POST only: a GET gets the normal answer
      local status, body = api("GET", "/campaigns/create")
      assert_error(status, 20, 404, body, "Route not found")
      assert.equal(503, (api("POST", "/campaigns/create", { body = "{}" })))
      assert.equal(500, (api("GET", "/in-app-campaigns/list")))
      assert.equal(0, #m:faults())
      assert.equal(200, (api("GET", "/in-app-campaigns/list")))
    end)

    it("drop closes the connection without a response", function()
      m:fault{ path = "/campaigns/list", action = "drop" }
      local c = connect(m.url)
      c:send("GET", "/1.1/" .. KEYS.api_key .. "/campaigns/list", { ["X-Authorization"] = KEYS.rest_key })
      local res, err = c:receive()
      c:close()
      assert.is_nil(res)
      assert.equal("closed", err)
      assert.equal(200, (api("GET", "/campaigns/list")))
    end)

    it("truncate sends a Content-Length larger than the body, then closes", function()
      m:fault{ path = "/campaigns/list", action = "truncate" }
      local c = connect(m.url)
      c:send("GET", "/1.1/" .. KEYS.api_key .. "/campaigns/list", { ["X-Authorization"] = KEYS.rest_key })
      local res, err, got = c:receive()
      c:close()
      assert.is_nil(res)
      assert.equal("closed", err)
      assert.equal(200, got.status)
      local len = tonumber(got.headers["content-length"])
      assert.is_true(#got.partial > 0)
      assert.is_true(#got.partial < len)
      local _, full = api("GET", "/campaigns/list")
      assert.equal(#full, len)
      assert.equal(full:sub(1, #got.partial), got.partial)
    end)

    it("bad_json and empty answer 200 with a body that does not decode", function()
      m:fault{ path = "/campaigns/list", action = "bad_json" }
      m:fault{ path = "/campaigns/list", action = "empty" }
      local status, body = api("GET", "/campaigns/list")
      assert.equal(200, status)
      assert.is_true(#body > 0)
      assert.is_false(pcall(cjson.decode, body))
      status, body = api("GET", "/campaigns/list")
      assert.equal(200, status)
      assert.equal("", body)
    end)

    it("delay waits, then gives the normal answer", function()
      m:fault{ path = "/campaigns/list", delay = 0.4 }
      local t0 = socket.gettime()
      local status, body = api("GET", "/campaigns/list")
      local elapsed = socket.gettime() - t0
      assert.equal(200, status)
      assert.equal(10, #cjson.decode(body))
      assert.is_true(elapsed >= 0.4, "took " .. elapsed)
      t0 = socket.gettime()
      api("GET", "/campaigns/list")
      assert.is_true(socket.gettime() - t0 < 0.4)
    end)

    it("stall sends half the body, waits, then the rest", function()
      m:fault{ path = "/campaigns/list", action = "stall", delay = 0.5 }
      local c = connect(m.url)
      c:send("GET", "/1.1/" .. KEYS.api_key .. "/campaigns/list", { ["X-Authorization"] = KEYS.rest_key })
      c.sock:settimeout(0.3)
      local res, err, got = c:receive()
      assert.is_nil(res)
      assert.equal("timeout", err)
      assert.equal(200, got.status)
      local len = tonumber(got.headers["content-length"])
      assert.is_true(#got.partial > 0 and #got.partial < len)
      c.sock:settimeout(5)
      local rest = assert(c.sock:receive(len - #got.partial))
      c:close()
      assert.equal(10, #cjson.decode(got.partial .. rest))
    end)

    it("does not apply to the control routes; DELETE /_mock/faults clears them", function()
      m:fault{ path = "", status = 500, count = 5 }
      assert.equal(200, (m:control("GET", "/_mock/health")))
      assert.equal(1, #m:faults())
      assert.equal(5, m:faults()[1].remaining)
      m:clear_faults()
      assert.equal(0, #m:faults())
      assert.equal(200, (api("GET", "/campaigns/list")))
    end)

    it("rejects a malformed fault", function()
      for _, spec in ipairs{ { action = "explode" }, { status = "429" }, { count = 0 }, { pth = "/x" } } do
        local status, body = m:control("POST", "/_mock/faults", spec)
        assert.equal(400, status)
        assert.is_string(body.error)
      end
      assert.has_error(function() m:fault{ delay = -1 } end)
    end)
  end)

  describe("request log", function()
    it("records each API request with its fields, oldest first, and not the control routes", function()
      local token = list_all("campaigns")[1].campaign_token
      m:clear_log()
      local before = socket.gettime()
      api("GET", "/campaigns/list?from=2&limit=5&live=true", { headers = { ["X-Custom-Header"] = "Value" } })
      api("POST", "/campaigns/update/" .. token, { body = '{"name":"n"}' })
      local after = socket.gettime()
      m:control("GET", "/_mock/health")
      local log = m:log()
      assert.equal(2, #log)
      local a, b = log[1], log[2]
      assert.equal("GET", a.method)
      assert.equal("/1.1/" .. KEYS.api_key .. "/campaigns/list", a.path)
      assert.equal("from=2&limit=5&live=true", a.query)
      assert.equal("", a.body)
      assert.equal("Value", a.headers["x-custom-header"])
      assert.equal(KEYS.rest_key, a.headers["x-authorization"])
      assert.equal("http", a.scheme)
      assert.equal("POST", b.method)
      assert.equal("", b.query)
      assert.equal('{"name":"n"}', b.body)
      assert.equal("application/json", b.headers["content-type"])
      assert.is_true(b.seq > a.seq)
      assert.is_number(a.connection)
      assert.are_not.equal(a.connection, b.connection) -- socket.http opens one connection per request
      assert.equal(1, a.connection_requests)
      -- when each arrived, on the emulator's clock (the same machine's; nginx's is cached to the millisecond)
      assert.is_true(a.time >= before - 0.01 and a.time <= b.time and b.time <= after + 0.01,
                     ("%.3f <= %.3f <= %.3f <= %.3f"):format(before, a.time, b.time, after))
    end)

    it("shows one connection number across a keep-alive connection", function()
      m:clear_log()
      local c = connect(m.url)
      for _ = 1, 3 do
        c:send("GET", "/1.1/" .. KEYS.api_key .. "/campaigns/list?limit=1", { ["X-Authorization"] = KEYS.rest_key })
        assert.equal(200, assert(c:receive()).status)
      end
      c:close()
      api("GET", "/campaigns/list?limit=1")
      local log = m:log()
      assert.equal(4, #log)
      assert.equal(log[1].connection, log[2].connection)
      assert.equal(log[1].connection, log[3].connection)
      assert.are_not.equal(log[1].connection, log[4].connection)
      assert.same({ 1, 2, 3, 1 }, { log[1].connection_requests, log[2].connection_requests,
                                    log[3].connection_requests, log[4].connection_requests })
    end)

    it("records requests that got a fault, and can be switched off", function()
      m:fault{ path = "/campaigns/list", action = "drop" }
      pcall(api, "GET", "/campaigns/list")
      assert.equal(1, #m:log())
      assert.is_false(m:config{ log = false }.log)
      api("GET", "/campaigns/list")
      assert.equal(1, #m:log())
      m:config{ log = true }
      api("GET", "/campaigns/list")
      assert.equal(2, #m:log())
      m:clear_log()
      assert.equal(0, #m:log())
    end)

    it("keeps the last 10 000 requests", function()
      local c = connect(m.url)
      local path = "/1.1/" .. KEYS.api_key .. "/nothing"
      for _ = 1, 10005 do
        c:send("GET", path)
        assert.equal(404, assert(c:receive()).status)
      end
      c:close()
      local log = m:log()
      assert.equal(10000, #log)
      assert.equal(log[1].seq + 9999, log[10000].seq)
      assert.equal(10005, log[10000].connection_requests)
      assert.equal(6, log[1].connection_requests)
    end)
  end)

  describe("control", function()
    it("config latency delays every API answer; reset restores everything", function()
      local token = list_all("campaigns")[1].campaign_token
      assert.equal(200, (api("POST", "/campaigns/delete/" .. token)))
      m:fault{ path = "", status = 500, count = 100 }
      local defaults = { latency = 0, log = true, indexing_delay = 1, gdpr_delay = 2 }
      assert.same({ latency = 0.3, log = true, indexing_delay = 1, gdpr_delay = 2 }, m:config{ latency = 0.3 })
      local t0 = socket.gettime()
      api("GET", "/campaigns/list")
      assert.is_true(socket.gettime() - t0 >= 0.3)

      m:reset()
      assert.same(defaults, select(2, m:control("GET", "/_mock/config")))
      assert.equal(0, #m:log())
      assert.equal(0, #m:faults())
      local status = api("GET", "/campaigns/" .. token)
      assert.equal(200, status)
    end)

    it("rejects unknown config keys and routes", function()
      local status, body = m:control("POST", "/_mock/config", { latncy = 1 })
      assert.equal(400, status)
      assert.matches("latncy", body.error)
      status = m:control("GET", "/_mock/nothing")
      assert.equal(404, status)
      status = m:control("PUT", "/_mock/log")
      assert.equal(405, status)
    end)
  end)

  describe("HTTPS", function()
    local function curl(args)
      local out = sh("env -u LD_PRELOAD curl -sS -o /dev/null -w '%{http_code}' " .. args .. " 2>&1; echo \" rc=$?\"")
      return out
    end

    it("serves the API with a certificate from the generated CA, for 127.0.0.1 and localhost", function()
      local url = m.tls_url .. "/1.1/" .. KEYS.api_key .. "/campaigns/list"
      local auth = " -H " .. q("X-Authorization: " .. KEYS.rest_key)
      m:clear_log()
      assert.equal("200 rc=0", curl("--cacert " .. q(m.ca_file) .. auth .. " " .. q(url)))
      local localhost = "https://localhost:" .. port_of(m.tls_url) .. "/_mock/health"
      assert.equal("200 rc=0", curl("--cacert " .. q(m.ca_file) .. " " .. q(localhost)))
      assert.matches("rc=60$", curl(auth .. " " .. q(url))) -- not trusted without the CA
      local log = m:log()
      assert.equal(1, #log)
      assert.equal("https", log[1].scheme)
    end)
  end)

  describe("bin/batch-mock", function()
    local dir
    -- each test's pointer file (BATCH_MOCK_HOME) in its own dir, not in the user's default one
    local bin
    before_each(function()
      dir = sh('mktemp -d "${TMPDIR:-/tmp}/batch-mock-spec.XXXXXX"')
      bin = "BATCH_MOCK_HOME=" .. q(dir) .. " " .. q(mock.bin)
    end)
    after_each(function()
      os.execute(bin .. " stop --dir " .. q(dir) .. " >/dev/null 2>&1")
      os.execute("rm -rf " .. q(dir))
    end)

    local function env_of(d)
      local env = {}
      for line in io.lines(d .. "/mock.env") do
        local k, v = line:match("^([%w_]+)=(.*)$")
        env[k] = v
      end
      return env
    end
    local function healthy(url)
      local ok, status = http.request(url .. "/_mock/health")
      return ok ~= nil and status == 200
    end

    it("start --background prints only the URL; stop stops it and may be repeated", function()
      local out = sh(bin .. " start --background --workers 2 --dir " .. q(dir) .. " 2>/dev/null")
      assert.matches("^http://127%.0%.0%.1:%d+$", out)
      local env = env_of(dir)
      assert.equal(out, env.BATCH_BASE_URL)
      assert.equal(KEYS.api_key, env.BATCH_API_KEY)
      assert.equal(KEYS.rest_key, env.BATCH_REST_API_KEY)
      assert.equal(KEYS.project_key, env.BATCH_PROJECT_KEY)
      assert.equal(dir .. "/ca.pem", env.BATCH_MOCK_CA)
      assert.matches("^https://127%.0%.0%.1:%d+$", env.BATCH_MOCK_TLS_URL)
      local pid = tonumber(env.BATCH_MOCK_PID)
      assert.is_true(pid_alive(pid))
      assert.is_true(healthy(out))

      -- two workers share one state: what is created on some connections is seen on all others
      for i = 1, 3 do
        local s = request(out, "POST", "/1.1/" .. KEYS.api_key .. "/campaigns/create",
                          { body = '{"name":"w-' .. i .. '","live":true,"messages":[{"body":"x"}]}' })
        assert.equal(201, s)
      end
      for _ = 1, 20 do
        local s, body = request(out, "GET", "/1.1/" .. KEYS.api_key .. "/campaigns/list?limit=3")
        assert.equal(200, s)
        local page = cjson.decode(body)
        assert.same({ "w-3", "w-2", "w-1" }, { page[1].name, page[2].name, page[3].name })
      end

      assert.is_true(run(bin .. " stop --dir " .. q(dir) .. " 2>/dev/null"))
      assert.is_false(pid_alive(pid))
      assert.is_false(healthy(out))
      assert.is_true(run(bin .. " stop --dir " .. q(dir) .. " 2>/dev/null"))
    end)

    it("runs in the foreground until TERM", function()
      local launcher = sh(bin .. " start --dir " .. q(dir) .. " >" .. q(dir .. "/out") .. " 2>"
                          .. q(dir .. "/err") .. " & echo $!")
      local url
      assert.is_true(wait_until(function()
        local f = io.open(dir .. "/out")
        url = f and f:read("*l")
        if f then f:close() end
        return url ~= nil
      end, 10))
      assert.matches("^http://127%.0%.0%.1:%d+$", url)
      assert.is_true(healthy(url))
      local pid = tonumber(env_of(dir).BATCH_MOCK_PID)
      assert.is_true(pid_alive(pid))
      os.execute("kill -TERM " .. launcher)
      assert.is_true(wait_until(function() return not pid_alive(pid) end, 10))
      assert.is_true(wait_until(function() return not pid_alive(tonumber(launcher)) end, 10))
      assert.is_false(healthy(url))
    end)

    it("stops by itself when its --owner-pid is gone", function()
      local owner = sh("sleep 60 >/dev/null 2>&1 & echo $!")
      local out = sh(bin .. " start --background --owner-pid " .. owner .. " --dir " .. q(dir)
                     .. " 2>/dev/null")
      assert.is_true(healthy(out))
      local pid = tonumber(env_of(dir).BATCH_MOCK_PID)
      os.execute("kill " .. owner)
      assert.is_true(wait_until(function() return not pid_alive(pid) end, 5))
      assert.is_false(healthy(out))
    end)

    it("mock.start / m:stop: the instance is gone and its dir removed; stop_all stops the rest", function()
      local a, b = mock.start(), mock.start()
      assert.is_true(healthy(a.url) and healthy(b.url))
      a:stop()
      a:stop()
      assert.is_false(healthy(a.url))
      assert.is_false(pid_alive(a.pid))
      assert.is_nil(io.open(a.dir .. "/mock.env"))
      mock.stop_all() -- every instance still running, the spec's own included
      assert.is_false(healthy(b.url))
      assert.is_true(m.stopped)
      assert.is_false(healthy(m.url))
      m = mock.start()
    end)
  end)
end)
