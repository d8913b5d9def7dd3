-- The route table (lua/batch/routes/) against what must exist for each route: the emulator serves it
-- (GET /_mock/routes), a wire spec calls it (a case of spec/support/wire_cases.lua, which spec/91 and
-- spec/92 run), the method it backs exists on a client and is in the API reference (docs/api.lua).
local batch = require "batch"
local routes = require "batch.routes"
local mock = require "spec.support.mock"
local file_util = require "spec.support.files"

-- "/1.1/{api_key}/custom-audience/{name}" -> "/1.1/{}/custom-audience/{}": placeholders are compared
-- by place, not by name; a query is left out.
local function shape(path)
  return (path:gsub("%?.*$", ""):gsub("{[%w_]+}", "{}"))
end

-- "custom_audiences:update" -> owner "CustomAudiences", method "update".
local function owner_of(lua)
  local field, method = lua:match("^([%w_]+):([%w_]+)$")
  local owner = field:gsub("^%l", string.upper):gsub("_(%l)", function(c) return c:upper() end)
  return field, owner, method
end

describe("the route table", function()
  local m, served

  setup(function()
    m = mock.start()
    local status, list = m:control("GET", "/_mock/routes")
    assert.equal(200, status)
    served = {}
    for _, r in ipairs(list) do served[r.method .. " " .. shape(r.path)] = true end
  end)
  teardown(function() m:stop() end)

  it("declares every route once, with its documentation page", function()
    assert.is_true(#routes.list >= 59)
    for _, r in ipairs(routes.describe()) do
      assert.matches("^https://", r.doc, 1, false)
      assert.matches("^§%d", r.section)
    end
  end)

  it("has an emulator handler for every route", function()
    local missing = {}
    for _, r in ipairs(routes.describe()) do
      local key = r.method .. " " .. shape(r.path)
      if not served[key] then missing[#missing + 1] = r.name .. " (" .. key .. ")" end
    end
    assert.same({}, missing)
  end)

  it("has a wire spec for every route (a case of spec/support/wire_cases.lua, of the route's family)", function()
    local cases = require("spec.support.wire_cases").cases
    local missing = {}
    for _, r in ipairs(routes.list) do
      local case = cases[r.name]
      local family = r.family == "2" and "2" or "1"
      if not case then
        missing[#missing + 1] = r.name
      elseif case.family ~= family then
        missing[#missing + 1] = r.name .. " (the case is of family " .. tostring(case.family) .. ")"
      end
    end
    assert.same({}, missing)
  end)

  it("backs a public method of the client for every route, documented in docs/api.lua", function()
    local client = batch.new{ api_key = "K", rest_key = "R", project_key = "P", base_url = "http://127.0.0.1:1" }
    local docs = file_util.read_all(mock.root .. "/docs/api.lua")
    local missing = {}
    for _, r in ipairs(routes.list) do
      local field, owner, method = owner_of(r.lua)
      local obj = field == "client" and client or client[field]
      if type(obj) ~= "table" or type(obj[method]) ~= "function" then
        missing[#missing + 1] = r.lua .. " (no such method)"
      elseif not docs:find("\nfunction " .. owner .. ":" .. method .. "(", 1, true) then
        missing[#missing + 1] = r.lua .. " (not in docs/api.lua as " .. owner .. ":" .. method .. ")"
      end
    end
    client:close()
    assert.same({}, missing)
  end)
end)
