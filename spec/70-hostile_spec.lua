-- Hostile input, one case per line: bad arguments (nothing is sent), bad keys and options (batch.new
-- raises without echoing the key), and servers that lie: broken JSON and framing, huge lengths and
-- headers, redirect games, drip-feeds. Every server case ends in a named error (or, for a link to
-- another host, in a download made without any credential) and leaves no file behind.
-- The emulator's faults play the API; spec/support/raw_server.lua plays what it cannot.
local batch = require "batch"
local mock = require "spec.support.mock"
local raw_server = require "spec.support.raw_server"
local file_util = require "spec.support.files"
local exists = file_util.exists

local rep = string.rep

-- Tokens (campaign tokens and export ids) that must give INVALID_ARGUMENT and send nothing.
local BAD_TOKENS = {
  { "a slash", "a/b" },
  { "dot-dot", ".." },
  { "a path climbing up", "../../../etc/passwd" },
  { "an encoded slash", "a%2Fb" },
  { "an encoded dot-dot", "%2E%2E" },
  { "CR/LF (header injection)", "abc\r\nX-Evil: 1" },
  { "a bare LF", "abc\ndef" },
  { "a NUL byte", "abc\0def" },
  { "10 KB", rep("a", 10 * 1024) },
  { "the empty string", "" },
  { "a space", "a b" },
  { "a query", "abc?x=1" },
  { "a fragment", "abc#x" },
  { "a route word", "list" },
  { "non-ASCII", "caf\195\169" },
}

-- batch.new options that must raise; the message must not echo a key.
local BAD_KEYS = {
  { "api_key with CR/LF", { api_key = "5E8A7C1D3F2B\r\nX-Evil: 1" } },
  { "api_key with a slash", { api_key = "5E8A7C1D/../3F2B" } },
  { "api_key with a space", { api_key = "5E8A7C1D 3F2B" } },
  { "api_key with %", { api_key = "5E8A7C1D%2F3F2B" } },
  { "api_key with ?", { api_key = "5E8A7C1D?3F2B" } },
  { "rest_key with a LF", { rest_key = "b2a5f8c91d3e\nX-Evil: 1" } },
  { "rest_key with a NUL", { rest_key = "b2a5f8c91d3e\0tail" } },
  { "rest_key of 10 KB with a CR", { rest_key = rep("k", 10240) .. "\r" } },
  { "project_key with CR/LF", { project_key = "project_0664hx\r\nHost: evil" } },
  { "project_key with a tab", { project_key = "project_0664hx\tx" } },
  { "an empty api_key", { api_key = "" } },
}

local BAD_OPTIONS = {
  { "timeout as a string", { timeout = "30" } },
  { "timeout negative", { timeout = -1 } },
  { "timeout NaN", { timeout = 0 / 0 } },
  { "timeout infinite", { timeout = math.huge } },
  { "connect_timeout as a table", { connect_timeout = {} } },
  { "max_retries as a string", { max_retries = "3" } },
  { "max_retries fractional", { max_retries = 1.5 } },
  { "max_retries negative", { max_retries = -1 } },
  { "verify_tls as a string", { verify_tls = "no" } },
  { "on_event not a function", { on_event = true } },
  { "transport a number", { transport = 42 } },
  { "transport unknown", { transport = "carrier-pigeon" } },
  { "base_url file://", { base_url = "file:///etc/passwd" } },
  { "base_url ftp://", { base_url = "ftp://api.batch.com" } },
  { "base_url without a host", { base_url = "https://" } },
  { "api_version not 2.x", { api_version = "3.0" } },
  { "app_info with CR/LF", { app_info = "app/1\r\nX-Evil: 1" } },
  { "an unknown option", { api_keys = "x" } },
  { "max_body as a string", { max_body = "1mb" } },
  { "options not a table", "api_key" },
}

-- Method arguments of the wrong type: programmer errors, they raise.
local BAD_CALLS = {
  { "get(number)", function(c) return c.campaigns:get(42) end },
  { "get(token, options string)", function(c) return c.campaigns:get("abc", "fast") end },
  { "list{limit = string}", function(c) return c.campaigns:list{ limit = "10" } end },
  { "list{unknown}", function(c) return c.campaigns:list{ offset = 1 } end },
  { "list{live = string}", function(c) return c.campaigns:list{ live = "yes" } end },
  { "create(string)", function(c) return c.campaigns:create("{}") end },
  { "update(token, nil)", function(c) return c.campaigns:update("abc") end },
  { "each{page_size = string}", function(c) return c.campaigns:each{ page_size = "10" } end },
  { "exports:create{} without campaign", function(c) return c.exports:create{ kind = "events" } end },
  { "exports:create{unknown}", function(c) return c.exports:create{ campaign = "abc", kind = "events", x = 1 } end },
  { "exports:get(table without id)", function(c) return c.exports:get({}) end },
  { "exports:download(id, path number)", function(c) return c.exports:download("abc", 42) end },
  { "exports:download(id, path, {unknown})", function(c) return c.exports:download("abc", "/tmp/x", { sink = 1 }) end },
  { "exports:wait(id, {interval = string})", function(c) return c.exports:wait("abc", { interval = "1" }) end },
  { "exports:wait(id, {timeout = -1})", function(c) return c.exports:wait("abc", { timeout = -1 }) end },
  { "project_exports:download(id, dir table)", function(c) return c.project_exports:download("abc", {}) end },
  { "profiles:export(string)", function(c) return c.profiles:export("ATTRIBUTES") end },
  { "for_app(number)", function(c) return c:for_app(42) end },
  { "for_app(key with LF)", function(c) return c:for_app("key\nX: 1") end },
}

describe("hostile input", function()
  local m, raw, keys, dir, token, path
  setup(function()
    m = mock.start()
    raw = raw_server.start()
    keys = m.keys
    dir = file_util.tmpdir()
    path = dir .. "/out.csv"
  end)
  teardown(function()
    raw:stop()
    m:stop()
    file_util.remove_tree(dir)
  end)
  before_each(function()
    m:reset()
    raw:clear()
    if not token then
      local c = batch.new{ api_key = keys.api_key, rest_key = keys.rest_key, base_url = m.url }
      token = assert(c.campaigns:list{ limit = 1 })[1].campaign_token
      c:close()
    end
    m:clear_log()
  end)

  -- A client of the emulator (or of another base URL), failing fast: no retries, no real sleeps.
  local function api(extra)
    local o = { api_key = keys.api_key, rest_key = keys.rest_key, project_key = keys.project_key,
                base_url = m.url, max_retries = 0, timeout = 2, sleep = function() end }
    for k, v in pairs(extra or {}) do o[k] = v end
    return batch.new(o)
  end
  local function rawapi(extra)
    local o = { base_url = raw.url }
    for k, v in pairs(extra or {}) do o[k] = v end
    return api(o)
  end
  local function info1()
    return { id = "x", file_url = m.url .. "/1.0/" .. keys.api_key .. "/export/request/x/results/a.csv" }
  end
  -- Downloads an export whose signed link (the 302 of the results route) is `loc` (nil: no Location).
  local function dl(loc, extra)
    m:fault{ path = "/results/", status = 302, headers = loc and { Location = loc } or nil }
    return api(extra).exports:download(info1(), path)
  end
  local function raw_paths()
    local out = {}
    for _, r in ipairs(raw:requests()) do out[#out + 1] = r.path end
    return table.concat(out, " ")
  end

  describe("tokens and ids", function()
    for _, case in ipairs(BAD_TOKENS) do
      local label, bad = case[1], case[2]
      it("a token with " .. label .. ": INVALID_ARGUMENT on every method, nothing sent", function()
        local c = api()
        local calls = {
          function() return c.campaigns:get(bad) end,
          function() return c.campaigns:stats(bad) end,
          function() return c.campaigns:update(bad, { name = "x" }) end,
          function() return c.campaigns:delete(bad) end,
          function() return c.inapp_campaigns:get(bad) end,
          function() return c.exports:create{ campaign = bad, kind = "events", from = "now", to = "now",
                                              events = { "push_sent" }, ids = { "install_id" } } end,
        }
        if label ~= "a route word" then  -- "list" is a valid export id
          calls[#calls + 1] = function() return c.exports:get(bad) end
          calls[#calls + 1] = function() return c.exports:download(bad, path) end
          calls[#calls + 1] = function() return c.project_exports:get(bad) end
          calls[#calls + 1] = function() return c.project_exports:download(bad, dir) end
        end
        for i, f in ipairs(calls) do
          local res, err = f()
          assert.is_nil(res, "call " .. i)
          assert.equal("INVALID_ARGUMENT", err.name, "call " .. i .. ": " .. tostring(err))
          assert.is_nil(err.message:find("\n", 1, true))
          assert.is_true(#tostring(err) < 300)
        end
        c:close()
        assert.equal(0, #m:log())
        assert.is_false(exists(path))
      end)
    end
  end)

  describe("keys", function()
    for _, case in ipairs(BAD_KEYS) do
      it(case[1] .. ": batch.new raises, and the message does not echo the key", function()
        local o = { base_url = m.url }
        local key
        for k, v in pairs(case[2]) do o[k] = v key = v end
        local ok, msg = pcall(batch.new, o)
        assert.is_false(ok)
        assert.is_string(msg)
        if #key > 4 then assert.is_nil(msg:find(key, 1, true), msg) end
        -- no run of 6 characters of the key (past a "project_" prefix) shows
        local k = key:gsub("^project_", "")
        for i = 1, #k - 5 do assert.is_nil(msg:find(k:sub(i, i + 5), 1, true), msg) end
        assert.is_nil(msg:find("\n", 1, true))
      end)
    end
  end)

  describe("options", function()
    for _, case in ipairs(BAD_OPTIONS) do
      it(case[1] .. ": batch.new raises", function()
        local o = case[2]
        if type(o) == "table" then
          o = {}
          for k, v in pairs(case[2]) do o[k] = v end
          o.api_key, o.rest_key = o.api_key or keys.api_key, o.rest_key or keys.rest_key
        end
        local ok, msg = pcall(batch.new, o)
        assert.is_false(ok)
        assert.matches("^batch%.new: ", msg)
      end)
    end
    for _, case in ipairs(BAD_CALLS) do
      it(case[1] .. " raises, nothing sent", function()
        local c = api()
        assert.has_error(function() case[2](c) end)
        c:close()
        assert.equal(0, #m:log())
      end)
    end
  end)

  -- What a case does, by name: f(arg) -> res, err. "RAW" in an argument stands for the raw server's URL.
  local function v2_view(url)
    return { id = "export_x", status = "SUCCESS", files = { { id = "f1", part = 1, url = url } } }
  end
  local function first_failure(iter) for r, err in iter do if not r then return nil, err end end end
  local function to_raw(arg) return type(arg) == "string" and (arg:gsub("^RAW", raw.url)) or arg end
  local DO
  DO = {
    get = function() return api().campaigns:get(token) end,
    list = function() return api().campaigns:list() end,
    export_get = function() return api().exports:get("abc") end,
    v2_list = function() return api().project_exports:list() end,
    small_list = function() return api{ max_body = 4096 }.campaigns:list() end,
    fast_get = function() return api{ timeout = 0.3 }.campaigns:get(token) end,
    dl_get = function() return api{ max_retries = 3 }.campaigns:get(token, { deadline = 60 }) end,
    raw_get = function(arg) return rawapi().campaigns:get(arg) end,
    dl = function(arg) return dl(to_raw(arg)) end,
    dl_slow = function(arg) return dl(to_raw(arg), { timeout = 1 }) end,
    dl_to = function(arg)
      m:fault{ path = "/results/", status = 302, headers = { Location = raw.url .. "/files/file" } }
      return api().exports:download(info1(), dir .. arg)
    end,
    v2_dl = function() return api().project_exports:download(v2_view(m.url .. "/2.4/exports/download?id=f1"), dir) end,
    v2_dl_id = function() return api().project_exports:download("export_x", dir) end,
    v2_rec_id = function() return first_failure(api().project_exports:records("export_x")) end,
    https_dl = function()
      m:fault{ path = "/results/", status = 302, headers = { Location = raw.url .. "/files/file" } }
      local info = { id = "x", file_url = m.tls_url .. "/1.0/k/export/request/x/results/a.csv" }
      return api{ base_url = m.tls_url, ca_file = m.ca_file }.exports:download(info, path)
    end,
    foreign_file_url = function()
      local info = { id = "x", file_url = raw.url .. "/1.0/" .. keys.api_key .. "/export/request/x/results/file" }
      return api().exports:download(info, path)
    end,
    real_dl = function()
      m:exports_config{ pending_after = 0, done_after = 0 }
      local c = api()
      local i = assert(c.exports:create{ campaign = token, kind = "events", from = "now", to = "now",
                                         events = { "push_sent" }, ids = { "install_id" } })
      m:fault{ path = "/_storage/", action = "truncate" }
      return c.exports:download(assert(c.exports:wait(i, { interval = 0.05 })), path)
    end,
    rows = function(arg)
      m:fault{ path = "/results/", status = 302, headers = { Location = to_raw(arg) } }
      return first_failure(api().exports:rows(info1()))
    end,
    records = function(arg)
      m:fault{ path = "/exports/download", status = 307, headers = { Location = to_raw(arg) } }
      return first_failure(api().project_exports:records(v2_view(m.url .. "/2.4/exports/download?id=f1")))
    end,
    into_dir = function()
      os.execute("mkdir -p " .. dir .. "/isdir")
      local res, err = DO.dl_to("/isdir")
      os.execute("rmdir " .. dir .. "/isdir")
      return res, err
    end,
  }

  local NESTED = rep("[", 20000) .. rep("]", 20000)
  local BIG_ARRAY = "[" .. rep('"x",', 5000) .. "1]"
  local YEAR = tostring(365 * 86400)
  local TO_FILE = { Location = "file:///etc/passwd" }
  local function view_body(id, files)
    return ('{"id":"%s","status":"SUCCESS","scope":"PROFILE_ATTRIBUTES","files":[%s]}'):format(id, files)
  end
  local PART = '{"id":"f1","part":1,"size":3,"url":"http://elsewhere.test/2.4/exports/download?id=f1"}'
  local CLIMB = view_body("../hostile-evil", PART)
  local TWICE = view_body("export_x", PART .. "," .. PART)
  local NOT_OBJECT = view_body("export_x", PART .. ",42")
  -- { label, expected error name, fault put first (path, then the fault's fields) or false, what, argument }
  -- one case per line.
  local SERVER_CASES = {
    { "invalid JSON in a 200", "INVALID_RESPONSE", { "/campaigns/", action = "bad_json" }, "get" },
    { "an array where an object belongs", "INVALID_RESPONSE", { "/campaigns/", body = '[{"a":1}]' }, "get" },
    { "an object where an array belongs", "INVALID_RESPONSE", { "/campaigns/list", body = '{"a":"x"}' }, "list" },
    { "a string where an object belongs", "INVALID_RESPONSE", { "/campaigns/", body = '"hello"' }, "get" },
    { "JSON null", "INVALID_RESPONSE", { "/campaigns/", body = "null" }, "get" },
    { "JSON nested 20 000 deep", "INVALID_RESPONSE", { "/campaigns/list", body = NESTED }, "list" },
    { "an export info with a number id", "INVALID_RESPONSE", { "/export/request/", body = '{"id":4}' }, "export_get" },
    { "a 2.x list without exports", "INVALID_RESPONSE", { "/exports/list", body = '{"has_more":true}' }, "v2_list" },
    { "an empty 200", "INVALID_RESPONSE", { "/campaigns/", action = "empty" }, "get" },
    { "a 200 cut short by the connection closing", "INVALID_RESPONSE", false, "raw_get", "close-delimited" },
    { "a body over max_body", "RESPONSE_TOO_LARGE", { "/campaigns/list", body = BIG_ARRAY }, "small_list" },
    { "a huge Content-Length, then close", "NETWORK_ERROR", false, "raw_get", "huge-length" },
    { "a 100 KB header line", "RESPONSE_TOO_LARGE", false, "raw_get", "big-header" },
    { "2 MB of header lines", "RESPONSE_TOO_LARGE", false, "raw_get", "many-headers" },
    { "a NUL byte in a header", "NETWORK_ERROR", false, "raw_get", "nul-header" },
    { "a malformed status line", "NETWORK_ERROR", false, "raw_get", "bad-status" },
    { "an answer that is not HTTP", "NETWORK_ERROR", false, "raw_get", "not-http" },
    { "a negative Content-Length", "NETWORK_ERROR", false, "raw_get", "bad-length" },
    { "broken chunked encoding", "NETWORK_ERROR", false, "raw_get", "bad-chunk" },
    { "a dropped connection", "NETWORK_ERROR", { "/campaigns/", action = "drop" }, "get" },
    { "a server that never answers", "TIMEOUT", { "/campaigns/", delay = 3 }, "fast_get" },
    { "a 429 asking for a year (deadline)", "TOO_MANY_REQUESTS", { "/", status = 429, retry_after = YEAR }, "dl_get" },
    { "an API redirect (302) on a GET: not followed", "HTTP_ERROR", false, "raw_get", "redirect-away" },
    { "a storage redirect loop (302 -> 302 ...)", "HTTP_ERROR", false, "dl", "RAW/files/loop" },
    { "a link to file://", "INVALID_RESPONSE", false, "dl", "file:///etc/passwd" },
    { "a link to ftp://", "INVALID_RESPONSE", false, "dl", "ftp://127.0.0.1/export.csv" },
    { "a link to javascript:", "INVALID_RESPONSE", false, "dl", "javascript:alert(1)" },
    { "a link with no scheme", "INVALID_RESPONSE", false, "dl", "127.0.0.1:80/files/file" },
    { "a 302 without Location", "INVALID_RESPONSE", false, "dl", false },
    { "a 302 with an empty Location", "INVALID_RESPONSE", false, "dl", "" },
    { "a 2.x 307 to file://", "INVALID_RESPONSE", { "/exports/download", status = 307, headers = TO_FILE }, "v2_dl" },
    { "an https API linking to plain http (a downgrade)", "INVALID_RESPONSE", false, "https_dl" },
    { "a file_url on another host: asked of base_url only", "ROUTE_NOT_FOUND", false, "foreign_file_url" },
    { "a drip-feed below any sane rate", "TIMEOUT", false, "dl_slow", "RAW/files/drip" },
    { "storage: a huge Content-Length, then close", "NETWORK_ERROR", false, "dl", "RAW/files/huge-length" },
    { "storage: a 100 KB header line", "RESPONSE_TOO_LARGE", false, "dl", "RAW/files/big-header" },
    { "storage: a truncated file", "NETWORK_ERROR", false, "real_dl" },
    { "rows: an unterminated quoted field", "INVALID_RESPONSE", false, "rows", "RAW/files/bad-csv" },
    { "records: a part that is not JSON", "INVALID_RESPONSE", false, "records", "RAW/files/bad-ndjson" },
    { "a download path in a missing directory", "IO_ERROR", false, "dl_to", "/missing/x.csv" },
    { "a download path that is a directory", "IO_ERROR", false, "into_dir" },
    { "a 2.x view whose id climbs out of dir", "INVALID_RESPONSE", { "/exports/view", body = CLIMB }, "v2_dl_id" },
    { "a 2.x view with two files of one part", "INVALID_RESPONSE", { "/exports/view", body = TWICE }, "v2_dl_id" },
    { "a 2.x view whose file is a number", "INVALID_RESPONSE", { "/exports/view", body = NOT_OBJECT }, "v2_dl_id" },
    { "records: a file that is a number", "INVALID_RESPONSE", { "/exports/view", body = NOT_OBJECT }, "v2_rec_id" },
  }

  describe("servers", function()
    for _, case in ipairs(SERVER_CASES) do
      local label, want, fault, what, arg = case[1], case[2], case[3], case[4], case[5]
      it(label .. ": " .. want .. ", no file left", function()
        if fault then
          local spec = { path = fault[1] }
          for k, v in pairs(fault) do if k ~= 1 then spec[k] = v end end
          m:fault(spec)
        end
        local res, err = DO[what](arg)
        assert.is_nil(res, label)
        assert.is_true(batch.is_error(err), label .. ": " .. tostring(err))
        assert.equal(want, err.name, tostring(err))
        local line = tostring(err)
        assert.is_nil(line:find("[\r\n]"), "tostring is one line")
        assert.is_true(#line < 2048, "tostring is short")
        assert.is_true(err.body == nil or #err.body <= 4096)
        assert.is_false(exists(path), "a file is left")
        assert.same({}, file_util.temp_files_of(path), "a temporary file is left")
        assert.is_false(exists(dir .. "/missing"))
        assert.is_false(exists(dir .. "/../hostile-evil-part1.json"), "a file was written outside dir")
        assert.is_false(exists(dir .. "/export_x-part1.json"))
      end)
    end

    it("a 2.x part that is not a number does not raise: the file is named by its index", function()
      m:fault{ path = "/exports/view", body = view_body("export_x", PART:gsub('"part":1', '"part":"one"')) }
      m:fault{ path = "/exports/download", status = 307, headers = { Location = raw.url .. "/files/file" } }
      local files, err = api().project_exports:download("export_x", dir)
      assert.is_nil(err)
      assert.equal(dir .. "/export_x-part1.json", files[1].path)
      os.remove(files[1].path)
    end)

    it("a link to another host is fetched without any credential", function()
      local res, err = dl("http://localhost:" .. raw.port .. "/files/file?signature=abc")
      assert.is_nil(err)
      assert.equal(8, res.bytes)
      local reqs = raw:requests()
      assert.equal(1, #reqs)
      assert.equal("/files/file", reqs[1].path)
      assert.equal("signature=abc", reqs[1].query)
      local h = reqs[1].headers
      assert.is_nil(h["x-authorization"])
      assert.is_nil(h["authorization"])
      assert.is_nil(h["x-batch-project"])
      for _, k in pairs{ keys.api_key, keys.rest_key, keys.project_key } do
        assert.is_nil(reqs[1].head:find(k, 1, true))
      end
      os.remove(path)
    end)

    it("an https API: a link to another https host is allowed, to plain http refused (nothing fetched)", function()
      m:fault{ path = "/results/", status = 302, headers = { Location = raw.url .. "/files/file" } }
      local c = api{ base_url = m.tls_url, ca_file = m.ca_file }
      local _, err = c.exports:download({ id = "x", file_url = m.tls_url .. "/1.0/k/export/request/x/results/a.csv" },
                                        path)
      assert.equal("INVALID_RESPONSE", err.name)
      assert.matches("plain http", err.message)
      assert.equal("", raw_paths())
    end)

    it("an http API (the emulator, a local proxy) may link to plain http", function()
      local res = assert(dl(raw.url .. "/files/file"))
      assert.equal(8, res.bytes)
      os.remove(path)
    end)

    it("an API redirect is never followed: the target gets nothing", function()
      local _, err = rawapi().campaigns:get("redirect-away")
      assert.equal(302, err.status)
      assert.equal("/1.1/" .. keys.api_key .. "/campaigns/redirect-away", raw_paths())
    end)

    it("a file_url pointing at another host: only base_url's host is asked, with credentials", function()
      api().exports:download({ id = "x", file_url = raw.url .. "/1.0/k/export/request/x/results/file" }, path)
      assert.equal("", raw_paths())
      local log = m:log()
      assert.equal(1, #log)
      assert.equal("/1.0/k/export/request/x/results/file", log[1].path)
    end)

    it("a message with CR/LF and 200 KB from the server: kept short, tostring stays one line", function()
      local msg = "line one\r\nFAKE LOG LINE: user=admin\r\n" .. rep("z", 200 * 1024)
      local escaped = msg:gsub("\r", "\\r"):gsub("\n", "\\n")
      m:fault{ path = "/campaigns/", status = 400, body = '{"code":31,"message":"' .. escaped .. '"}' }
      local _, err = api().campaigns:get(token)
      assert.equal("MALFORMED_PARAMETER", err.name)
      assert.is_true(#err.message <= 1027)
      assert.is_true(#err.body <= 4096)
      local line = tostring(err)
      assert.is_nil(line:find("[%c]"))
      assert.matches("line one  FAKE LOG LINE", line)
    end)
  end)
end)
