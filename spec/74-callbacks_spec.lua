-- The caller's callbacks (on_progress, on_poll, on_event) that raise or yield (the contract's Callbacks
-- section): the transfer or wait is aborted, partial files are removed, the client stays usable, and
-- the error is raised again to the caller. Against the emulator, under every interpreter.
local batch = require "batch"
local mock = require "spec.support.mock"
local file_util = require "spec.support.files"

describe("callbacks that raise or yield", function()
  local m, c, dir, export, view

  setup(function()
    m = mock.start()
    m:exports_config{ pending_after = 0.01, done_after = 0.02, size = 4 * 1024 * 1024, parts = 3 }
    dir = file_util.tmpdir()
    c = batch.new{ api_key = m.keys.api_key, rest_key = m.keys.rest_key, project_key = m.keys.project_key,
                   base_url = m.url }
    local token = assert(c.campaigns:list{ limit = 1 })[1].campaign_token
    export = assert(c.exports:wait(assert(c.exports:create{ campaign = token, kind = "events", from = "now",
      to = "now", events = { "push_sent" }, ids = { "install_id" } }), { interval = 0.02 }))
    local started = assert(c.profiles:export{ export_type = "ATTRIBUTES", identifiers = { "custom_id" } })
    view = assert(c.project_exports:wait(started.id, { interval = 0.02 }))
  end)
  teardown(function()
    if c then c:close() end
    m:stop()
    file_util.remove_tree(dir)
  end)

  -- The client still works: a plain call and a download after the failure.
  local function still_usable()
    assert(c.campaigns:list{ limit = 1 })
    local path = dir .. "/after.csv"
    assert(c.exports:download(export, path))
    os.remove(path)
  end

  local function raising() error("boom from the callback") end
  local function yielding() coroutine.yield("where to?") end

  it("on_progress raising in a download: raised again, no file and no temporary file, client usable", function()
    m:config{ latency = 0.05 }
    local path = dir .. "/raise.csv"
    local ok, why = pcall(c.exports.download, c.exports, export, path, { on_progress = raising })
    m:config{ latency = 0 }
    assert.is_false(ok)
    assert.matches("boom from the callback", tostring(why))
    assert.is_false(file_util.exists(path))
    assert.same({}, file_util.temp_files_of(path))
    still_usable()
  end)

  it("on_progress yielding (inside a coroutine): an error, the transfer aborted, client usable", function()
    local path = dir .. "/yield.csv"
    local co = coroutine.create(function()
      return c.exports:download(export, path, { on_progress = yielding })
    end)
    local ok, why = coroutine.resume(co)
    assert.is_false(ok)
    assert.matches("on_progress must not yield", tostring(why))
    assert.is_false(file_util.exists(path))
    assert.same({}, file_util.temp_files_of(path))
    still_usable()
  end)

  it("on_progress raising while 2.x parts download in parallel: no part left, client usable", function()
    local d = dir .. "/parts"
    os.execute("mkdir -p " .. file_util.quote(d))
    local ok, why = pcall(c.project_exports.download, c.project_exports, view, d, { on_progress = raising })
    assert.is_false(ok)
    assert.matches("boom from the callback", tostring(why))
    assert.same({}, file_util.list(d))
    still_usable()
  end)

  it("on_progress raising in rows: raised again, the private temporary CSV removed", function()
    -- in a child with a TMPDIR of its own: /tmp is shared with whatever else runs on the machine
    local interp = require "spec.support.interp"
    local tmp = file_util.tmpdir()
    local build = interp == "luajit" and "luajit" or interp:match("%d+%.%d+")
    local code = ([[
      package.path = "lua/?.lua;lua/?/init.lua;" .. package.path
      package.cpath = "build/%s/?.so;" .. package.cpath
      local c = require("batch").new{ api_key = %q, rest_key = %q, base_url = %q }
      local ok, why = pcall(function()
        for _ in c.exports:rows(%q, { on_progress = function() error("boom from the callback") end }) do end
      end)
      collectgarbage() collectgarbage()
      print(ok, why)
      assert(c.campaigns:list{ limit = 1 })
      print("usable")
    ]]):format(build, m.keys.api_key, m.keys.rest_key, m.url, export.id)
    local script = tmp .. "/../rows-raise-" .. build .. ".lua"
    local f = assert(io.open(script, "wb"))
    f:write(code)
    f:close()
    local out = file_util.read_cmd("cd " .. file_util.quote(file_util.root) .. " && TMPDIR=" .. file_util.quote(tmp)
                                   .. " " .. interp .. " " .. file_util.quote(script) .. " 2>&1")
    os.remove(script)
    assert.matches("^false\t[^\n]*boom from the callback\nusable$", out)
    assert.same({}, file_util.list(tmp))
    file_util.remove_tree(tmp)
  end)

  it("on_poll raising ends the wait with that error; the client stays usable", function()
    local started = assert(c.profiles:export{ export_type = "ATTRIBUTES", identifiers = { "custom_id" } })
    m:exports_config{ pending_after = 5, done_after = 10 }
    local ok, why = pcall(c.project_exports.wait, c.project_exports, started.id, { interval = 0.01, on_poll = raising })
    m:exports_config{ pending_after = 0.01, done_after = 0.02 }
    assert.is_false(ok)
    assert.matches("boom from the callback", tostring(why))
    still_usable()
  end)

  it("on_event raising during a call is raised again; the next call works", function()
    local noisy = batch.new{ api_key = m.keys.api_key, rest_key = m.keys.rest_key, base_url = m.url,
                             on_event = raising }
    local ok, why = pcall(noisy.campaigns.list, noisy.campaigns, { limit = 1 })
    assert.is_false(ok)
    assert.matches("boom from the callback", tostring(why))
    local quiet = batch.new{ api_key = m.keys.api_key, rest_key = m.keys.rest_key, base_url = m.url }
    assert(quiet.campaigns:list{ limit = 1 })
    noisy:close()
    quiet:close()
  end)
end)
