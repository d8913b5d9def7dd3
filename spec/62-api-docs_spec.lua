-- The API reference (docs/api.lua, LDoc stubs) against the real objects: every documented function
-- exists, every public method is documented with an example, and LDoc builds it.
local batch = require "batch"
local mock = require "spec.support.mock"
local file_util = require "spec.support.files"
local read_all = file_util.read_all

local ROOT = mock.root

-- Doc blocks of docs/api.lua: { owner = "Campaigns", name = "get", text = "--- ...\n-- @usage ..." }.
local function documented()
  local blocks, comment = {}, {}
  for line in (read_all(ROOT .. "/docs/api.lua") .. "\n"):gmatch("([^\n]*)\n") do
    if line:match("^%-%-") then
      comment[#comment + 1] = line
    else
      local owner, name = line:match("^function ([%w_]+)[:.]([%w_]+)%(")
      if owner then blocks[#blocks + 1] = { owner = owner, name = name, text = table.concat(comment, "\n") } end
      comment = {}
    end
  end
  return blocks
end

-- Public methods reachable through an object's metatable (not its own fields, not metamethods).
local function methods(obj)
  local out = {}
  local mt = getmetatable(obj)
  local index = mt and mt.__index
  if type(index) == "table" then
    for k, v in pairs(index) do
      if type(v) == "function" and not k:match("^_") then out[k] = true end
    end
  end
  return out
end

describe("docs/api.lua", function()
  local client, objects

  setup(function()
    client = batch.new{ api_key = "K", rest_key = "R", project_key = "P", base_url = "http://127.0.0.1:1" }
    objects = {
      batch = batch, Client = client, Campaigns = client.campaigns, InappCampaigns = client.inapp_campaigns,
      Exports = client.exports, Profiles = client.profiles, ProjectExports = client.project_exports,
    }
  end)
  teardown(function() client:close() end)

  it("documents only functions that exist", function()
    local blocks = documented()
    assert.is_true(#blocks > 30)
    for _, b in ipairs(blocks) do
      local obj = objects[b.owner]
      assert.is_table(obj, "unknown owner " .. b.owner)
      assert.is_function(obj[b.name], b.owner .. ":" .. b.name .. " is documented but does not exist")
    end
  end)

  it("documents every public function, each with an example", function()
    local doc = {}
    for _, b in ipairs(documented()) do doc[b.owner .. "." .. b.name] = b end
    local missing = {}
    local function need(owner, name)
      local b = doc[owner .. "." .. name]
      if not b then missing[#missing + 1] = owner .. ":" .. name .. " (not documented)" return end
      if not b.text:find("@usage", 1, true) then missing[#missing + 1] = owner .. ":" .. name .. " (no @usage)" end
      if owner ~= "batch" and owner ~= "Client" and not b.text:find("@errors", 1, true) then
        missing[#missing + 1] = owner .. ":" .. name .. " (no @errors)"
      end
    end
    for name, v in pairs(batch) do
      if type(v) == "function" then need("batch", name) end
    end
    for owner, obj in pairs(objects) do
      if owner ~= "batch" then
        for name in pairs(methods(obj)) do
          -- Client.new is the constructor behind batch.new, not a method of a client.
          if not (owner == "Client" and name == "new") then need(owner, name) end
        end
      end
    end
    table.sort(missing)
    assert.same({}, missing)
  end)

  it("make docs (LDoc) builds the reference with every documented function", function()
    local ok = os.execute("command -v ldoc >/dev/null 2>&1")
    assert.is_true(ok == true or ok == 0, "ldoc is not installed (make deps installs lua-ldoc and lua-discount)")
    local dir = os.tmpname()
    os.remove(dir)
    local log = dir .. ".log"
    local status = os.execute("cd '" .. ROOT .. "' && ldoc -d '" .. dir .. "' . >'" .. log .. "' 2>&1")
    local out = read_all(log)
    os.remove(log)
    local html = io.open(dir .. "/index.html", "rb")
    local text = html and html:read("*a") or ""
    if html then html:close() end
    os.execute("rm -rf '" .. dir .. "'")
    assert.is_true(status == true or status == 0, out)
    assert.is_nil(out:find("warning", 1, true), out)
    for _, b in ipairs(documented()) do
      local anchor = b.owner == "batch" and b.name or (b.owner .. ":" .. b.name)
      assert.truthy(text:find('name = "' .. anchor .. '"', 1, true), anchor)
    end
  end)
end)
