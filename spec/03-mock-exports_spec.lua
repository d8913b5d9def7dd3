-- The emulator's export APIs (Export API 1.0, profile exports and the Project Export API 2.x) and its
-- storage route, over plain HTTP (luasocket; curl for the big download).
local mock = require "spec.support.mock"
local socket = require "socket"
local http = require "socket.http"
local ltn12 = require "ltn12"
local cjson = require "cjson"

local KEYS = mock.DOCUMENTED_KEYS
local PUSH_BODY = { from = "2019-08-14T22:00:00", to = "now", events = { "push_sent", "push_open", "push_error" },
                    ids = { "install_id", "custom_id", "advertising_id" } }
local UUID = "^%x%x%x%x%x%x%x%x%-%x%x%x%x%-%x%x%x%x%-%x%x%x%x%-%x%x%x%x%x%x%x%x%x%x%x%x$"
local DATE_1_0 = "^%d%d%d%d%-%d%d%-%d%dT%d%d:%d%d:%d%d$"
local DATE_2 = "^%d%d%d%d%-%d%d%-%d%dT%d%d:%d%d:%d%dZ$"
local ALNUM32 = string.rep("[0-9a-z]", 32)

local function q(s) return "'" .. tostring(s):gsub("'", "'\\''") .. "'" end

local function sh(cmd)
  local p = assert(io.popen(cmd))
  local out = p:read("*a")
  p:close()
  return (out:gsub("%s+$", ""))
end

-- One request (a new connection, redirects not followed). Returns status, raw body, headers.
local function request(method, url, headers, body)
  headers = headers or {}
  if body then
    headers["content-type"] = "application/json"
    headers["content-length"] = tostring(#body)
  end
  local chunks = {}
  local ok, status, resp_headers = http.request{
    url = url, method = method, headers = headers, sink = ltn12.sink.table(chunks),
    source = body and ltn12.source.string(body) or nil, redirect = false,
  }
  assert(ok, status)
  return status, table.concat(chunks), resp_headers
end

local function sleep(s) socket.sleep(s) end
local function sleep_until(t) sleep(math.max(0, t - socket.gettime())) end

-- s as a Lua pattern that matches only itself.
local function esc(s) return (s:gsub("%p", "%%%0")) end

-- VmRSS and VmHWM (kB) of a process.
local function memory(pid)
  local f = assert(io.open("/proc/" .. pid .. "/status"))
  local s = f:read("*a")
  f:close()
  return tonumber(s:match("VmRSS:%s*(%d+)")), tonumber(s:match("VmHWM:%s*(%d+)"))
end

local function iso(t, zone) return os.date("!%Y-%m-%dT%H:%M:%S", t) .. (zone or "") end

-- The file id of part p of a 2.x export, as the emulator derives it: "file_" and the lowercase
-- base32 (0-9a-z without i l o u) of sha1("<export id>/<part>").
local function file_id_of(export_id, part)
  local hex = sh("printf '%s' " .. q(export_id .. "/" .. part) .. " | sha1sum | cut -c1-40")
  local alphabet, out, acc, bits = "0123456789abcdefghjkmnpqrstvwxyz", {}, 0, 0
  for byte in hex:gmatch("%x%x") do
    acc, bits = acc * 256 + tonumber(byte, 16), bits + 8
    while bits >= 5 do
      bits = bits - 5
      local v = math.floor(acc / 2 ^ bits)
      acc = acc - v * 2 ^ bits
      out[#out + 1] = alphabet:sub(v + 1, v + 1)
    end
  end
  return "file_" .. table.concat(out)
end

describe("batch-mock exports", function()
  local m

  setup(function() m = mock.start() end)
  teardown(function() if m then m:stop() end end)
  before_each(function() m:reset() end)

  ------------------------------------------------------------------------------------- helpers
  local function v1(method, path, opts)
    opts = opts or {}
    local headers = {}
    if opts.rest_key ~= false then headers["x-authorization"] = opts.rest_key or KEYS.rest_key end
    local body = opts.body
    if type(body) == "table" then body = cjson.encode(body) end
    return request(method, m.url .. "/1.0/" .. (opts.key or KEYS.api_key) .. path, headers, body)
  end
  local function v1_json(method, path, opts)
    local status, body, headers = v1(method, path, opts)
    return status, cjson.decode(body), headers, body
  end
  local function v2(method, path, opts)
    opts = opts or {}
    local headers = {}
    if opts.bearer ~= false then headers["authorization"] = "Bearer " .. (opts.bearer or KEYS.rest_key) end
    if opts.project ~= false then headers["x-batch-project"] = opts.project or KEYS.project_key end
    local body = opts.body
    if type(body) == "table" then body = cjson.encode(body) end
    return request(method, m.url .. "/" .. (opts.version or "2.4") .. path, headers, body)
  end
  local function v2_json(method, path, opts)
    local status, body, headers = v2(method, path, opts)
    return status, cjson.decode(body), headers, body
  end
  local function assert_v1_error(status, body, want_status, code, pattern)
    assert.equal(want_status, status, body)
    local e = cjson.decode(body)
    assert.equal(code, e.code, body)
    assert.is_string(e.message)
    if pattern then assert.matches(pattern, e.message) end
  end
  local function assert_v2_error(status, body, want_status, name, pattern)
    assert.equal(want_status, status, body)
    local e = cjson.decode(body)
    assert.equal(name, e.error_code, body)
    assert.is_string(e.error_message)
    if pattern then assert.matches(pattern, e.error_message) end
  end
  local function assert_xml_error(status, body, headers, want_status, code, pattern)
    assert.equal(want_status, status, body)
    assert.equal("application/xml", headers["content-type"])
    assert.matches("<Code>" .. code .. "</Code>", body, 1, true)
    if pattern then assert.matches(pattern, body) end
  end

  local function push_token(i, key)
    local status, body = request("GET", m.url .. "/1.1/" .. (key or KEYS.api_key) .. "/campaigns/list?limit=100",
                                 { ["x-authorization"] = KEYS.rest_key })
    assert.equal(200, status)
    return cjson.decode(body)[i or 1].campaign_token
  end
  local function inapp_token()
    local status, body = request("GET", m.url .. "/1.1/" .. KEYS.api_key .. "/in-app-campaigns/list?limit=1",
                                 { ["x-authorization"] = KEYS.rest_key })
    assert.equal(200, status)
    return cjson.decode(body)[1].campaign_token
  end

  -- A 1.0 export made with the current exports config; returns its create answer (decoded).
  local function create_v1(body, what, token)
    local status, info, _, raw = v1_json("POST", "/export/campaign/" .. (token or push_token()) .. "/"
                                         .. (what or "events"), { body = body or PUSH_BODY })
    assert.equal(201, status, raw)
    return info
  end
  local function info_v1(id, opts)
    local status, info, _, raw = v1_json("GET", "/export/request/" .. id, opts)
    assert.equal(200, status, raw)
    return info
  end
  -- The file_url's 302: returns the Location.
  local function location_v1(info)
    local status, body, headers = request("GET", info.file_url, { ["x-authorization"] = KEYS.rest_key })
    assert.equal(302, status, body)
    return headers.location
  end
  local function create_v2(body, version)
    local status, res, _, raw = v2_json("POST", "/profiles/export", { body = body, version = version })
    assert.equal(202, status, raw)
    return res.id
  end
  local function view(id)
    local status, v, _, raw = v2_json("GET", "/exports/view?id=" .. id)
    assert.equal(200, status, raw)
    return v
  end
  local function location_v2(file)
    local status, body, headers = request("GET", file.url, { authorization = "Bearer " .. KEYS.rest_key,
                                                             ["x-batch-project"] = KEYS.project_key })
    assert.equal(307, status, body)
    return headers.location
  end
  local function fetch(url, headers) return request("GET", url, headers) end

  local ATTRS = { identifiers = { "custom_id", "installation_ids" },
                  attributes = { "$email_address", "$region", "first_name" }, export_type = "ATTRIBUTES" }
  local function attr_record(i)
    local regions = { "FR", "US", "DE", "GB" }
    return string.format('{"identifiers":{"custom_id":"user-%010d","installation_ids":'
      .. '["8c4e1d2a-5b1e-4c7d-9a3f-%012d"]},"attributes":{"$email_address":"user-%010d@example.com",'
      .. '"$region":"%s","first_name":"first_name-%010d"}}\n', i, i, i, regions[(i - 1) % 4 + 1], i)
  end
  local function csv_row(i, events)
    return string.format("8c4e1d2a-5b1e-4c7d-9a3f-%012d;user-%010d;AD1D5E6F-0A1B-4C2D-8E3F-%012d", i, i, i)
      .. (events and (";" .. events[(i - 1) % #events + 1]) or "") .. "\n"
  end

  ------------------------------------------------------------------------------------- config
  describe("control", function()
    it("GET/POST /_mock/exports/config: defaults, merge, null, unknown keys and bad values refused", function()
      local status, cfg = m:control("GET", "/_mock/exports/config")
      assert.equal(200, status)
      assert.same({ pending_after = 1, running_after = 2, done_after = 3, outcome = "SUCCESS", rows = 1000,
                    parts = 1, link_ttl = 1200, csv_edge_cases = false, size = cjson.null, error_msg = cjson.null,
                    id_field = "id" },
                  cfg)
      cfg = m:exports_config{ done_after = 0.3, size = 4096, outcome = "ERROR", error_msg = "boom" }
      assert.equal(0.3, cfg.done_after)
      assert.equal(4096, cfg.size)
      assert.equal(1, cfg.pending_after)
      cfg = m:exports_config{ size = mock.null, error_msg = mock.null }
      assert.equal(cjson.null, cfg.size)
      assert.equal(cjson.null, cfg.error_msg)
      for _, bad in ipairs{ { rowz = 1 }, { outcome = "DONE" }, { rows = -1 }, { rows = 1.5 }, { parts = 0 },
                            { parts = 101 }, { link_ttl = "20m" }, { csv_edge_cases = 1 }, { done_after = -1 },
                            { id_field = "request_id" } } do
        local s, body = m:control("POST", "/_mock/exports/config", bad)
        assert.equal(400, s)
        assert.is_string(body.error)
      end
      m:reset()
      assert.equal(3, select(2, m:control("GET", "/_mock/exports/config")).done_after)
    end)
  end)

  ------------------------------------------------------------------------------------- 1.0
  describe("Export API 1.0", function()
    it("creates (201 + info), then CREATED -> PENDING -> SUCCESS with file_url and completion_date", function()
      m:exports_config{ pending_after = 0.5, done_after = 1.2 }
      local token = push_token()
      local t0 = os.time()
      local created = socket.gettime()
      local info = create_v1(nil, "events", token)
      assert.matches(UUID, info.id)
      assert.equal("CREATED", info.status)
      assert.equal("/1.0/" .. KEYS.api_key .. "/campaign/" .. token .. "/events", info.uri)
      assert.matches(DATE_1_0, info.request_date)
      assert.is_true(math.abs(os.time() - t0) <= 2)
      assert.same(PUSH_BODY, info.request)
      assert.is_nil(info.file_url)
      assert.is_nil(info.completion_date)
      assert.is_nil(info.error_msg)
      assert.equal("CREATED", info_v1(info.id).status)
      sleep_until(created + 0.85)
      local pending = info_v1(info.id)
      assert.equal("PENDING", pending.status)
      assert.is_nil(pending.file_url)
      assert.is_nil(pending.completion_date)
      sleep_until(created + 1.5)
      local done = info_v1(info.id)
      assert.equal("SUCCESS", done.status)
      assert.matches(DATE_1_0, done.completion_date)
      assert.is_true(done.completion_date >= done.request_date)
      assert.equal(info.id, done.id)
      assert.same(PUSH_BODY, done.request)
      assert.matches("^" .. esc(m.url .. "/1.0/" .. KEYS.api_key .. "/export/request/" .. info.id .. "/results/")
                     .. "[%w_%-]+%.csv$", done.file_url)
      assert.is_nil(done.error_msg)
    end)

    it("id_field = token: the create answer names the request id token (the client reads either)", function()
      m:exports_config{ id_field = "token" }
      local status, raw = request("POST", m.url .. "/1.0/" .. KEYS.api_key .. "/export/campaign/" .. push_token()
                                  .. "/events", { ["x-authorization"] = KEYS.rest_key }, cjson.encode(PUSH_BODY))
      assert.equal(201, status)
      local answer = cjson.decode(raw)
      assert.is_nil(answer.id)
      assert.matches(UUID, answer.token)
      -- the request is the same: viewed and listed by that id, under "id" as §3.2 shows
      assert.equal(answer.token, info_v1(answer.token).id)
      m:exports_config{ id_field = "id" }
      assert.matches(UUID, create_v1(nil, "events", push_token()).id)
    end)

    it("exports ids (no event_type column) and in-app events under both paths", function()
      m:exports_config{ pending_after = 0, done_after = 0, rows = 3 }
      local info = create_v1({ from = "now", to = "now", events = { "push_open" }, ids = { "custom_id" } }, "ids")
      info = info_v1(info.id)
      local status, body, headers = fetch(location_v1(info))
      assert.equal(200, status)
      assert.equal("text/csv; charset=utf-8", headers["content-type"])
      assert.equal("custom_id\nuser-0000000001\nuser-0000000002\nuser-0000000003\n", body)

      local token = inapp_token()
      local body_in = { from = "now", to = "now", events = { "inapp_display", "inapp_click" }, ids = { "install_id" } }
      for _, prefix in ipairs{ "/export/inapp-campaign/", "/inapp-campaign/" } do
        local s, created, _, raw = v1_json("POST", prefix .. token .. "/events", { body = body_in })
        assert.equal(201, s, raw)
        assert.equal("/1.0/" .. KEYS.api_key .. "/inapp-campaign/" .. token .. "/events", created.uri)
        local _, csv = fetch(location_v1(info_v1(created.id)))
        assert.equal("install_id;event_type\n8c4e1d2a-5b1e-4c7d-9a3f-000000000001;inapp_display\n"
                     .. "8c4e1d2a-5b1e-4c7d-9a3f-000000000002;inapp_click\n"
                     .. "8c4e1d2a-5b1e-4c7d-9a3f-000000000003;inapp_display\n", csv)
      end
      -- a push campaign token is not an in-app one
      local s, raw = v1("POST", "/export/inapp-campaign/" .. push_token() .. "/events", { body = body_in })
      assert_v1_error(s, raw, 404, 20, "not found")
    end)

    it("lists the app's requests newest first; other apps do not see them; DEV keys list but not view", function()
      local a = create_v1()
      local b = create_v1(nil, "ids")
      local status, list = v1_json("GET", "/export/requests")
      assert.equal(200, status)
      assert.equal(2, #list)
      assert.equal(b.id, list[1].id)
      assert.equal(a.id, list[2].id)
      assert.equal("CREATED", list[1].status)
      status, list = v1_json("GET", "/export/requests", { key = KEYS.dev_api_key })
      assert.equal(200, status)
      assert.equal(2, #list)
      local s, raw = v1("GET", "/export/requests", { key = KEYS.other_api_key })
      assert.equal(200, s)
      assert.equal("[]", raw)
      s, raw = v1("GET", "/export/request/" .. a.id, { key = KEYS.other_api_key })
      assert_v1_error(s, raw, 404, 20, "not found")
      s, raw = v1("GET", "/export/request/" .. a.id, { key = KEYS.dev_api_key })
      assert_v1_error(s, raw, 403, 12, "Only LIVE API Keys")
      -- a DEV key may create
      s, raw = v1("POST", "/export/campaign/" .. push_token() .. "/events", { key = KEYS.dev_api_key,
                                                                               body = PUSH_BODY })
      assert.equal(201, s, raw)
      s, raw = v1("GET", "/export/request/00000000-0000-4000-8000-000000000000")
      assert_v1_error(s, raw, 404, 20, "not found")
    end)

    it("302 to a signed storage link, served without credentials only", function()
      m:exports_config{ pending_after = 0, done_after = 0.5, rows = 5 }
      local created = socket.gettime()
      local info = create_v1()
      local s, raw = v1("GET", "/export/request/" .. info.id .. "/results/x.csv")
      assert_v1_error(s, raw, 404, 20) -- not SUCCESS yet
      sleep_until(created + 0.6)
      info = info_v1(info.id)
      local name = info.file_url:match("/results/(.+)$")
      s, raw = v1("GET", "/export/request/" .. info.id .. "/results/" .. name, { rest_key = false })
      assert_v1_error(s, raw, 401, 10)
      s, raw = v1("GET", "/export/request/" .. info.id .. "/results/other.csv")
      assert_v1_error(s, raw, 404, 20)

      local loc = location_v1(info)
      assert.matches("^" .. esc(m.url) .. "/_storage/v1/[^?]+%?expires=%d+&signature=%x+$", loc)
      local expires = tonumber(loc:match("expires=(%d+)"))
      assert.is_true(math.abs(expires - (os.time() + 1200)) <= 2)

      local status, body, headers = fetch(loc)
      assert.equal(200, status)
      local want = "install_id;custom_id;advertising_id;event_type\n"
      for i = 1, 5 do want = want .. csv_row(i, PUSH_BODY.events) end
      assert.equal(want, body)
      assert.equal(tostring(#want), headers["content-length"])

      for _, h in ipairs{ { ["x-authorization"] = KEYS.rest_key }, { authorization = "Bearer " .. KEYS.rest_key },
                          { ["x-batch-project"] = KEYS.project_key } } do
        status, body, headers = fetch(loc, h)
        assert_xml_error(status, body, headers, 400, "InvalidArgument")
      end
      status, body, headers = fetch((loc:gsub("signature=(%x)", function(c)
        return "signature=" .. (c == "0" and "1" or "0")
      end)))
      assert_xml_error(status, body, headers, 403, "SignatureDoesNotMatch")
      status, body, headers = fetch((loc:gsub("expires=%d+", "expires=" .. (expires + 3600))))
      assert_xml_error(status, body, headers, 403, "SignatureDoesNotMatch")
      status, body, headers = fetch((loc:gsub("%?.*$", "")))
      assert_xml_error(status, body, headers, 403, "AccessDenied")
      status, body, headers = request("HEAD", loc)
      assert.equal(200, status)
      assert.equal("", body)
      assert.equal(tostring(#want), headers["content-length"])
      status, body, headers = request("PUT", loc, nil, "x")
      assert_xml_error(status, body, headers, 405, "MethodNotAllowed")

      -- the request log shows what reached the storage route
      m:clear_log()
      fetch(loc)
      local log = m:log()
      assert.equal(1, #log)
      assert.matches("^/_storage/v1/", log[1].path)
      assert.is_nil(log[1].headers["x-authorization"])
    end)

    it("links expire after link_ttl, or all at once with /_mock/exports/expire_links", function()
      m:exports_config{ pending_after = 0, done_after = 0, rows = 2, link_ttl = 1 }
      local info = info_v1(create_v1().id)
      local loc = location_v1(info)
      assert.equal(200, (fetch(loc)))
      sleep(tonumber(loc:match("expires=(%d+)")) - socket.gettime() + 0.05)
      local status, body, headers = fetch(loc)
      assert_xml_error(status, body, headers, 403, "AccessDenied", "Request has expired")
      -- a new link from the API works again
      assert.equal(200, (fetch(location_v1(info))))

      m:exports_config{ link_ttl = 1200 }
      info = info_v1(create_v1().id)
      loc = location_v1(info)
      assert.equal(200, (fetch(loc)))
      m:expire_links()
      status, body, headers = fetch(loc)
      assert_xml_error(status, body, headers, 403, "AccessDenied", "Request has expired")
      assert.equal(200, (fetch(location_v1(info))))
    end)

    it("ERROR and EXPIRED outcomes", function()
      m:exports_config{ pending_after = 0, done_after = 0, outcome = "ERROR", error_msg = "Disk on fire" }
      local info = info_v1(create_v1().id)
      assert.equal("ERROR", info.status)
      assert.equal("Disk on fire", info.error_msg)
      assert.matches(DATE_1_0, info.completion_date)
      assert.is_nil(info.file_url)
      local s, raw = v1("GET", "/export/request/" .. info.id .. "/results/x.csv")
      assert_v1_error(s, raw, 404, 20)

      m:exports_config{ error_msg = mock.null }
      info = info_v1(create_v1().id)
      assert.equal("ERROR", info.status)
      assert.is_string(info.error_msg)

      m:exports_config{ outcome = "EXPIRED" }
      info = info_v1(create_v1().id)
      assert.equal("EXPIRED", info.status)
      assert.is_nil(info.file_url)
      assert.is_nil(info.error_msg)
      assert.matches(DATE_1_0, info.completion_date)
    end)

    it("validates the body: 400/30 missing, 400/31 malformed, 400/32 bad JSON; 404/20 unknown token", function()
      local path = "/export/campaign/" .. push_token() .. "/events"
      for _, f in ipairs{ "from", "to", "events", "ids" } do
        local body = {}
        for k, v in pairs(PUSH_BODY) do if k ~= f then body[k] = v end end
        local s, raw = v1("POST", path, { body = body })
        assert_v1_error(s, raw, 400, 30, f)
      end
      local bad = {
        from = { "yesterday", "2019-08-14", "2019-08-14 22:00:00", "2019-13-01T00:00:00", 12 },
        to = { "2019-08-14T22:00:00Z", false },
        events = { {}, { "push_click" }, "push_sent", { 1 }, { push = "sent" } },
        ids = { {}, { "" }, "install_id", { "a;b" } },
      }
      for f, values in pairs(bad) do
        for _, v in ipairs(values) do
          local body = {}
          for k, x in pairs(PUSH_BODY) do body[k] = x end
          body[f] = v
          local raw = cjson.encode(body):gsub('"' .. f .. '":{}', '"' .. f .. '":[]')
          local s, resp = v1("POST", path, { body = raw })
          assert_v1_error(s, resp, 400, 31, f)
        end
      end
      for _, raw in ipairs{ "", "{", "[1]", '"x"' } do
        local s, resp = v1("POST", path, { body = raw })
        assert_v1_error(s, resp, 400, 32)
      end
      local s, resp = v1("POST", "/export/campaign/ffffffffffffffffffffffffffffffff/events", { body = PUSH_BODY })
      assert_v1_error(s, resp, 404, 20, "not found")
      s, resp = v1("POST", path, { rest_key = "wrong", body = PUSH_BODY })
      assert_v1_error(s, resp, 401, 10)
      s, resp = v1("GET", path)
      assert_v1_error(s, resp, 404, 20, "Route not found")
      s, resp = v1("POST", "/export/campaign/" .. push_token() .. "/users", { body = PUSH_BODY })
      assert_v1_error(s, resp, 404, 20, "Route not found")
    end)

    it("csv_edge_cases: BOM, CRLF, then rows with ; \"\" and newlines in quoted fields", function()
      m:exports_config{ pending_after = 0, done_after = 0, rows = 5, csv_edge_cases = true }
      local info = info_v1(create_v1{ from = "now", to = "now", events = { "push_sent", "push_open" },
                                      ids = { "custom_id", "install_id" } }.id)
      local status, body = fetch(location_v1(info))
      assert.equal(200, status)
      assert.equal("\239\187\191custom_id;install_id;event_type\r\n"
        .. '"semi;colon;value";8c4e1d2a-5b1e-4c7d-9a3f-000000000001;push_sent\r\n'
        .. '"say ""hello""";8c4e1d2a-5b1e-4c7d-9a3f-000000000002;push_open\r\n'
        .. '"line one\nline two\r\nline three";8c4e1d2a-5b1e-4c7d-9a3f-000000000003;push_sent\r\n'
        .. "user-0000000004;8c4e1d2a-5b1e-4c7d-9a3f-000000000004;push_open\r\n"
        .. "user-0000000005;8c4e1d2a-5b1e-4c7d-9a3f-000000000005;push_sent\r\n", body)
    end)

    it("size: the most rows that fit, with an exact Content-Length", function()
      m:exports_config{ pending_after = 0, done_after = 0, size = 10000 }
      local info = info_v1(create_v1().id)
      local status, body, headers = fetch(location_v1(info))
      assert.equal(200, status)
      assert.equal(tostring(#body), headers["content-length"])
      assert.is_true(#body <= 10000 and #body > 10000 - 120, #body)
      local rows = select(2, body:gsub("\n", "")) - 1
      assert.equal(csv_row(rows, PUSH_BODY.events), body:sub(-#csv_row(rows, PUSH_BODY.events)))
    end)
  end)

  ------------------------------------------------------------------------------------- 2.x
  describe("2.x profile exports", function()
    it("creates (202 export_<32>) under any 2.N; CREATED -> PENDING -> RUNNING -> SUCCESS", function()
      m:exports_config{ pending_after = 0.5, running_after = 1.0, done_after = 1.5, rows = 4 }
      local created = socket.gettime()
      local id = create_v2(ATTRS)
      assert.matches("^export_" .. ALNUM32 .. "$", id)
      local v = view(id)
      assert.same({ id = id, scope = "PROFILE_ATTRIBUTES", status = "CREATED", request = ATTRS,
                    request_date = v.request_date }, v)
      assert.matches(DATE_2, v.request_date)
      sleep_until(created + 0.75)
      v = view(id)
      assert.equal("PENDING", v.status)
      assert.is_nil(v.start_date)
      sleep_until(created + 1.25)
      v = view(id)
      assert.equal("RUNNING", v.status)
      assert.matches(DATE_2, v.start_date)
      assert.is_nil(v.completion_date)
      assert.is_nil(v.files)
      sleep_until(created + 1.6)
      v = view(id)
      assert.equal("SUCCESS", v.status)
      assert.matches(DATE_2, v.completion_date)
      assert.equal(1, #v.files)
      local f = v.files[1]
      assert.matches("^file_" .. ALNUM32 .. "$", f.id)
      assert.equal(1, f.part)
      assert.equal(m.url .. "/2.4/exports/download?id=" .. f.id, f.url)
      local want = attr_record(1) .. attr_record(2) .. attr_record(3) .. attr_record(4)
      assert.equal(#want, f.size)
      local status, body, headers = fetch(location_v2(f))
      assert.equal(200, status)
      assert.equal("application/x-ndjson", headers["content-type"])
      assert.equal(want, body)

      for _, version in ipairs{ "2.2", "2.8", "2.13" } do
        local s, res = v2_json("POST", "/profiles/export", { version = version, body = ATTRS })
        assert.equal(202, s)
        local seen
        s, seen = v2_json("GET", "/exports/view?id=" .. res.id, { version = version })
        assert.equal(200, s)
        assert.equal(res.id, seen.id)
      end
    end)

    it("splits rows over several parts, each downloaded through its own 307", function()
      m:exports_config{ pending_after = 0, running_after = 0, done_after = 0, rows = 10, parts = 3 }
      local v = view(create_v2(ATTRS))
      assert.equal(3, #v.files)
      local all, seen = "", {}
      for p, f in ipairs(v.files) do
        assert.equal(p, f.part)
        assert.is_nil(seen[f.id])
        seen[f.id] = true
        local loc = location_v2(f)
        assert.matches("^" .. esc(m.url) .. "/_storage/v1/[^?]+%?expires=%d+&signature=%x+$", loc)
        local status, body, headers = fetch(loc)
        assert.equal(200, status)
        assert.equal(string.format("%d", f.size), headers["content-length"])
        assert.equal(f.size, #body)
        local n = select(2, body:gsub("\n", ""))
        assert.equal(p == 1 and 4 or 3, n)
        all = all .. body
        status, body, headers = fetch(loc, { authorization = "Bearer " .. KEYS.rest_key })
        assert_xml_error(status, body, headers, 400, "InvalidArgument")
      end
      local want = ""
      for i = 1, 10 do want = want .. attr_record(i) end
      assert.equal(want, all)
    end)

    it("event exports: scopes, lookback checks, one event object and the identifiers per line", function()
      m:exports_config{ pending_after = 0, running_after = 0, done_after = 0, rows = 5 }
      local now = os.time()
      local from = iso(now - 10 * 86400, "Z")
      local id = create_v2{ export_type = "EVENTS", from = from, events = { "purchase", "add_to_cart" },
                            identifiers = { "custom_id" } }
      local v = view(id)
      assert.equal("PROFILE_EVENTS", v.scope)
      local _, body = fetch(location_v2(v.files[1]))
      local i = 0
      for line in body:gmatch("[^\n]+") do
        i = i + 1
        local r = cjson.decode(line)
        assert.same({ custom_id = string.format("user-%010d", i) }, r.identifiers)
        assert.equal(i % 2 == 1 and "purchase" or "add_to_cart", r.event.name)
        assert.equal(iso(now - 10 * 86400 + i - 1, "Z"), r.event.timestamp)
        assert.matches("^" .. string.rep("%x", 32) .. "$", r.event.id)
        assert.same({}, r.event.attributes)
      end
      assert.equal(5, i)

      -- reachability records as Batch's "Export profile data" page describes them: an event object
      -- (channel, id, timestamp, reasons, the channel's state) and an identifiers object
      m:exports_config{ rows = 7 }
      v = view(create_v2{ export_type = "REACHABILITY_EVENTS", from = iso(now - 86400, "Z") })
      assert.equal("PROFILE_REACHABILITY_EVENTS", v.scope)
      local f = v.files[1]
      _, body = fetch(location_v2(f))
      assert.equal(f.size, #body)
      local records, ids_seen = {}, {}
      for line in body:gmatch("[^\n]+") do records[#records + 1] = cjson.decode(line) end
      assert.equal(7, #records)
      for n, r in ipairs(records) do
        local e, who = r.event, r.identifiers
        assert.same({ "event", "identifiers" }, (function()
          local keys = {}
          for k in pairs(r) do keys[#keys + 1] = k end
          table.sort(keys)
          return keys
        end)())
        assert.is_truthy(({ PUSH = true, EMAIL = true, SMS = true })[e.channel], e.channel)
        assert.matches("^" .. string.rep("%x", 32) .. "$", e.id)
        assert.is_nil(ids_seen[e.id])
        ids_seen[e.id] = true
        assert.equal(iso(now - 86400 + n - 1, "Z"), e.timestamp)
        assert.is_true(#e.reasons >= 1)
        assert.matches("^profile_", who.profile_id)
        assert.equal(string.format("user-%010d", n), who.custom_id)
        if e.channel == "PUSH" then
          assert.is_boolean(e.is_optin)
          assert.is_string(e.platform)
          assert.equal(string.format("8c4e1d2a-5b1e-4c7d-9a3f-%012d", n), who.installation_id)
        else
          assert.is_nil(who.installation_id) -- "Only available on PUSH channels"
          assert.is_nil(e.platform)
        end
        if e.channel == "EMAIL" then assert.is_string(e.email_marketing) end
        if e.channel == "SMS" then assert.is_string(e.sms_marketing) end
      end
      assert.same({ "SUBSCRIBED_TO_PUSH", "PUSH_TOKEN_ADDED" }, records[1].event.reasons)
      assert.same({ "PUSH", "EMAIL", "SMS", "PUSH", "EMAIL", "SMS", "PUSH" },
                  (function()
                    local c = {}
                    for k, r in ipairs(records) do c[k] = r.event.channel end
                    return c
                  end)())
      local s, raw = v2("POST", "/profiles/export", { body = { export_type = "EVENTS",
                                                               from = iso(now - 91 * 86400, "Z") } })
      assert_v2_error(s, raw, 400, "MALFORMED_PARAMETER", "90 days")
      s, raw = v2("POST", "/profiles/export", { body = { export_type = "REACHABILITY_EVENTS",
                                                         from = "2024-10-01T00:00:00Z" } })
      assert_v2_error(s, raw, 400, "MALFORMED_PARAMETER", "2024%-10%-10")
      s, raw = v2("POST", "/profiles/export", { body = { export_type = "EVENTS", from = "last week" } })
      assert_v2_error(s, raw, 400, "MALFORMED_PARAMETER", "from")
      s, raw = v2("POST", "/profiles/export", { body = { export_type = "EVENTS", from = from,
                                                         to = iso(now - 20 * 86400, "Z") } })
      assert_v2_error(s, raw, 400, "MALFORMED_PARAMETER", "to")
    end)

    it("validates the create body with 2.x error bodies", function()
      local cases = {
        { "{", "MALFORMED_JSON_BODY" },
        { "[]", "MALFORMED_JSON_BODY" },
        { "{}", "MISSING_PARAMETER", "export_type" },
        { '{"export_type":"USERS"}', "MALFORMED_PARAMETER", "export_type" },
        { '{"export_type":"ATTRIBUTES"}', "MISSING_PARAMETER", "attributes" },
        { '{"export_type":"ATTRIBUTES","attributes":[]}', "MALFORMED_PARAMETER", "attributes" },
        { '{"export_type":"ATTRIBUTES","attributes":[1]}', "MALFORMED_PARAMETER", "attributes" },
        { '{"export_type":"ATTRIBUTES","identifiers":"custom_id"}', "MALFORMED_PARAMETER", "identifiers" },
        { '{"export_type":"ATTRIBUTES","identifiers":["custom_id"],"filter":[]}', "MALFORMED_PARAMETER", "filter" },
      }
      for _, c in ipairs(cases) do
        local s, raw = v2("POST", "/profiles/export", { body = c[1] })
        assert_v2_error(s, raw, 400, c[2], c[3])
      end
      local ok = '{"export_type":"ATTRIBUTES","identifiers":["custom_id"]}'
      assert.equal(202, (v2("POST", "/profiles/export", { body = ok })))
    end)

    it("authenticates with Bearer and X-Batch-Project; unknown routes are 404 in the 2.x shape", function()
      local s, raw = v2("POST", "/profiles/export", { bearer = false, body = ATTRS })
      assert_v2_error(s, raw, 401, "AUTHENTICATION_INVALID")
      s, raw = v2("GET", "/exports/list", { bearer = "wrong" })
      assert_v2_error(s, raw, 401, "AUTHENTICATION_INVALID")
      s, raw = v2("GET", "/exports/list", { project = false })
      assert_v2_error(s, raw, 400, "MISSING_PARAMETER", "X%-Batch%-Project")
      s, raw = v2("GET", "/exports/list", { project = "project_unknown" })
      assert_v2_error(s, raw, 401, "AUTHENTICATION_INVALID")
      s, raw = request("GET", m.url .. "/2.4/exports/list", { ["x-authorization"] = KEYS.rest_key })
      assert_v2_error(s, raw, 401, "AUTHENTICATION_INVALID")
      s, raw = v2("GET", "/exports/nothing")
      assert_v2_error(s, raw, 404, "ROUTE_NOT_FOUND")
      s, raw = v2("GET", "/profiles/export")
      assert_v2_error(s, raw, 404, "ROUTE_NOT_FOUND")
      s, raw = request("GET", m.url .. "/2.x/exports/list")
      assert_v2_error(s, raw, 404, "ROUTE_NOT_FOUND")
    end)

    it("view and download errors: missing id 400, unknown 404, not SUCCESS 400", function()
      local s, raw = v2("GET", "/exports/view")
      assert_v2_error(s, raw, 400, "MISSING_PARAMETER", "id")
      s, raw = v2("GET", "/exports/view?id=export_nope")
      assert_v2_error(s, raw, 404, "ROUTE_NOT_FOUND")
      s, raw = v2("GET", "/exports/download")
      assert_v2_error(s, raw, 400, "MISSING_PARAMETER", "id")
      s, raw = v2("GET", "/exports/download?id=file_" .. string.rep("0", 32))
      assert_v2_error(s, raw, 404, "ROUTE_NOT_FOUND")

      m:exports_config{ pending_after = 0, running_after = 0, done_after = 0.8, parts = 2 }
      local created = socket.gettime()
      local id = create_v2(ATTRS)
      assert.equal("RUNNING", view(id).status)
      -- file ids are not shown before SUCCESS, but they are derived from the export (mock/README.md)
      local file2 = file_id_of(id, 2)
      s, raw = v2("GET", "/exports/download?id=" .. file2)
      assert_v2_error(s, raw, 400, "MALFORMED_PARAMETER", "RUNNING")
      sleep_until(created + 0.9)
      local v = view(id)
      assert.equal("SUCCESS", v.status)
      assert.equal(file2, v.files[2].id)
      assert.equal(file_id_of(id, 1), v.files[1].id)
      assert.equal(307, (v2("GET", "/exports/download?id=" .. file2)))
    end)

    it("ERROR outcome (and EXPIRED, which 2.x does not have) end in ERROR with error_message, no files", function()
      m:exports_config{ pending_after = 0, running_after = 0, done_after = 0, outcome = "ERROR",
                        error_msg = "Segment not found" }
      local v = view(create_v2(ATTRS))
      assert.equal("ERROR", v.status)
      assert.equal("Segment not found", v.error_message)
      assert.matches(DATE_2, v.completion_date)
      assert.is_nil(v.files)
      m:exports_config{ outcome = "EXPIRED" }
      v = view(create_v2(ATTRS))
      assert.equal("ERROR", v.status)
    end)

    it("lists newest first with an opaque cursor, limit 1..100 (default 10)", function()
      m:exports_config{ pending_after = 0, running_after = 0, done_after = 0, rows = 1 }
      local ids = {}
      for i = 1, 12 do ids[13 - i] = create_v2(ATTRS) end -- ids[1] is the newest
      local status, page = v2_json("GET", "/exports/list")
      assert.equal(200, status)
      assert.equal(10, #page.exports)
      assert.equal(10, page.count)
      assert.is_true(page.has_more)
      assert.equal(ids[1], page.exports[1].id)
      assert.equal("SUCCESS", page.exports[1].status)
      assert.equal(1, #page.exports[1].files)

      local got, cursor, pages = {}, nil, 0
      repeat
        status, page = v2_json("GET", "/exports/list?limit=5" .. (cursor and ("&from=" .. cursor) or ""))
        assert.equal(200, status)
        pages = pages + 1
        for _, e in ipairs(page.exports) do got[#got + 1] = e.id end
        assert.equal(#page.exports, page.count)
        if page.has_more then
          assert.is_string(page.next_from)
          assert.is_nil(page.next_from:find("export_", 1, true)) -- opaque
        else
          assert.is_nil(page.next_from)
        end
        cursor = page.has_more and page.next_from:gsub("[+/=]", function(c)
          return string.format("%%%02X", c:byte()) end)
      until not page.has_more
      assert.equal(3, pages)
      assert.same(ids, got)

      for _, query in ipairs{ "limit=0", "limit=101", "limit=ten", "from=garbage", "from=ZXhwb3J0X25vbmU=" } do
        local s, raw = v2("GET", "/exports/list?" .. query)
        assert_v2_error(s, raw, 400, "MALFORMED_PARAMETER", query:match("^%a+"))
      end
      status, page = v2_json("GET", "/exports/list?limit=100")
      assert.equal(200, status)
      assert.equal(12, #page.exports)
      assert.is_false(page.has_more)
      m:reset()
      local _, raw = v2("GET", "/exports/list")
      assert.equal('{"count":0,"exports":[],"has_more":false}', raw)
    end)
  end)

  ------------------------------------------------------------------------------------- storage
  describe("storage", function()
    local function v1_link(cfg)
      cfg.pending_after, cfg.done_after = 0, 0
      m:exports_config(cfg)
      local info = info_v1(create_v1().id)
      return location_v1(info), info
    end

    it("faults apply to /_storage/ paths: status, drop, truncate", function()
      local loc = v1_link{ rows = 2000 }
      local _, full = fetch(loc)
      m:fault{ path = "/_storage/", status = 410 }
      local status, body, headers = fetch(loc)
      assert_xml_error(status, body, headers, 410, "Gone")
      m:fault{ path = "/_storage/", action = "drop" }
      local ok, err = pcall(fetch, loc)
      assert.is_false(ok)
      assert.matches("closed", tostring(err))
      m:fault{ path = "/_storage/", action = "truncate" }
      local out = sh("curl -s -o /dev/null -w '%{http_code} %{size_download}' " .. q(loc) .. "; echo \" rc=$?\"")
      local code, got, rc = out:match("^(%d+) (%d+) rc=(%d+)$")
      assert.equal("200", code)
      assert.equal(math.floor(#full / 2), tonumber(got))
      assert.equal("18", rc) -- curl: partial file
      m:fault{ path = "/_storage/", delay = 0.3 }
      local t0 = socket.gettime()
      status, body = fetch(loc)
      assert.equal(200, status)
      assert.equal(full, body)
      assert.is_true(socket.gettime() - t0 >= 0.3)
    end)

    it("serves 200 MB with the exact Content-Length while the worker's memory stays flat", function()
      local size = 200 * 1024 * 1024
      local loc = v1_link{ size = size }
      local worker = m:worker_pids()[1]
      assert.is_number(worker)
      local rss0, hwm0 = memory(worker)
      local head = sh("curl -sI " .. q(loc))
      local length = tonumber(head:match("[Cc]ontent%-[Ll]ength: (%d+)"))
      assert.is_true(length <= size and length > size - 200, tostring(length))
      local t0 = socket.gettime()
      local out = sh("curl -s -o /dev/null -w '%{http_code} %{size_download}' " .. q(loc))
      local elapsed = socket.gettime() - t0
      assert.equal("200 " .. length, out)
      local rss1, hwm1 = memory(worker)
      print(string.format("\n  200 MB download: %.2f s (%.0f MB/s); worker %d VmRSS %d -> %d kB, VmHWM %d -> %d kB",
                          elapsed, length / 1048576 / elapsed, worker, rss0, rss1, hwm0, hwm1))
      assert.is_true(hwm1 - hwm0 < 32 * 1024, "worker peak memory grew by " .. (hwm1 - hwm0) .. " kB")
      assert.is_true(rss1 - rss0 < 32 * 1024, "worker memory grew by " .. (rss1 - rss0) .. " kB")
      -- the end of the file is what the row formula says
      local p = assert(io.popen("curl -s " .. q(loc) .. " | tail -c 300"))
      local tail = p:read("*a")
      p:close()
      local last = tonumber(tail:match("user%-(%d+);[^\n]*\n$"))
      assert.equal(csv_row(last, PUSH_BODY.events), tail:sub(-#csv_row(last, PUSH_BODY.events)))
    end)
  end)
end)
