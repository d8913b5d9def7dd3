-- bin/batch-mock as a tool: --help, status and stop across --dir (the pointer to the last emulator
-- started), --host, --fixtures, the OpenResty / BATCH_MOCK_* lookups, the foreground's line per
-- request, and the /_mock/ index and /_mock/routes listings.
local mock = require "spec.support.mock"
local files = require "spec.support.files"
local socket = require "socket"
local http = require "socket.http"
local ltn12 = require "ltn12"
local cjson = require "cjson"

local KEYS = mock.DOCUMENTED_KEYS
local q = files.quote

-- Runs a shell command; returns its exit code, stdout and stderr.
local function run(cmd)
  local dir = files.tmpdir()
  local code = files.read_cmd(cmd .. " >" .. q(dir .. "/out") .. " 2>" .. q(dir .. "/err") .. "; echo $?")
  local out, err = files.read_all(dir .. "/out") or "", files.read_all(dir .. "/err") or ""
  files.remove_tree(dir)
  return tonumber(code), (out:gsub("%s+$", "")), err
end

local function get(url, headers)
  local chunks = {}
  local ok, status = http.request{ url = url, headers = headers, sink = ltn12.sink.table(chunks) }
  return ok and status or nil, table.concat(chunks)
end

local function pid_alive(pid)
  local f = pid and io.open("/proc/" .. pid .. "/stat")
  if not f then return false end
  local s = f:read("*a")
  f:close()
  return not s:match("^%d+ %b() Z")
end

local function wait_until(fn, seconds)
  local deadline = socket.gettime() + seconds
  repeat
    if fn() then return true end
    socket.sleep(0.05)
  until socket.gettime() > deadline
  return fn()
end

local function env_of(dir)
  local env = {}
  for line in (files.read_all(dir .. "/mock.env") or ""):gmatch("[^\n]+") do
    local k, v = line:match("^([%w_]+)=(.*)$")
    if k then env[k] = v end
  end
  return env
end

describe("bin/batch-mock, the tool", function()
  local home, bin
  before_each(function()
    home = files.tmpdir()
    -- the default folder and the pointer file live in this test's own folder
    bin = "BATCH_MOCK_HOME=" .. q(home .. "/home") .. " " .. q(mock.bin)
  end)
  after_each(function()
    for _, d in ipairs{ home .. "/home", home .. "/a", home .. "/b" } do
      os.execute(bin .. " stop --dir " .. q(d) .. " >/dev/null 2>&1")
    end
    files.remove_tree(home)
  end)

  it("--help names every command, option and environment variable, with examples", function()
    local code, out = run(bin .. " --help")
    assert.equal(0, code)
    for _, word in ipairs{ "start", "status", "stop", "--dir", "--host", "--port", "--tls-port", "--workers",
                           "--background", "--fixtures", "--owner-pid", "--access-log", "--quiet",
                           "BATCH_MOCK_NGINX", "BATCH_MOCK_MODULES", "BATCH_MOCK_HOME", "TMPDIR", "Examples",
                           "mock.env", "exit 0 when running, 3 when not" } do
      assert.truthy(out:find(word, 1, true), word)
    end
    assert.equal(out, select(2, run(bin .. " help")))
    local err
    code, out, err = run(bin .. " start --bogus")
    assert.equal(2, code)
    assert.equal("", out)
    assert.matches("unknown argument: %-%-bogus", err)
    code, out, err = run(bin .. " start --host example.com")
    assert.equal("", out)
    assert.equal(2, code)
    assert.matches("%-%-host", err)
  end)

  it("status and stop find the emulator started with --dir, and say where they looked", function()
    local code, out = run(bin .. " status")
    assert.equal(3, code)
    assert.equal("not running (looked in " .. home .. "/home)", out)

    local url
    code, url = run(bin .. " start --background --dir " .. q(home .. "/a"))
    assert.equal(0, code)
    local pid = tonumber(env_of(home .. "/a").BATCH_MOCK_PID)
    assert.equal(home .. "/a", files.read_all(home .. "/home/last"):gsub("%s+$", ""))

    code, out = run(bin .. " status")
    assert.equal(0, code)
    assert.truthy(out:find("running: " .. url, 1, true), out)
    assert.truthy(out:find("pid " .. pid .. ", dir " .. home .. "/a", 1, true), out)
    assert.equal(0, (run(bin .. " status --dir " .. q(home .. "/a"))))
    assert.equal(3, (run(bin .. " status --dir " .. q(home .. "/b"))))

    local err
    code, out, err = run(bin .. " stop")
    assert.equal(0, code)
    assert.equal("", out)
    assert.matches("stopped %(pid " .. pid, err)
    assert.is_false(pid_alive(pid))
    assert.is_nil(get(url .. "/_mock/health"))

    code, out, err = run(bin .. " stop")
    assert.equal(0, code)
    assert.equal("", out)
    assert.truthy(err:find("nothing to stop: no emulator running (looked in " .. home .. "/home and " .. home .. "/a)",
                           1, true), err)
    code, out = run(bin .. " status")
    assert.equal(3, code)
    assert.matches("looked in", out)
  end)

  it("--host ADDR listens there only, in the URLs, mock.env and the certificate", function()
    local code, url, err = run(bin .. " start --background --host 127.0.0.2 --dir " .. q(home .. "/a"))
    assert.equal(0, code, err)
    assert.matches("^http://127%.0%.0%.2:%d+$", url)
    local env = env_of(home .. "/a")
    assert.equal(url, env.BATCH_BASE_URL)
    assert.matches("^https://127%.0%.0%.2:%d+$", env.BATCH_MOCK_TLS_URL)
    assert.equal(200, (get(url .. "/_mock/health")))
    local port = url:match(":(%d+)$")
    assert.is_nil(get("http://127.0.0.1:" .. port .. "/_mock/health"))
    code = run("curl -sf --cacert " .. q(env.BATCH_MOCK_CA) .. " " .. q(env.BATCH_MOCK_TLS_URL .. "/_mock/health"))
    assert.equal(0, code)
  end)

  it("--fixtures seeds keys, campaigns and exports (again at each reset); seed = false leaves only them", function()
    local fixtures = home .. "/fixtures.json"
    local f = assert(io.open(fixtures, "w"))
    f:write(cjson.encode{
      keys = { api_key = "MYAPP0000000000000000000000000001", rest_key = "my-rest-key" },
      seed = false,
      campaigns = { { app = "ios", token = "welcome01", name = "Welcome", live = true, from_api = false,
                      created_date = "2024-05-01T10:00:00", messages = { { language = "en", body = "Hi" } } } },
      in_app_campaigns = { { app = "android", name = "Rate us", live = false, trigger = { when = "NEXT_SESSION" },
                             landing = { theme = "THEME" } } },
      exports = { { app = "ios", campaign = "welcome01", kind = "ids", id = "11111111-2222-4333-b444-555555555555",
                    request = { from = "now", to = "now", events = { "push_sent" }, ids = { "custom_id" } } } },
      project_exports = { { id = "export_fixture0001", config = { rows = 3 },
                            request = { export_type = "ATTRIBUTES", identifiers = { "custom_id" } } } },
    })
    f:close()
    local code, url, err = run(bin .. " start --background --dir " .. q(home .. "/a") .. " --fixtures " .. q(fixtures))
    assert.equal(0, code, err)
    local env = env_of(home .. "/a")
    assert.equal("MYAPP0000000000000000000000000001", env.BATCH_API_KEY)
    assert.equal("my-rest-key", env.BATCH_REST_API_KEY)
    assert.equal(KEYS.project_key, env.BATCH_PROJECT_KEY)
    local function v1(path, key)
      local status, body = get(url .. "/" .. path, { ["x-authorization"] = key or "my-rest-key" })
      return status, body ~= "" and cjson.decode(body) or nil
    end
    local status, list = v1("1.1/" .. env.BATCH_API_KEY .. "/campaigns/list")
    assert.equal(200, status)
    assert.equal(1, #list)
    assert.same({ "welcome01", false, "2024-05-01T10:00:00" }, { list[1].campaign_token, list[1].from_api,
                                                                 list[1].created_date })
    assert.equal(401, (v1("1.1/" .. KEYS.api_key .. "/campaigns/list")))     -- the documented key is replaced
    assert.equal(401, (v1("1.1/" .. env.BATCH_API_KEY .. "/campaigns/list", KEYS.rest_key)))
    local _, in_app = v1("1.1/" .. KEYS.other_api_key .. "/in-app-campaigns/list")
    assert.equal("Rate us", in_app[1].name)
    local _, info = v1("1.0/" .. env.BATCH_API_KEY .. "/export/request/11111111-2222-4333-b444-555555555555")
    assert.equal("SUCCESS", info.status)
    local s2, body = get(url .. "/2.11/exports/view?id=export_fixture0001",
                         { authorization = "Bearer my-rest-key", ["x-batch-project"] = KEYS.project_key })
    assert.equal(200, s2)
    assert.equal("SUCCESS", cjson.decode(body).status)
    local _, orchestrations = get(url .. "/2.11/orchestrations/list?limit=100",
                                  { authorization = "Bearer my-rest-key", ["x-batch-project"] = KEYS.project_key })
    assert.same({}, cjson.decode(orchestrations).orchestrations) -- seed = false: no seeded orchestrations either
    -- reset brings the fixtures back
    v1("1.1/" .. env.BATCH_API_KEY .. "/campaigns/delete/welcome01")
    http.request{ url = url .. "/_mock/reset", method = "POST" }
    assert.equal(200, (v1("1.1/" .. env.BATCH_API_KEY .. "/campaigns/welcome01")))
  end)

  it("--fixtures: a mistake stops the start with its place named, before nginx runs", function()
    local cases = {
      { '{"campaigns":[{"app":"ios","name":"Welcome","messages":[{"body":"x"}]}]}',
        "campaigns%[0%]: Missing parameter 'live'" },
      { '{"campagnes":[]}', "unknown key 'campagnes'" },
      { '{"keys":{"api_key":"A B"}}', "keys%.api_key" },
      { '{"exports":[{"app":"ios","request":{}}]}', "exports%[0%]: give exactly one of campaign and inapp_campaign" },
      { '{"project_exports":[{"request":{"export_type":"USERS"}}]}', "project_exports%[0%]%.request" },
      { "[1, 2", "not JSON" },
    }
    for i, c in ipairs(cases) do
      local path = home .. "/bad" .. i .. ".json"
      local f = assert(io.open(path, "w"))
      f:write(c[1])
      f:close()
      local code, out, err = run(bin .. " start --background --dir " .. q(home .. "/a") .. " --fixtures " .. q(path))
      assert.equal(1, code, c[1])
      assert.equal("", out)
      assert.matches(c[2], err)
      assert.falsy(files.exists(home .. "/a/nginx.pid"))
    end
    local code, _, err = run(bin .. " start --background --dir " .. q(home .. "/a") .. " --fixtures /nonexistent.json")
    assert.equal(1, code)
    assert.matches("no such file: /nonexistent%.json", err)
  end)

  it("finds OpenResty's nginx (openresty on PATH) and says which; BATCH_MOCK_NGINX and _MODULES override", function()
    local tools = home .. "/tools"
    os.execute("mkdir -p " .. q(tools))
    -- a stand-in for OpenResty's launcher, running this machine's nginx
    local f = assert(io.open(tools .. "/openresty", "w"))
    f:write('#!/bin/sh\nexec /usr/sbin/nginx "$@"\n')
    f:close()
    os.execute("chmod +x " .. q(tools .. "/openresty"))
    local path = "env -u BATCH_MOCK_NGINX PATH=" .. q(tools) .. ":\"$PATH\" "
    local code, url, err = run(path .. bin .. " start --background --dir " .. q(home .. "/a"))
    assert.equal(0, code, err)
    assert.truthy(err:find("nginx: " .. tools .. "/openresty", 1, true), err)
    assert.equal(200, (get(url .. "/_mock/health")))

    code, url, err = run("BATCH_MOCK_NGINX=/nonexistent/nginx " .. bin .. " start --background --dir "
                         .. q(home .. "/b"))
    assert.equal(1, code)
    assert.equal("", url)
    assert.matches("nginx not found at /nonexistent/nginx", err)
    code, url, err = run("BATCH_MOCK_NGINX=/usr/sbin/nginx BATCH_MOCK_MODULES=/nonexistent " .. bin
                       .. " start --background --dir " .. q(home .. "/b"))
    assert.equal(1, code)
    assert.equal("", url)
    assert.matches("missing /nonexistent/ndk_http_module%.so", err)
  end)

  it("in the foreground, one line per request on stderr: method, path with the key hidden, status, duration", function()
    local dir = home .. "/a"
    os.execute("mkdir -p " .. q(dir))
    local launcher = files.read_cmd(bin .. " start --dir " .. q(dir) .. " >" .. q(dir .. "/out") .. " 2>"
                                    .. q(dir .. "/err") .. " & echo $!")
    local url
    assert.is_true(wait_until(function()
      url = (files.read_all(dir .. "/out") or ""):match("^(%S+)\n")
      return url ~= nil
    end, 10))
    get(url .. "/1.1/" .. KEYS.api_key .. "/campaigns/list?limit=2", { ["x-authorization"] = KEYS.rest_key })
    get(url .. "/1.0/" .. KEYS.api_key .. "/data/users/a%2Fb", { ["x-authorization"] = "wrong" })
    get(url .. "/2.11/audiences/list")
    local err
    assert.is_true(wait_until(function()
      err = files.read_all(dir .. "/err") or ""
      return err:find("audiences/list", 1, true) ~= nil
    end, 5))
    assert.matches("batch%-mock: GET /1%.1/%*%*%*/campaigns/list 200 %d+%.%d+s\n", err)
    assert.matches("batch%-mock: GET /1%.0/%*%*%*/data/users/a%%2Fb 404 %d+%.%d+s\n", err)
    assert.matches("batch%-mock: GET /2%.11/audiences/list 401 %d+%.%d+s\n", err)
    assert.is_nil(err:find(KEYS.api_key, 1, true))
    assert.is_nil(err:find("limit=2", 1, true))
    assert.is_nil(err:find("_mock/health", 1, true)) -- the start's own probes are not listed
    os.execute("kill -TERM " .. launcher)
    assert.is_true(wait_until(function() return not pid_alive(tonumber(launcher)) end, 10))

    -- --quiet: none
    launcher = files.read_cmd(bin .. " start --quiet --dir " .. q(dir) .. " >" .. q(dir .. "/out2") .. " 2>"
                              .. q(dir .. "/err2") .. " & echo $!")
    assert.is_true(wait_until(function()
      url = (files.read_all(dir .. "/out2") or ""):match("^(%S+)\n")
      return url ~= nil
    end, 10))
    get(url .. "/1.1/" .. KEYS.api_key .. "/campaigns/list", { ["x-authorization"] = KEYS.rest_key })
    socket.sleep(0.3)
    os.execute("kill -TERM " .. launcher)
    assert.is_true(wait_until(function() return not pid_alive(tonumber(launcher)) end, 10))
    assert.is_nil((files.read_all(dir .. "/err2") or ""):find("campaigns/list", 1, true))
  end)

  describe("listings", function()
    local m
    setup(function() m = mock.start() end)
    teardown(function() m:stop() end)

    it("GET /_mock/ lists every control route, one JSON object a line", function()
      local status, routes, raw = m:control("GET", "/_mock/")
      assert.equal(200, status)
      local lines = {}
      for line in raw:gmatch("[^\n]+") do lines[#lines + 1] = line end
      assert.equal(#routes + 2, #lines) -- "[", one line each, "]"
      local listed = {}
      for i, r in ipairs(routes) do
        assert.is_string(r.does)
        assert.same(r, cjson.decode((lines[i + 1]:gsub(",$", ""))))
        listed[r.method .. " " .. r.path] = true
      end
      for _, r in ipairs{ "GET /_mock/", "GET /_mock/health", "POST /_mock/reset", "GET /_mock/routes",
                          "GET /_mock/state", "POST /_mock/faults", "GET /_mock/faults", "DELETE /_mock/faults",
                          "GET /_mock/log", "DELETE /_mock/log", "GET /_mock/config", "POST /_mock/config",
                          "GET /_mock/limits", "POST /_mock/limits", "GET /_mock/exports/config",
                          "POST /_mock/exports/config", "POST /_mock/exports/expire_links" } do
        assert.is_true(listed[r], r)
      end
      -- and each is served
      for _, r in ipairs(routes) do
        if r.method == "GET" then assert.equal(200, (m:control("GET", r.path)), r.path) end
      end
    end)

    it("GET /_mock/routes is the route files' own table, and every route listed is served", function()
      local _, routes = m:control("GET", "/_mock/routes")
      -- the same table, read from the route files by the router outside nginx
      local saved = package.path
      package.path = mock.root .. "/mock/lua/?.lua;" .. mock.root .. "/mock/lua/?/init.lua;" .. package.path
      local ok, router = pcall(require, "batch_mock.router")
      package.path = saved
      assert(ok, router)
      local declared = router.list()
      assert.equal(#declared, #routes)
      for i, r in ipairs(declared) do
        assert.same({ r.method, r.path }, { routes[i].method, routes[i].path })
      end
      local seen = {}
      for _, r in ipairs(routes) do
        assert.matches("^/[12]%.[0-9N]+/", r.path)
        assert.is_nil(r.path:find("[%(%)%%%[%]%*%+%?%$%^]"), r.path) -- no Lua pattern leaked
        assert.is_nil(seen[r.method .. " " .. r.path], r.path)
        seen[r.method .. " " .. r.path] = true
        local path = r.path:gsub("{api_key}", KEYS.api_key):gsub("/2%.N/", "/2.11/"):gsub("{[%w_]+}", "x")
        local status, body = m:request(r.method, path, { body = "{}" })
        if status == 404 then assert.is_nil((body.message or body.error_message):find("Route not found"), path) end
      end
      for _, want in ipairs{ "POST /1.1/{api_key}/transactional/send", "GET /1.0/{api_key}/export/request/{id}",
                             "DELETE /1.0/{api_key}/data/users/{custom_id}", "GET /2.N/orchestrations/stats",
                             "PATCH /1.1/{api_key}/custom-audience/{name}", "GET /1.1/{api_key}/campaigns/{token}",
                             "GET /1.1/{api_key}/transactional/stats/{group_id}" } do
        assert.is_true(seen[want], want)
      end
      assert.is_nil(seen["GET /_storage/v1/"]) -- storage links are not Batch routes
    end)

    it("mock/README.md's route table has every route listed, and the README names no path of this machine", function()
      local readme = assert(files.read_all(mock.root .. "/mock/README.md"))
      local _, routes = m:control("GET", "/_mock/routes")
      for _, r in ipairs(routes) do
        local text = "`" .. r.method .. " " .. r.path
        local at, found = 1, false
        repeat
          local i, j = readme:find(text, at, true)
          if i then
            local after = readme:sub(j + 1, j + 1)
            found = after == "`" or after == "?"
            at = j + 1
          end
        until found or not i
        assert.is_true(found, text .. "` is not in mock/README.md")
      end
      -- no path of the machine that wrote it: the checkout's own folder, nor a home or work folder
      assert.is_nil(readme:find(files.root .. "/", 1, true))
      for _, dir in ipairs{ "home", "root", "Users", "work", "farm" } do
        assert.is_nil(readme:find("/" .. dir .. "/", 1, true), "mock/README.md names a /" .. dir .. "/ path")
      end
    end)
  end)
end)
