-- Secrets: the API key, the REST key and the project key never show in what the client hands back or
-- reports: every error (tostring, message, body, url, and any string reachable from it), every on_event
-- payload, and the CLI's stderr and stdout in failing runs. Servers here echo the keys on purpose: in
-- error bodies, in headers, in 200 bodies that are not JSON, in export infos, in signed links.
local batch = require "batch"
local mock = require "spec.support.mock"
local raw_server = require "spec.support.raw_server"
local interp = require "spec.support.interp"
local file_util = require "spec.support.files"

local function q(s) return "'" .. tostring(s):gsub("'", "'\\''") .. "'" end

-- The path (e.g. "err.body") of the first string under v that holds one of the secrets, or nil.
local function leak(v, secrets, where, seen)
  seen = seen or {}
  if type(v) == "string" then
    for _, s in ipairs(secrets) do
      if v:find(s, 1, true) then return where end
    end
  elseif type(v) == "table" and not seen[v] then
    seen[v] = true
    for k, x in pairs(v) do
      local w = leak(k, secrets, where .. "[key]", seen) or leak(x, secrets, where .. "." .. tostring(k), seen)
      if w then return w end
    end
  end
  return nil
end

describe("secrets", function()
  local m, raw, keys, secrets, dir, token
  setup(function()
    m = mock.start()
    raw = raw_server.start()
    keys = m.keys
    -- header names come lower-cased: a key echoed in a name is looked for lower-cased too
    secrets = { keys.api_key, keys.rest_key, keys.project_key, keys.other_api_key, keys.api_key:lower(),
                keys.other_api_key:lower() }
    dir = file_util.tmpdir()
  end)
  teardown(function()
    raw:stop()
    m:stop()
    file_util.remove_tree(dir)
  end)
  before_each(function()
    m:reset()
    m:exports_config{ pending_after = 0, done_after = 0, rows = 5 }
    if not token then
      local c = batch.new{ api_key = keys.api_key, rest_key = keys.rest_key, base_url = m.url }
      token = assert(c.campaigns:list{ limit = 1 })[1].campaign_token
      c:close()
    end
  end)

  -- What a key-echoing server says: every key, raw and inside JSON.
  local function echo_text()
    return ("api_key=%s rest_key=%s project=%s Bearer %s"):format(keys.api_key, keys.rest_key, keys.project_key,
                                                                  keys.rest_key)
  end
  local function echo_headers()
    return { ["X-Echo-Key"] = keys.api_key, ["X-Echo-Auth"] = "Bearer " .. keys.rest_key,
             ["X-Echo-Project"] = keys.project_key, Location = m.url .. "/1.1/" .. keys.api_key .. "/x" }
  end

  -- A client that records its events; few retries, no real sleeps, short timeouts.
  local function client(events, extra)
    local o = { api_key = keys.api_key, rest_key = keys.rest_key, project_key = keys.project_key, base_url = m.url,
                max_retries = 1, timeout = 1, sleep = function() end,
                on_event = function(ev) events[#events + 1] = ev end }
    for k, v in pairs(extra or {}) do o[k] = v end
    return batch.new(o)
  end

  local function finished_export(c)
    local req = assert(c.exports:create{ campaign = token, kind = "events", from = "now", to = "now",
                                         events = { "push_sent" }, ids = { "install_id" } })
    return assert(c.exports:wait(req, { interval = 0.05 }))
  end

  local function new_export(c, kind)
    return assert(c.exports:create{ campaign = token, kind = kind or "events", from = "now", to = "now",
                                    events = { "push_sent" }, ids = { "install_id" } })
  end
  local function first_failure(iter) for r, err in iter do if not r then return nil, err end end end
  local function v1_error(code) return '{"code":' .. code .. ',"message":"' .. echo_text() .. '"}' end
  local function storage_link()
    return m.url .. "/_storage/" .. keys.api_key .. "/" .. keys.rest_key .. "?sig=" .. keys.project_key
  end

  -- What a case does, by name: f(c, arg) -> res, err, with c the recording client of the case.
  local DO = {
    get = function(c) return c.campaigns:get(token) end,
    list = function(c) return c.campaigns:list() end,
    create = function(c) return c.campaigns:create{ name = "x" } end,
    profiles = function(c) return c.profiles:export{ export_type = "ATTRIBUTES", attributes = { "a" } } end,
    slow_get = function(c) return c.campaigns:get(token, { timeout = 0.2 }) end,
    -- another client (raw server, closed port, TLS), reporting to the same events
    other = function(c, arg)
      local o = { api_key = keys.api_key, rest_key = keys.rest_key, project_key = keys.project_key,
                  max_retries = 1, sleep = function() end, on_event = c.opts.on_event }
      o.base_url = arg == "tls" and m.tls_url or arg == "closed" and "http://127.0.0.1:1" or raw.url
      local other = batch.new(o)
      if arg == "v2" then return other.project_exports:get("echo") end
      return other.campaigns:get(arg == "v1" and "echo" or token)
    end,
    download = function(c, arg)
      local info = finished_export(c)
      if arg == "link" then
        m:fault{ path = "/results/", status = 302, count = 2, headers = { Location = storage_link() } }
      elseif arg == "storage" then
        m:fault{ path = "/_storage/", status = 500, count = 3, body = echo_text(), headers = echo_headers() }
      end
      return c.exports:download(info, dir .. "/a.csv")
    end,
    download_url = function(c)
      local info = finished_export(c)
      m:fault{ path = "/results/", status = 403, body = v1_error(12) }
      return c.exports:download_url(info)
    end,
    wait = function(c, arg)
      local opts = { interval = 0.05 }
      if arg == "timeout" then opts.timeout = 0.3 end
      if arg == "cancel" then opts.on_poll = function() return false end end
      return c.exports:wait(new_export(c, arg == "expired" and "ids" or "events"), opts)
    end,
    wait_v2 = function(c)
      local job = assert(c.profiles:export{ export_type = "ATTRIBUTES", attributes = { "a" } })
      return c.project_exports:wait(job.id, { interval = 0.05 })
    end,
    rows = function(c)
      local info = finished_export(c)
      m:fault{ path = "/_storage/", status = 404, count = 5, body = echo_text() }
      return first_failure(c.exports:rows(info))
    end,
    not_ready = function(c, arg)
      local info = new_export(c)
      if arg == "rows" then return first_failure(c.exports:rows(info.id)) end
      if arg == "url" then return c.exports:download_url(info.id) end
      return c.exports:download(info.id, dir .. "/b.csv")
    end,
    for_app = function(c)
      local child = c:for_app(keys.other_api_key)
      m:fault{ path = "/campaigns/", status = 404, body = '{"code":20,"message":"no ' .. keys.other_api_key .. '"}' }
      return child.campaigns:get(token)
    end,
  }

  -- Faults by name (they need the keys, known once the emulator runs).
  local FAULT = {
    echo401 = function()
      return { path = "/campaigns/", status = 401, body = v1_error(10), headers = echo_headers() }
    end,
    echo404 = function() return { path = "/campaigns/", status = 404, body = v1_error(20) } end,
    html5 = function() return { path = "/campaigns/list", count = 5, body = "<html>" .. echo_text() } end,
    storage403 = function() return { path = "/_storage/", status = 403, count = 5, body = echo_text() } end,
    echo400v2 = function()
      return { path = "/profiles/export", status = 400, headers = echo_headers(),
               body = '{"error_code":"MALFORMED_PARAMETER","error_message":"' .. echo_text() .. '"}' }
    end,
    html = function() return { path = "/campaigns/list", body = "<html>" .. echo_text() } end,
    shape = function()
      return { path = "/campaigns/", body = '["' .. keys.api_key .. '","' .. keys.rest_key .. '"]' }
    end,
    echo429 = function()
      return { path = "/campaigns/list", status = 429, count = 5, body = v1_error(60), headers = echo_headers() }
    end,
    slow = function() return { path = "/campaigns/", delay = 2, count = 2 } end,
    drop = function() return { path = "/campaigns/create", action = "drop" } end,
    failed = function() m:exports_config{ outcome = "ERROR", error_msg = echo_text() } end,
    expired = function() m:exports_config{ outcome = "EXPIRED" } end,
    pending = function() m:exports_config{ done_after = 60 } end,
    key_in_header_name = function()
      return { path = "/campaigns/", status = 500, count = 5,
               headers = { ["X-" .. keys.api_key] = "1", ["X-Seen-" .. keys.rest_key] = keys.rest_key } }
    end,
  }

  -- { label, fault (a FAULT name) or false, what (a DO name), argument }, one case per line. Each fails.
  local CASES = {
    { "1.x error body and headers echo every key", "echo401", "get" },
    { "2.x error body echoes every key", "echo400v2", "profiles" },
    { "a 200 that is not JSON echoes the keys", "html", "list" },
    { "a 200 of the wrong shape echoes the keys", "shape", "get" },
    { "a 429 echoing the keys, retried then given up", "echo429", "list" },
    { "a raw server echoing the whole 1.x request", false, "other", "v1" },
    { "a raw server echoing the whole 2.x request", false, "other", "v2" },
    { "a connection refused", false, "other", "closed" },
    { "a TLS failure", false, "other", "tls" },
    { "a timeout", "slow", "slow_get" },
    { "a dropped POST", "drop", "create" },
    { "a storage link holding the keys, answered with an error", false, "download", "link" },
    { "a storage error body echoing the keys", false, "download", "storage" },
    { "a link request answered 403 echoing the keys", false, "download_url" },
    { "EXPORT_FAILED: the info's uri holds the API key, error_msg echoes the keys", "failed", "wait" },
    { "EXPORT_EXPIRED: the info holds the API key", "expired", "wait", "expired" },
    { "WAIT_TIMEOUT: the last info holds the API key", "pending", "wait", "timeout" },
    { "CANCELLED: the last info holds the API key", "pending", "wait", "cancel" },
    { "2.x EXPORT_FAILED echoing the keys", "failed", "wait_v2" },
    { "rows over a failing download echoing the keys", false, "rows" },
    { "a for_app client: its own key echoed", false, "for_app" },
    { "download of an export not ready: err.export is the info (its uri holds the API key)", "pending", "not_ready" },
    { "rows of an export not ready: err.export", "pending", "not_ready", "rows" },
    { "download_url of an export not ready: err.export", "pending", "not_ready", "url" },
    { "an upper-case key echoed in a header name", "key_in_header_name", "get" },
  }

  for _, case in ipairs(CASES) do
    it(case[1] .. ": no key in the error or the events", function()
      local events = {}
      local c = client(events)
      local fault = case[2] and FAULT[case[2]]()
      if fault then m:fault(fault) end
      local res, err = DO[case[3]](c, case[4])
      c:close()
      assert.is_nil(res)
      assert.is_true(batch.is_error(err), tostring(err))
      local line = tostring(err)
      assert.is_nil(leak(line, secrets, "tostring(err)"), line)
      for _, field in ipairs{ "message", "body", "url" } do
        assert.is_nil(leak(err[field], secrets, "err." .. field), tostring(err[field]))
      end
      local w = leak(err, secrets, "err")
      assert.is_nil(w, "leak at " .. tostring(w))
      assert.is_true(#events > 0 or err.name == "INVALID_ARGUMENT")
      w = leak(events, secrets, "events")
      assert.is_nil(w, "leak at " .. tostring(w))
      os.remove(dir .. "/a.csv")
      os.remove(dir .. "/b.csv")
    end)
  end

  it("the echoing servers really did echo (the cases above test something)", function()
    raw:clear()
    batch.new{ api_key = keys.api_key, rest_key = keys.rest_key, base_url = raw.url, max_retries = 0 }
      .campaigns:get("echo")
    local reqs = raw:requests()
    assert.equal(1, #reqs)
    assert.equal(keys.rest_key, reqs[1].headers["x-authorization"])
    local res = assert(require("batch.core").new{}:request{ url = raw.url .. "/1.1/" .. keys.api_key .. "/echo",
                                                             headers = { ["X-Authorization"] = keys.rest_key } })
    assert.truthy(res.body:find(keys.api_key, 1, true))
    assert.truthy(res.headers["x-echo-x-authorization"]:find(keys.rest_key, 1, true))
  end)

  it("results stay untouched: a campaign or an export info is the server's data", function()
    local c = client({})
    local info = finished_export(c)
    c:close()
    assert.truthy(info.uri:find(keys.api_key, 1, true))
  end)

  describe("the CLI (bin/batch)", function()

    -- Runs bin/batch with the keys in the environment; returns exit status, stdout, stderr.
    local function cli(args, env)
      local out, errf = os.tmpname(), os.tmpname()
      local e = { BATCH_API_KEY = keys.api_key, BATCH_REST_API_KEY = keys.rest_key,
                  BATCH_PROJECT_KEY = keys.project_key, BATCH_BASE_URL = m.url, BATCH_PROGRESS = "0" }
      for k, v in pairs(env or {}) do e[k] = v end
      local parts = { "env" }
      for k, v in pairs(e) do parts[#parts + 1] = k .. "=" .. q(v) end
      local cmd = table.concat(parts, " ") .. " " .. interp .. " bin/batch " .. args
        .. " >" .. q(out) .. " 2>" .. q(errf) .. "; echo $?"
      local p = assert(io.popen(cmd))
      local status = tonumber(p:read("*a"):match("(%d+)%s*$"))
      p:close()
      local function slurp(path)
        local f = io.open(path, "rb")
        local s = f and f:read("*a") or ""
        if f then f:close() end
        os.remove(path)
        return s
      end
      return status, slurp(out), slurp(errf)
    end

    -- Environments by name.
    local ENV = {
      raw = function() return { BATCH_BASE_URL = raw.url } end,
      closed = function() return { BATCH_BASE_URL = "http://127.0.0.1:1" } end,
      newline = function() return { BATCH_REST_API_KEY = keys.rest_key .. "\nX-Evil: 1" } end,
    }

    -- { label, arguments, fault (a FAULT name) or false, environment (an ENV name) }, one case per line.
    -- Each run must fail. In the arguments, TOKEN, ID, PATH, KEY and REST are replaced.
    local CLI_CASES = {
      { "an error body echoing the keys", "campaign get TOKEN", "echo401" },
      { "a raw server echoing the request", "campaign get echo --max-retries 0", false, "raw" },
      { "a raw server echoing a 2.x request", "project-export status echo --max-retries 0", false, "raw" },
      { "a 200 that is not JSON", "campaign list", "html5" },
      { "a refused connection", "campaign get TOKEN --max-retries 0", false, "closed" },
      { "keys given as options, echoed back", "campaign get TOKEN --api-key KEY --rest-key REST", "echo404" },
      { "a key with a newline in the environment", "campaign get TOKEN", false, "newline" },
      { "a download whose storage echoes the keys", "export download ID PATH --max-retries 0", "storage403" },
      { "a failed export wait", "export wait ID --timeout 5", "failed" },
    }

    for _, case in ipairs(CLI_CASES) do
      local label, args, fault_name, env = case[1], case[2], case[3], case[4]
      it(label .. ": stderr and stdout hold no key", function()
        local c = client({})
        local info = finished_export(c)
        c:close()
        local fault = fault_name and FAULT[fault_name]()
        if fault then m:fault(fault) end
        if args:find("wait ID", 1, true) then
          local c2 = client({})
          info = assert(c2.exports:create{ campaign = token, kind = "events", from = "now", to = "now",
                                           events = { "push_sent" }, ids = { "install_id" } })
          c2:close()
        end
        args = args:gsub("TOKEN", token):gsub("ID", info.id):gsub("PATH", q(dir .. "/cli.csv"))
                   :gsub("KEY", keys.api_key):gsub("REST", keys.rest_key)
        local status, out, err = cli(args, env and ENV[env]())
        assert.is_true(status ~= 0, "the run should fail: " .. err)
        assert.is_true(#err > 0)
        local w = leak(err, secrets, "stderr")
        assert.is_nil(w, err)
        w = leak(out, secrets, "stdout")
        assert.is_nil(w, out)
        assert.is_nil(io.open(dir .. "/cli.csv"))
      end)
    end
  end)
end)
