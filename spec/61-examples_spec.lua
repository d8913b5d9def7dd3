-- Every example script runs against the emulator as a subprocess, with the emulator's environment, and
-- does what its header says; `make demo` (examples/demo.sh) runs end to end with its own emulator.
-- The command under test is a Lua 5.4 subprocess whatever runs busted, so the matrix tasks for the
-- other interpreters leave this file out (.busted).

local mock = require "spec.support.mock"
local file_util = require "spec.support.files"
local read_all = file_util.read_all

local ROOT = mock.root

local function q(s)
  return "'" .. tostring(s):gsub("'", "'\\''") .. "'"
end

describe("examples/", function()
  local m, dir, env

  -- run(command [, env overrides]) --> { code, out, err }, the command run from the repository root.
  local function run(command, extra)
    local parts = { "env" }
    for k, v in pairs(env) do
      local x = extra and extra[k]
      if x == nil then x = v end
      parts[#parts + 1] = k .. "=" .. q(x)
    end
    local out, err, rc = dir .. "/out", dir .. "/err", dir .. "/rc"
    os.execute("cd " .. q(ROOT) .. " && " .. table.concat(parts, " ") .. " " .. command .. " >" .. q(out) ..
               " 2>" .. q(err) .. " </dev/null; echo $? >" .. q(rc))
    return { code = tonumber(read_all(rc)), out = read_all(out) or "", err = read_all(err) or "" }
  end

  setup(function()
    m = mock.start()
    dir = file_util.tmpdir()
    -- The examples use the modules of this checkout (lua/ and the Lua 5.4 build of the C core).
    env = {
      BATCH_BASE_URL = m.url, BATCH_API_KEY = m.keys.api_key, BATCH_REST_API_KEY = m.keys.rest_key,
      BATCH_PROJECT_KEY = m.keys.project_key,
      LUA_PATH = ROOT .. "/lua/?.lua;" .. ROOT .. "/lua/?/init.lua;;",
      LUA_CPATH = ROOT .. "/build/5.4/?.so;;",
    }
  end)
  teardown(function()
    m:stop()
    file_util.remove_tree(dir)
  end)
  before_each(function()
    m:reset()
    m:exports_config{ pending_after = 0.05, running_after = 0.1, done_after = 0.2, rows = 40, parts = 2 }
  end)

  it("campaigns.lua prints a push campaign with its stats and an in-app campaign", function()
    local r = run("lua5.4 examples/campaigns.lua")
    assert.equal(0, r.code, r.err)
    assert.matches("Push campaign %x+: ", r.out)
    assert.matches("In%-app campaign %x+: ", r.out)
    assert.matches("sent %d+, open rate [%d.]+%%", r.out)
  end)

  it("export_csv.lua creates a 1.0 export, waits, downloads it and prints its first rows", function()
    local path = dir .. "/events.csv"
    local r = run("lua5.4 examples/export_csv.lua " .. q(path))
    assert.equal(0, r.code, r.err)
    assert.matches("export [%x-]+ of campaign %x+: CREATED", r.out)
    assert.matches("export [%x-]+: SUCCESS", r.out)
    assert.truthy(r.out:find("8c4e1d2a-5b1e-4c7d-9a3f-000000000001  user-0000000001  push_sent", 1, true))
    assert.truthy(r.out:find("40 rows, %d+ bytes in " .. path:gsub("%p", "%%%0")))
    assert.matches("poll 1 after", r.err)
    local csv = read_all(path)
    assert.matches("^install_id;custom_id;event_type\n", csv)
    assert.same({}, file_util.temp_files_of(path))
  end)

  it("export_csv.lua takes a campaign token", function()
    local token = "0123456789abcdef0123456789abcdef"
    local r = run("lua5.4 examples/export_csv.lua " .. q(dir .. "/x.csv") .. " " .. token)
    assert.equal(1, r.code)
    assert.matches("^creating the export: ROUTE_NOT_FOUND", r.err)
  end)

  it("profile_export.lua exports profiles, waits, saves the parts and reads the records", function()
    local parts = dir .. "/parts"
    local r = run("lua5.4 examples/profile_export.lua " .. q(parts))
    assert.equal(0, r.code, r.err)
    local id = r.out:match("export (export_%w+) started")
    assert.is_string(id)
    assert.matches("export " .. id .. ": SUCCESS, 2 file%(s%), %d+ bytes", r.out)
    assert.matches("part 2: ", r.out)
    assert.truthy(r.out:find('"custom_id":"user-0000000001"', 1, true))
    assert.matches("\n40 records\n$", r.out)
    assert.is_string(read_all(parts .. "/" .. id .. "-part1.json"))
  end)

  it("an example with a refused key exits 1 with the error on stderr, no key in it", function()
    for _, script in ipairs{ "campaigns.lua", "export_csv.lua " .. q(dir .. "/no.csv"), "profile_export.lua" } do
      local r = run("lua5.4 examples/" .. script, { BATCH_REST_API_KEY = "0000refused0000" })
      assert.equal(1, r.code, script)
      assert.matches("AUTHENTICATION_INVALID", r.err, script)
      assert.is_nil(r.err:find("0000refused0000", 1, true))
      assert.is_nil(r.err:find(m.keys.api_key, 1, true))
    end
  end)

  it("demo.sh (make demo) drives the command line end to end with its own emulator", function()
    local r = run("sh examples/demo.sh")
    assert.equal(0, r.code, r.err)
    assert.truthy(r.out:find('"campaign_token": "', 1, true))        -- campaign get --pretty
    assert.truthy(r.out:find('"status": "SUCCESS"', 1, true))        -- export wait --pretty
    assert.matches('{"bytes":%d+,"path":"[^"]+/export%.csv"}', r.out) -- export download
    assert.truthy(r.out:find("install_id,custom_id,event_type\n", 1, true))  -- export rows --csv (LF ends)
    assert.truthy(r.out:find("user-0000000005", 1, true))
    assert.truthy(r.out:find("exit status 1", 1, true))
    assert.matches("batch: ROUTE_NOT_FOUND: ", r.err)
    assert.matches("\n%$ batch export wait ", r.err)
  end)
end)
