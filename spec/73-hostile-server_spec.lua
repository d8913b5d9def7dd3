-- A hostile server (spec/support/raw_server.lua) replaying what a security review probed: JSON deep and
-- wide, header blocks that never end, huge headers and bodies, gzip nobody asked for, lying lengths, a
-- head cut short, the keys echoed in header names and values. Each call ends in a named error or a
-- result, never a raise; a download leaves no file and no temporary file; no key shows anywhere. Under
-- every interpreter (the JSON case is the one LuaJIT and 5.1 raised on).
local batch = require "batch"
local raw_server = require "spec.support.raw_server"
local file_util = require "spec.support.files"

local API_KEY, REST_KEY = "HOSTILEAPIKEY0123456789ABCDEF", "hostile-rest-key-0123456789"

-- Every string under v, for the key search (names and values, any depth).
local function strings(v, out, seen)
  out, seen = out or {}, seen or {}
  if type(v) == "string" then out[#out + 1] = v
  elseif type(v) == "table" and not seen[v] then
    seen[v] = true
    for k, x in pairs(v) do strings(k, out, seen) strings(x, out, seen) end
  end
  return out
end

local function no_key(v)
  for _, s in ipairs(strings(v)) do
    for _, key in ipairs{ API_KEY, REST_KEY, API_KEY:lower() } do
      assert.is_nil(s:find(key, 1, true), "a key in: " .. s:sub(1, 200))
    end
  end
end

describe("a hostile server", function()
  local raw, c, dir
  setup(function()
    raw = raw_server.start()
    dir = file_util.tmpdir()
    c = batch.new{ api_key = API_KEY, rest_key = REST_KEY, base_url = raw.url, max_retries = 1, timeout = 5,
                   max_body = 1024 * 1024, sleep = function() end }
  end)
  teardown(function()
    if c then c:close() end
    raw:stop()
    file_util.remove_tree(dir)
  end)

  -- campaigns:get of a scenario: what it returned, and that it did not raise.
  local function get(scenario)
    local ok, res, err = pcall(c.campaigns.get, c.campaigns, scenario)
    assert.is_true(ok, "raised: " .. tostring(res))
    no_key(err)
    return res, err
  end

  it("JSON 127 levels deep and 31 members wide: decoded, the client fine after it", function()
    local res, err = get("deep-wide-json")
    assert.is_nil(err, tostring(err))
    assert.equal("deep", res.campaign_token)
    local depth, level = 0, res
    while type(level) == "table" do depth, level = depth + 1, level.next end
    assert.equal(127, depth)
    assert.is_nil(select(2, get("continue")))
  end)

  it("JSON past the depth cap: INVALID_RESPONSE", function()
    local _, err = get("too-deep-json")
    assert.equal("INVALID_RESPONSE", err.name)
  end)

  it("a header block that never ends: RESPONSE_TOO_LARGE, not retried", function()
    local _, err = get("endless-head")
    assert.equal("RESPONSE_TOO_LARGE", err.name)
    assert.equal(1, err.attempts)
  end)

  it("one header line of 100 KB, and 40 000 header lines: RESPONSE_TOO_LARGE, not retried", function()
    for _, s in ipairs{ "big-header", "many-headers" } do
      local _, err = get(s)
      assert.equal("RESPONSE_TOO_LARGE", err.name, s)
      assert.equal(1, err.attempts, s)
    end
  end)

  it("a head cut short (a status line, then a close): NETWORK_ERROR, never a 200", function()
    local res, err = get("truncated-head")
    assert.is_nil(res)
    assert.equal("NETWORK_ERROR", err.name)
    local ok, updated = pcall(c.campaigns.update, c.campaigns, "truncated-head", { name = "x" })
    assert.is_true(ok)
    assert.is_nil(updated)
  end)

  it("a body over max_body: RESPONSE_TOO_LARGE", function()
    local _, err = get("huge-body")
    assert.equal("RESPONSE_TOO_LARGE", err.name)
  end)

  it("gzip nobody asked for: INVALID_RESPONSE on an API answer (it is not decoded)", function()
    local _, err = get("gzip-unasked")
    assert.equal("INVALID_RESPONSE", err.name)
  end)

  it("the keys echoed in header names and values of a 500: in no error field", function()
    local _, err = get("echo-in-names")
    assert.equal("SERVER_ERROR", err.name)
    assert.is_table(err.headers)
    no_key(err)
    no_key(tostring(err))
  end)

  -- A download whose signed link (the emulator's 302, a fault) points at the raw server's /files/<scenario>.
  local function download(m, dl, scenario)
    m:clear_faults()
    m:fault{ path = "/results/", status = 302, count = 10, headers = { Location = raw.url .. "/files/" .. scenario } }
    local info = { id = "hostile", status = "SUCCESS",
                   file_url = m.url .. "/1.0/" .. m.keys.api_key .. "/export/request/hostile/results/a.csv" }
    local path = dir .. "/" .. scenario .. ".csv"
    local ok, res, err = pcall(dl.exports.download, dl.exports, info, path)
    assert.is_true(ok, "raised: " .. tostring(res))
    assert.is_false(file_util.exists(path), scenario .. ": a file is left")
    assert.same({}, file_util.temp_files_of(path), scenario .. ": a temporary file is left")
    return res, err
  end

  it("downloads from a storage that lies or breaks leave no file: every one a named error", function()
    local mock = require "spec.support.mock"
    local m = mock.start()
    local dl = batch.new{ api_key = m.keys.api_key, rest_key = m.keys.rest_key, base_url = m.url, max_retries = 1,
                          timeout = 2, sleep = function() end }
    local seen = {}
    for _, s in ipairs{ "lying-length", "huge-length", "truncated-head", "endless-head", "bad-chunk", "drip" } do
      local res, err = download(m, dl, s)
      assert.is_nil(res, s)
      assert.is_true(batch.is_error(err), s)
      seen[s] = err.name
    end
    -- gzip on a file: saved as sent (a file is bytes; what they mean is the reader's business)
    m:clear_faults()
    m:fault{ path = "/results/", status = 302, headers = { Location = raw.url .. "/files/gzip-unasked" } }
    local path = dir .. "/gz.csv"
    local res = assert(dl.exports:download({ id = "h", status = "SUCCESS",
      file_url = m.url .. "/1.0/" .. m.keys.api_key .. "/export/request/h/results/a.csv" }, path))
    assert.equal(43, res.bytes)
    assert.equal("\31\139", file_util.read_all(path):sub(1, 2))
    dl:close()
    m:stop()
    assert.equal("NETWORK_ERROR", seen["lying-length"])
    assert.equal("NETWORK_ERROR", seen["truncated-head"])
    assert.equal("RESPONSE_TOO_LARGE", seen["endless-head"])
    assert.equal("TIMEOUT", seen["drip"])
  end)
end)
