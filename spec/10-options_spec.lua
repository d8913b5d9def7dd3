-- batch.new: options, environment fallbacks, and the programmer errors it raises.
local batch = require "batch"
local interp = require "spec.support.interp"

describe("batch.new", function()
  it("builds a client with the documented defaults", function()
    local c = batch.new{ api_key = "K", rest_key = "R" }
    assert.equal("https://api.batch.com", c.opts.base_url)
    assert.equal(30, c.opts.timeout)
    assert.equal(10, c.opts.connect_timeout)
    assert.equal(3, c.opts.max_retries)
    assert.is_true(c.opts.verify_tls)
    assert.equal("2.11", c.opts.api_version)
    assert.is_table(c.campaigns)
    assert.is_table(c.inapp_campaigns)
    c:close()
  end)

  it("raises on an unknown option, naming it", function()
    assert.has_error(function() batch.new{ api_kye = "K" } end, "batch.new: unknown option 'api_kye'")
  end)

  it("raises on an option of the wrong type, naming it and both types", function()
    assert.has_error(function() batch.new{ timeout = "30" } end,
      "batch.new: option 'timeout' must be a number, got string")
    assert.has_error(function() batch.new{ verify_tls = 1 } end,
      "batch.new: option 'verify_tls' must be a boolean, got number")
    assert.has_error(function() batch.new{ transport = 5 } end,
      "batch.new: option 'transport' must be a string or function, got number")
    assert.has_error(function() batch.new("K") end, "batch.new: expects a table of options or nothing, got string")
  end)

  it("raises on bad values", function()
    assert.has_error(function() batch.new{ timeout = -1 } end)
    assert.has_error(function() batch.new{ timeout = 0/0 } end)
    assert.has_error(function() batch.new{ max_retries = 1.5 } end)
    assert.has_error(function() batch.new{ base_url = "ftp://x" } end)
    assert.has_error(function() batch.new{ transport = "socket" } end)
    assert.has_error(function() batch.new{ api_version = "1.1" } end)
  end)

  it("refuses keys that would break a header or a path, without echoing them", function()
    for _, bad in ipairs{ "ab\r\nX-Evil: 1", "a b", "a/b", "a\0b", "" } do
      local ok, msg = pcall(batch.new, { rest_key = bad })
      assert.is_false(ok)
      assert.matches("option 'rest_key'", msg)
      if #bad > 1 then assert.is_nil(msg:find(bad, 1, true)) end
    end
    assert.has_error(function() batch.new{ api_key = "k?x=1" } end)
    assert.has_error(function() batch.new{ project_key = "p\n" } end)
  end)

  it("strips trailing slashes from base_url", function()
    local c = batch.new{ base_url = "http://127.0.0.1:9/" }
    assert.equal("http://127.0.0.1:9", c.opts.base_url)
    c:close()
  end)

  it("puts lua-batch, libcurl and the Lua version in the User-Agent, then app_info", function()
    local c = batch.new{ app_info = "myapp/1.2" }
    local lua_part = rawget(_G, "jit") and "LuaJIT/" or "Lua/"
    local version = batch.VERSION:gsub("%.", "%%.")
    assert.matches("^lua%-batch/" .. version .. " libcurl/[%d.]+ " .. lua_part, c.opts.user_agent)
    assert.matches(" myapp/1%.2$", c.opts.user_agent)
    c:close()
  end)

  it("close is idempotent and for_app children share the connection", function()
    local c = batch.new{ api_key = "A", rest_key = "R" }
    local android = c:for_app("B")
    assert.equal("B", android.opts.api_key)
    assert.equal("R", android.opts.rest_key)
    assert.equal(c.transport, android.transport)
    android:close()
    c:close()
    c:close()
    assert.has_error(function() c:for_app(42) end, "for_app: api_key must be a string, got number")
  end)
end)

describe("batch.new environment", function()
  -- The environment is read by a child process, so these run as subprocesses with their own variables.
  local function run_with_env(env, code)
    -- The child finds the modules where this process found them.
    local cmd = { "LUA_PATH='" .. package.path .. "'", "LUA_CPATH='" .. package.cpath .. "'",
                  "LUA_INIT=", "LUA_INIT_5_2=", "LUA_INIT_5_3=", "LUA_INIT_5_4=" }
    for k, v in pairs(env) do cmd[#cmd + 1] = k .. "='" .. v .. "'" end
    cmd[#cmd + 1] = interp .. " -e \"" .. code .. "\""
    local p = io.popen("env -u BATCH_API_KEY -u BATCH_REST_API_KEY -u BATCH_PROJECT_KEY -u BATCH_BASE_URL "
      .. table.concat(cmd, " ") .. " 2>&1")
    local out = p:read("*a")
    p:close()
    return out
  end

  it("reads keys and base URL from the environment when no table is given", function()
    local out = run_with_env({ BATCH_API_KEY = "EA", BATCH_REST_API_KEY = "ER", BATCH_PROJECT_KEY = "project_e",
                               BATCH_BASE_URL = "http://127.0.0.1:1" },
      "local c = require('batch').new() io.write(c.opts.api_key, ' ', c.opts.rest_key, ' ', "
      .. "c.opts.project_key, ' ', c.opts.base_url)")
    assert.equal("EA ER project_e http://127.0.0.1:1", out)
  end)

  it("lets a table given win over the environment", function()
    local out = run_with_env({ BATCH_API_KEY = "EA", BATCH_REST_API_KEY = "ER" },
      "local c = require('batch').new{ api_key = 'TA' } io.write(c.opts.api_key, ' ', c.opts.rest_key)")
    assert.equal("TA ER", out)
  end)
end)
