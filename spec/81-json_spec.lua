-- core.json_decode, the decoder of every response (batch.json.decode): the contract's conventions (null is
-- nil, integral numbers are integers on Lua 5.3+), strict syntax with positioned messages, the same values
-- lua-cjson gave for what the API sends, and hostile documents that are as deep and wide as allowed,
-- which must fit the Lua stack of every interpreter (LuaJIT and 5.1 give a C function about 8000 slots).
local core = require "batch.core"
local json = require "batch.json"
local cjson = require "cjson.safe"
local mock = require "spec.support.mock"
local socket = require "socket"

-- `levels` nested objects (or arrays), each with `members` members: members - 1 numbers, then the next
-- level, down to an empty one (so levels + 1 deep). 127 objects of 32 members is 34 KB, 128 deep: the most
-- allowed.
local function deep_wide(levels, members, arrays)
  local open, close = {}, {}
  for _ = 1, levels do
    local m = {}
    for i = 1, members - 1 do m[i] = arrays and tostring(i) or ('"a' .. i .. '":' .. i) end
    open[#open + 1] = (arrays and "[" or "{") .. table.concat(m, ",") .. (arrays and "," or ',"n":')
    close[#close + 1] = arrays and "]" or "}"
  end
  return table.concat(open) .. (arrays and "[]" or "{}") .. table.concat(close)
end

-- The value `levels` steps down a deep_wide document.
local function bottom(v, levels, arrays)
  for _ = 1, levels do v = arrays and v[#v] or v.n end
  return v
end

local int = math.type and function(v) return math.type(v) == "integer" end or function() return true end

describe("core.json_decode", function()
  it("decodes objects, arrays, strings, numbers, booleans; null is nil", function()
    local v = assert(core.json_decode(
      '{"a":1,"b":[1,2,null,4],"c":{"d":null,"e":"x"},"f":1.5,"g":true,"h":false,"i":[],"j":{}}'))
    assert.equal(1, v.a)
    assert.is_true(int(v.a))
    assert.equal(1, v.b[1])
    assert.is_nil(v.b[3])
    assert.equal(4, v.b[4])
    assert.same({ e = "x" }, v.c)
    assert.equal(1.5, v.f)
    assert.is_true(v.g)
    assert.is_false(v.h)
    assert.same({}, v.i)
    assert.same({}, v.j)
    assert.is_nil(getmetatable(v))
  end)

  it("gives integers for integral numbers, floats otherwise", function()
    assert.is_true(int(core.json_decode("1e3")))
    assert.equal(1000, core.json_decode("1e3"))
    assert.is_true(int(core.json_decode("2.0")))
    assert.equal(0, core.json_decode("-0"))
    assert.equal(-12.5e-3, core.json_decode("-12.5e-3"))
    -- numbers longer than 64 characters, as strtod reads them (LuaJIT's own scanner gave 0 for the first)
    assert.equal(-math.huge, core.json_decode("[-3e" .. ("9"):rep(80) .. "]")[1])
    assert.equal(1e70, core.json_decode("1" .. ("0"):rep(70)))
    assert.is_true(math.abs(core.json_decode("0." .. ("1"):rep(100)) - 1 / 9) < 1e-15)
    if math.type then
      assert.equal(123456789012345678, core.json_decode("123456789012345678"))
      assert.equal(math.mininteger, core.json_decode("-9223372036854775808"))
      assert.equal("float", math.type(core.json_decode("12345678901234567890")))
    end
  end)

  it("decodes escapes and UTF-16 surrogate pairs, and keeps raw bytes", function()
    assert.equal('"\\/\b\f\n\r\t', core.json_decode('"\\"\\\\\\/\\b\\f\\n\\r\\t"'))
    assert.equal("\195\169", core.json_decode('"\\u00e9"'))
    assert.equal("\240\159\152\128", core.json_decode('"\\ud83d\\ude00"'))
    assert.equal("a\0b", core.json_decode('"a\\u0000b"'))
    assert.equal("caf\195\169 \226\130\172", core.json_decode('"caf\195\169 \226\130\172"'))
    assert.equal("a\tb", core.json_decode('"a\tb"')) -- a raw tab, as lua-cjson takes it
  end)

  it("sizes large arrays and objects right, duplicates: the last one wins", function()
    local parts, keys = {}, {}
    for i = 1, 1000 do parts[i] = tostring(i) keys[i] = '"k' .. i .. '":' .. i end
    local a = assert(core.json_decode("[" .. table.concat(parts, ",") .. "]"))
    assert.equal(1000, #a)
    assert.equal(777, a[777])
    local o = assert(core.json_decode("{" .. table.concat(keys, ",") .. "}"))
    assert.equal(1000, o.k1000)
    assert.equal(2, core.json_decode('{"d":1,"d":2}').d)
    assert.is_nil(core.json_decode('{"d":1,"d":null}').d)
    local holes = assert(core.json_decode("[null," .. table.concat(parts, ",") .. ",null,5]"))
    assert.is_nil(holes[1])
    assert.equal(1000, holes[1001])
    assert.equal(5, holes[1003])
  end)

  it("refuses what is not JSON, with the place", function()
    local bad = {
      [""] = "unexpected end of input at character 1",
      ["{"] = "expected a string key at character 2",
      ["[1 2]"] = "expected ',' or ']' at character 4",
      ['{"a"}'] = "expected ':' at character 5",
      ["01"] = "unexpected text after the value at character 2",
      ["1."] = "invalid number at character 1",
      ['"abc'] = "unterminated string at character 5",
      ['"a\\x"'] = "invalid escape in a string at character 3",
      ['"\\ud800"'] = "invalid unicode surrogate pair at character 2",
      ["nul"] = "invalid value at character 1",
      ["[1]x"] = "unexpected text after the value at character 4",
      ["null"] = "JSON null at top level",
      [" null "] = "JSON null at top level",
      ["NaN"] = "invalid number at character 1",
    }
    for text, message in pairs(bad) do
      local v, err = core.json_decode(text)
      assert.is_nil(v)
      assert.equal(message, err, text)
    end
    local deep = string.rep("[", 129) .. string.rep("]", 129)
    local v, err = core.json_decode(deep)
    assert.is_nil(v)
    assert.equal("too many nested arrays or objects at character 129", err)
    assert.is_table(core.json_decode(string.rep("[", 128) .. string.rep("]", 128)))
  end)

  describe("as deep and wide as allowed", function()
    it("decodes 127 nested objects of 32 members (34 KB) on every interpreter", function()
      local doc = deep_wide(127, 32)
      assert.is_true(#doc > 33000)
      local v = assert(core.json_decode(doc))
      for _, level in ipairs{ 0, 1, 64, 126 } do
        local t = bottom(v, level)
        assert.equal(1, t.a1)
        assert.equal(31, t.a31)
      end
      assert.same({}, bottom(v, 127))
    end)

    it("decodes 127 nested arrays of 200 members", function()
      local v = assert(core.json_decode(deep_wide(127, 200, true)))
      assert.equal(200, #bottom(v, 0, true))
      assert.equal(150, bottom(v, 100, true)[150])
      assert.same({}, bottom(v, 127, true))
    end)

    it("refuses one level more cleanly, as nil and why, however wide", function()
      local v, err = core.json_decode(deep_wide(128, 64))
      assert.is_nil(v)
      assert.matches("^too many nested arrays or objects at character %d+$", err)
    end)

    it("comes decoded through h:request{ decode = \"json\" }, and the handle goes on", function()
      local doc = deep_wide(127, 32)
      local server = assert(socket.bind("127.0.0.1", 0))
      local _, port = server:getsockname()
      server:settimeout(0)
      local h = core.new{}
      local req = { url = "http://127.0.0.1:" .. port .. "/deep", decode = "json" }
      assert.is_true(h:start_many({ req }))
      local conn, deadline = nil, socket.gettime() + 5
      while not conn and socket.gettime() < deadline do
        h:step_many(0.01)
        conn = server:accept()
      end
      conn:settimeout(5)
      repeat local line = assert(conn:receive("*l")) until line == ""
      assert(conn:send("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " .. #doc
                       .. "\r\n\r\n" .. doc))
      local done
      repeat done = h:step_many(0.05) until done or socket.gettime() > deadline
      local results = h:finish_many()
      conn:close()
      server:close()
      assert.equal(31, bottom(results[1].json, 126).a31)
      assert.same({}, bottom(results[1].json, 127))
      assert.is_nil(h:request{ url = "http://127.0.0.1:" .. port .. "/", timeout = 1 }) -- still usable
      h:close()
    end)
  end)

  it("gives what lua-cjson plus the old null/integer pass gave for the API's answers", function()
    local null = cjson.null
    local function old(s)
      local v = assert(cjson.decode(s))
      local function norm(t)
        for k, x in pairs(t) do
          if x == null then t[k] = nil
          elseif type(x) == "table" then norm(x)
          elseif math.tointeger and type(x) == "number" then t[k] = math.tointeger(x) or x end
        end
        return t
      end
      return norm(v)
    end
    local samples = {
      '{"campaign_token":"fd591b971892a49477525a1c1bb5348c","created_date":"2024-03-16T01:05:25","dev_only":false,'
        .. '"messages":[{"body":"Hello!","language":"en","title":"T"}],"targeting":{"segments":["NEW","ENGAGED"]},'
        .. '"trigger":{}}',
      '[{"campaign_token":"a","live":true},{"campaign_token":"b","live":false,"push_time":null}]',
      '{"code":20,"message":"Route not found"}',
      '{"campaign_token":"x","detail":[{"date":"2024-01-01","sent":12,"direct_open":1.5e2,"errors":0}]}',
    }
    for _, s in ipairs(samples) do assert.same(old(s), core.json_decode(s)) end
    assert.same(old(samples[1]), json.decode(samples[1]))
  end)

  describe("h:request{ decode = \"json\" }", function()
    local m, h
    setup(function() m = mock.start() h = core.new{} end)
    teardown(function() h:close() m:stop() end)
    local function req(path)
      return { url = m.url .. "/1.1/" .. m.keys.api_key .. path, headers = { ["X-Authorization"] = m.keys.rest_key },
               decode = "json" }
    end

    it("gives a 2xx JSON body decoded, without body string or headers", function()
      local res = assert(h:request(req("/campaigns/list?limit=2")))
      assert.equal(200, res.status)
      assert.equal(2, #res.json)
      assert.is_string(res.json[1].campaign_token)
      assert.is_nil(res.body)
      assert.is_nil(res.headers)
      assert.is_true(res.bytes > 0)
    end)

    it("leaves other answers as they are", function()
      local res = assert(h:request(req("/campaigns/00000000000000000000000000000000")))
      assert.equal(404, res.status)
      assert.is_nil(res.json)
      assert.matches('"code"', res.body)
      assert.equal("application/json", res.headers["content-type"])
      m:fault{ path = "/campaigns/list", action = "bad_json" }
      res = assert(h:request(req("/campaigns/list")))
      assert.equal(200, res.status)
      assert.is_nil(res.json)
      assert.is_string(res.body)
      assert.has_error(function() h:request{ url = m.url, decode = "xml" } end)
    end)
  end)
end)
