-- Profiles in the config file, the precedence of settings, and --debug / BATCH_DEBUG. bin/batch runs as
-- a child process against the emulator (over HTTPS where a profile's CA file is the point).
local files = require "spec.support.files"
local cli = require "spec.support.cli"

local q, lines = files.quote, cli.lines

describe("batch config and debug", function()
  local m, dir, r, keys

  -- Writes the config file under XDG_CONFIG_HOME=dir/xdg with that mode; returns its path.
  local function config(text, mode)
    os.execute("mkdir -p " .. q(dir .. "/xdg/batch"))
    local path = dir .. "/xdg/batch/config"
    local f = assert(io.open(path, "wb"))
    f:write(text)
    f:close()
    os.execute("chmod " .. (mode or "600") .. " " .. q(path))
    return path
  end
  -- The environment without keys or base URL, reading dir/xdg's config.
  local NO_ENV
  local function env(extra)
    local e = {}
    for k, v in pairs(NO_ENV) do e[k] = v end
    for k, v in pairs(extra or {}) do e[k] = v end
    return e
  end

  cli.world(function(w) m, dir, r = w.m, w.dir, w.r end)
  setup(function()
    keys = m.keys
    NO_ENV = { BATCH_API_KEY = false, BATCH_REST_API_KEY = false, BATCH_PROJECT_KEY = false, BATCH_BASE_URL = false,
               XDG_CONFIG_HOME = dir .. "/xdg" }
  end)

  local function profile_text(name, t)
    local s = "[" .. name .. "]\n"
    for k, v in pairs(t) do s = s .. k .. " = " .. v .. "\n" end
    return s
  end

  it("the default profile gives the keys and base URL", function()
    config("# lua-batch\n" .. profile_text("default", { api_key = keys.api_key, rest_key = keys.rest_key,
                                                       base_url = m.url }))
    local res = r:run("campaign list --limit 2 --field campaign_token", env())
    assert.equal(0, res.code, res.err)
    assert.equal(2, #lines(res.out))
  end)

  it("--profile and BATCH_PROFILE pick a profile; one the file lacks is a usage error", function()
    config(profile_text("default", { api_key = keys.api_key, rest_key = "wrong", base_url = m.url }) ..
           profile_text("staging", { api_key = keys.api_key, rest_key = keys.rest_key, base_url = m.url }))
    assert.equal(1, r:run("campaign list --limit 1", env()).code)
    assert.equal(0, r:run("campaign list --limit 1 --profile staging", env()).code)
    assert.equal(0, r:run("campaign list --limit 1", env{ BATCH_PROFILE = "staging" }).code)
    local res = r:run("campaign list --profile nope", env())
    assert.equal(2, res.code)
    assert.truthy(res.err:find("no profile 'nope' in " .. dir .. "/xdg/batch/config", 1, true), res.err)
  end)

  it("precedence: option > environment > profile", function()
    config(profile_text("default", { api_key = keys.api_key, rest_key = "wrong-in-profile",
                                     base_url = "http://127.0.0.1:1" }))
    -- the profile alone: its base URL (nothing listens there)
    assert.equal(75, r:run("campaign list --max-retries 0", env()).code)
    -- the environment's base URL wins over the profile's; the profile's REST key is refused
    local res = r:run("campaign list", env{ BATCH_BASE_URL = m.url })
    assert.equal(1, res.code)
    assert.matches("AUTHENTICATION_INVALID", res.err)
    assert.is_nil(res.err:find("wrong-in-profile", 1, true))
    -- the environment's key wins over the profile's, the option over the environment
    assert.equal(0, r:run("campaign list", env{ BATCH_BASE_URL = m.url, BATCH_REST_API_KEY = keys.rest_key }).code)
    assert.equal(0, r:run("campaign list --rest-key " .. keys.rest_key,
                          env{ BATCH_BASE_URL = m.url, BATCH_REST_API_KEY = "wrong-in-env" }).code)
    assert.equal(1, r:run("campaign list --rest-key wrong-option",
                          env{ BATCH_BASE_URL = m.url, BATCH_REST_API_KEY = keys.rest_key }).code)
  end)

  it("a profile's ca_file verifies the HTTPS emulator", function()
    config(profile_text("tls", { api_key = keys.api_key, rest_key = keys.rest_key, base_url = m.tls_url,
                                 ca_file = m.ca_file }))
    local res = r:run("campaign list --limit 1 --profile tls --field campaign_token", env())
    assert.equal(0, res.code, res.err)
    assert.matches("^%x+\n$", res.out)
    local system_ca = "/etc/ssl/certs/ca-certificates.crt"  -- the option wins: the emulator's CA is not in it
    local untrusted = r:run("campaign list --limit 1 --max-retries 0 --profile tls --ca-file " .. system_ca, env())
    assert.matches("^batch: TLS_ERROR: ", untrusted.err)
  end)

  it("without XDG_CONFIG_HOME, ~/.config/batch/config", function()
    os.execute("mkdir -p " .. q(dir .. "/home/.config/batch"))
    local path = dir .. "/home/.config/batch/config"
    local f = assert(io.open(path, "wb"))
    f:write(profile_text("default", { api_key = keys.api_key, rest_key = keys.rest_key, base_url = m.url }))
    f:close()
    os.execute("chmod 600 " .. q(path))
    assert.equal(0, r:run("campaign list --limit 1", env{ XDG_CONFIG_HOME = false, HOME = dir .. "/home" }).code)
  end)

  it("a config file others may read is refused, saying chmod 600; its mistakes name the line", function()
    local path = config(profile_text("default", { api_key = keys.api_key }), "644")
    local res = r:run("campaign list", env())
    assert.equal(2, res.code)
    assert.truthy(res.err:find(path .. " may be read by others (-rw-r--r--)", 1, true), res.err)
    assert.truthy(res.err:find("chmod 600 '" .. path .. "'", 1, true), res.err)
    assert.is_nil(res.err:find(keys.api_key, 1, true))
    config("[default]\napi_key = x\nnonsense\n")
    res = r:run("campaign list", env())
    assert.equal(2, res.code)
    assert.truthy(res.err:find(path .. ":3: expected 'key = value'", 1, true), res.err)
    config("[default]\ntoken = x\n")
    assert.matches("unknown setting 'token'", r:run("campaign list", env()).err)
  end)

  it("--debug and BATCH_DEBUG=http print each exchange on stderr, keys redacted; stdout unchanged", function()
    local plain = r:run("campaign list --limit 2")
    for _, how in ipairs{ { "campaign list --limit 2 --debug" },
                          { "campaign list --limit 2", { BATCH_DEBUG = "http" } } } do
      local res = r:run(how[1], how[2])
      assert.equal(0, res.code)
      assert.equal(plain.out, res.out)
      local url = m.url:gsub("%p", "%%%0") .. "/1%.1/%*%*%*/campaigns/list%?limit=2"
      assert.matches("> GET " .. url .. " %(attempt 1%)", res.err)
      assert.matches("\n< 200 GET [^\n]* in [%d.]+ ms", res.err)
      for _, k in ipairs{ keys.api_key, keys.rest_key, keys.project_key } do
        assert.is_nil(res.err:find(k, 1, true))
      end
    end
    m:fault{ path = "/campaigns/list", status = 503 }
    local retried = r:run("campaign list --limit 1 --debug")
    assert.matches("%* retry of GET [^\n]* in [%d.]+ s after HTTP 503", retried.err)
  end)

  it("the debug lines mask credential headers whatever they hold", function()
    local debug_log = require "batch.cli.debug"
    local ls = debug_log.lines{ type = "request", method = "GET", url = "https://x/1.1/***/campaigns/list",
                                attempt = 1,
                                headers = { ["X-Authorization"] = "secret-rest", ["X-Batch-Project"] = "project_1",
                                            Authorization = "Bearer secret", Accept = "application/json" } }
    assert.same({ "> GET https://x/1.1/***/campaigns/list (attempt 1)", "> Accept: application/json",
                  "> Authorization: ***", "> X-Authorization: ***", "> X-Batch-Project: ***" }, ls)
  end)

  it("an internal error is one line; BATCH_DEBUG=trace adds the traceback", function()
    -- a broken module stands for a bug in the CLI
    local broken = { LUA_INIT_5_4 = 'package.loaded["batch.cli.results"] = setmetatable({}, { __index = ' ..
                                    'function() error("boom in results") end })' }
    local res = r:run("campaign list --limit 1", broken)
    assert.equal(1, res.code)
    assert.equal(1, #lines(res.err), res.err)
    assert.matches("^batch: internal error: .*boom in results", res.err)
    broken.BATCH_DEBUG = "trace"
    res = r:run("campaign list --limit 1", broken)
    assert.equal(1, res.code)
    assert.truthy(res.err:find("stack traceback:", 1, true), res.err)
    res = r:run("campaign list --limit 1 --debug", { LUA_INIT_5_4 = broken.LUA_INIT_5_4 })
    assert.is_nil(res.err:find("stack traceback:", 1, true))
  end)
end)
