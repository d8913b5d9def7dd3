-- Downloads as a careful tool makes its files (the contract's Downloads section): a temporary file of its
-- own beside the target, created exclusively (never through a symlink), mode 0600 until it is whole, then
-- renamed with the mode a new file gets under the umask; two downloads to one path never mix; rows and
-- records read private temporary files in TMPDIR. Real files, the emulator's exports.
local batch = require "batch"
local mock = require "spec.support.mock"
local interp = require "spec.support.interp"
local file_util = require "spec.support.files"

local function mode_of(path) return file_util.read_cmd("stat -c %a " .. file_util.quote(path) .. " 2>/dev/null") end

describe("download files", function()
  local m, c, dir, export

  setup(function()
    m = mock.start()
    m:exports_config{ pending_after = 0.01, done_after = 0.02, size = 6 * 1024 * 1024 }
    dir = file_util.tmpdir()
    c = batch.new{ api_key = m.keys.api_key, rest_key = m.keys.rest_key, base_url = m.url }
    local token = assert(c.campaigns:list{ limit = 1 })[1].campaign_token
    export = assert(c.exports:wait(assert(c.exports:create{ campaign = token, kind = "events", from = "now",
      to = "now", events = { "push_sent" }, ids = { "install_id" } }), { interval = 0.02 }))
  end)
  teardown(function()
    if c then c:close() end
    m:stop()
    file_util.remove_tree(dir)
  end)

  it("streams into .<name>.<random>.part, mode 0600, then renames it with the umask's mode", function()
    local path = dir .. "/modes.csv"
    local seen = {}
    m:config{ latency = 0.02 }
    local res = assert(c.exports:download(export, path, { on_progress = function()
      for _, t in ipairs(file_util.temp_files_of(path)) do seen[t] = mode_of(dir .. "/" .. t) end
    end }))
    m:config{ latency = 0 }
    local temps = 0
    for name, mode in pairs(seen) do
      temps = temps + 1
      assert.matches("^%.modes%.csv%.%x+%.part$", name)
      assert.equal("600", mode)
    end
    assert.equal(1, temps, "one temporary file, seen while the download ran")
    -- 0666 without the umask's bits, digit by digit (no bit operators on Lua 5.1)
    local want = ""
    for d in file_util.read_cmd("umask"):sub(-3):gmatch("%d") do
      local u = tonumber(d)
      local r = math.floor(u / 4) % 2 == 1 and 0 or 4
      want = want .. (r + (math.floor(u / 2) % 2 == 1 and 0 or 2))
    end
    assert.equal(want, mode_of(path))
    assert.equal(res.bytes, #file_util.read_all(path))
    os.remove(path)
  end)

  it("a symlink planted where 0.1.0 put its .part is left alone, its target untouched", function()
    local path = dir .. "/planted.csv"
    local victim = dir .. "/victim.txt"
    local f = assert(io.open(victim, "wb"))
    f:write("precious")
    f:close()
    os.execute("ln -s " .. file_util.quote(victim) .. " " .. file_util.quote(path .. ".part"))
    assert(c.exports:download(export, path))
    assert.equal("precious", file_util.read_all(victim))
    os.remove(path)
    os.remove(path .. ".part")
    os.remove(victim)
  end)

  it("two downloads to one path at once: both end whole, the file is one of them, never a mix", function()
    local path = dir .. "/twice.csv"
    local build = interp == "luajit" and "luajit" or interp:match("%d+%.%d+")
    local code = ([[
      package.path = "lua/?.lua;lua/?/init.lua;" .. package.path
      package.cpath = "build/%s/?.so;" .. package.cpath
      local c = require("batch").new{ api_key = %q, rest_key = %q, base_url = %q }
      local res, err = c.exports:download(%q, %q)
      print(res and res.bytes or tostring(err))
    ]]):format(build, m.keys.api_key, m.keys.rest_key, m.url, export.id, path)
    local script = dir .. "/twice.lua"
    local f = assert(io.open(script, "wb"))
    f:write(code)
    f:close()
    m:config{ latency = 0.05 }
    local run = "cd " .. file_util.quote(file_util.root) .. " && " .. interp .. " " .. file_util.quote(script)
    local out = file_util.read_cmd("(" .. run .. " & " .. run .. " & wait) 2>&1")
    m:config{ latency = 0 }
    local sizes = {}
    for line in out:gmatch("[^\n]+") do sizes[#sizes + 1] = tonumber(line) or line end
    assert.equal(2, #sizes, out)
    assert.is_number(sizes[1], out)
    assert.equal(sizes[1], sizes[2])
    assert.equal(sizes[1], #file_util.read_all(path))
    assert.same({}, file_util.temp_files_of(path))
    os.remove(path)
  end)

  it("rows reads a private temporary file in TMPDIR, mode 0600, removed at the end", function()
    local tmp = file_util.tmpdir()
    local build = interp == "luajit" and "luajit" or interp:match("%d+%.%d+")
    local code = ([[
      package.path = "lua/?.lua;lua/?/init.lua;" .. package.path
      package.cpath = "build/%s/?.so;" .. package.cpath
      local c = require("batch").new{ api_key = %q, rest_key = %q, base_url = %q }
      local n = 0
      for row in c.exports:rows(%q) do
        n = n + 1
        if n == 1 then
          local p = io.popen("ls -A %s; stat -c %%a %s/lua-batch-*")
          io.write(p:read("*a"))
          p:close()
        end
      end
      print("rows " .. n)
    ]]):format(build, m.keys.api_key, m.keys.rest_key, m.url, export.id, tmp, tmp)
    local script = dir .. "/rows.lua"
    local f = assert(io.open(script, "wb"))
    f:write(code)
    f:close()
    local out = file_util.read_cmd("cd " .. file_util.quote(file_util.root) .. " && TMPDIR=" .. file_util.quote(tmp)
                                   .. " " .. interp .. " " .. file_util.quote(script) .. " 2>&1")
    assert.matches("^lua%-batch%-%x+%.csv\n600\nrows %d+$", out)
    assert.same({}, file_util.list(tmp))
    file_util.remove_tree(tmp)
  end)
end)
