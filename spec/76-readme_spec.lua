-- README.md runs as it is written. Its ```lua blocks are pieces of one script: they run in order, as one
-- chunk named README.md (an error names the README's line), in one lua5.4 process against the emulator,
-- with mock.env's variables as the environment. The Quick start runs as a newcomer would: its ```sh
-- blocks in bash, in a temporary folder standing for the checkout, its Lua saved as quickstart.lua there,
-- the emulator started and stopped by the README's own commands. A block that must not run is fenced
-- ```text or ```nginx, and no ```sh block is left outside the Quick start. Links to headings and files
-- lead somewhere.
-- The children are lua5.4 with this checkout's build/5.4 whatever runs busted, as in spec/61, so the other
-- interpreters' tasks need not run this file.

local mock = require "spec.support.mock"
local file_util = require "spec.support.files"

local ROOT = mock.root
local q, read_all = file_util.quote, file_util.read_all
local LUA_PATH = ROOT .. "/lua/?.lua;" .. ROOT .. "/lua/?/init.lua;;"
local LUA_CPATH = ROOT .. "/build/5.4/?.so;;"

local function lines_of(text)
  local lines = {}
  for line in (text .. "\n"):gmatch("([^\n]*)\n") do lines[#lines + 1] = line end
  if lines[#lines] == "" then lines[#lines] = nil end
  return lines
end

-- The fenced blocks: { lang, first = line of the opening fence, last = line of the closing one,
-- code = { line, ... }, section = the "## " heading above }.
local function blocks_of(lines)
  local blocks, section, open = {}, nil, nil
  for n, line in ipairs(lines) do
    if open then
      if line:match("^```%s*$") then
        open.last = n
        blocks[#blocks + 1] = open
        open = nil
      else
        open.code[#open.code + 1] = line
      end
    else
      local lang = line:match("^```([%w_+-]*)%s*$")
      if lang then
        open = { lang = lang, first = n, code = {}, section = section }
      elseif line:match("^## ") then
        section = line:sub(4)
      end
    end
  end
  assert(not open, "README.md: the fence opened at line " .. tostring(open and open.first) .. " is never closed")
  return blocks
end

-- The GitHub anchor of a heading: lower case, punctuation dropped (but - and _), spaces as "-".
local function anchor_of(heading)
  return (heading:lower():gsub("[^%w%- _]", ""):gsub(" ", "-"))
end

-- Writes text to path.
local function write(path, text)
  local f = assert(io.open(path, "wb"))
  f:write(text)
  f:close()
end

-- Runs a shell command in dir with exactly the variables of env (and PATH); returns { code, out, err }.
local function run_in(dir, env, command)
  local parts = { "env", "-i", "PATH=" .. q(os.getenv("PATH")) }
  for k, v in pairs(env) do parts[#parts + 1] = k .. "=" .. q(v) end
  local out, err, rc = dir .. "/.out", dir .. "/.err", dir .. "/.rc"
  os.execute("cd " .. q(dir) .. " && " .. table.concat(parts, " ") .. " " .. command .. " >" .. q(out)
             .. " 2>" .. q(err) .. " </dev/null; echo $? >" .. q(rc))
  return { code = tonumber(read_all(rc)), out = read_all(out) or "", err = read_all(err) or "" }
end

describe("README.md", function()
  local lines = lines_of(assert(read_all(ROOT .. "/README.md")))
  local blocks = blocks_of(lines)
  local dirs = {}

  local function tmpdir()
    local dir = file_util.tmpdir()
    dirs[#dirs + 1] = dir
    return dir
  end

  teardown(function()
    for _, dir in ipairs(dirs) do
      -- the Quick start's emulator, should a run have stopped before its own `stop`
      os.execute("TMPDIR=" .. q(dir) .. " " .. q(mock.bin) .. " stop >/dev/null 2>&1")
      file_util.remove_tree(dir)
    end
  end)

  it("has its lua blocks, and sh blocks only in the Quick start", function()
    local lua = 0
    for _, b in ipairs(blocks) do
      if b.lang == "lua" then lua = lua + 1 end
      if b.lang == "sh" then
        assert.equal("Quick start", b.section, "a ```sh block at line " .. b.first .. " outside the Quick start")
      end
      local known = b.lang == "lua" or b.lang == "sh" or b.lang == "text" or b.lang == "nginx"
      assert.is_true(known, ("line %d: fence it lua, sh (Quick start), text or nginx, not '%s'"):format(
        b.first, b.lang))
    end
    assert.is_true(lua >= 20, "expected a worked example per API, found " .. lua .. " lua blocks")
  end)

  it("runs every lua block, in order, as one script against the emulator", function()
    local m = mock.start()
    local ok, why = pcall(function()
      local dir = tmpdir()
      -- The script keeps each block at its line of the README; the closing fence of each block becomes a
      -- line that reports it ran to its end.
      local script = {}
      for n = 1, #lines do script[n] = "" end
      local ends = {}
      for _, b in ipairs(blocks) do
        if b.lang == "lua" then
          for i, line in ipairs(b.code) do script[b.first + i] = line end
          script[b.last] = ("io.stdout:write('\\n[README block %d ran]\\n')"):format(b.last)
          ends[#ends + 1] = b.last
        end
      end
      write(dir .. "/readme.lua", table.concat(script, "\n") .. "\n")
      write(dir .. "/run.lua", "local f = assert(io.open(arg[1], 'rb'))\nlocal src = f:read('a')\nf:close()\n"
                               .. "assert(load(src, '@README.md'))()\n")
      local env = { LUA_PATH = LUA_PATH, LUA_CPATH = LUA_CPATH, TMPDIR = dir }
      for k, v in pairs(m.env) do env[k] = v end
      local r = run_in(dir, env, "timeout 300 lua5.4 run.lua readme.lua")
      assert.equal(0, r.code, r.err)
      local at = 1
      for _, last in ipairs(ends) do
        local s, e = r.out:find("[README block " .. last .. " ran]", at, true)
        assert.is_number(s, "the block ending at line " .. last .. " did not run to its end:\n" .. r.err)
        at = e + 1
      end
      assert.truthy(r.out:find("INVALID_ARGUMENT\tfalse", 1, true))     -- Conventions: nothing was sent
      assert.truthy(r.out:find("SUCCESS_WITH_PARTIAL_ERRORS", 1, true))  -- profiles: a result, not an error
      assert.truthy(r.out:find("\ndone\n", 1, true))                     -- batch.poll's GDPR request
      assert.truthy(r.out:find("Canned", 1, true))                       -- the function transport
      -- what the examples wrote is what they say, and no temporary file is left beside it
      assert.matches("^install_id;custom_id;event_type\n", read_all(dir .. "/events.csv"))
      assert.same({}, file_util.temp_files_of(dir .. "/events.csv"))
      assert.same({}, file_util.temp_files_of(dir .. "/partial.csv"))
      assert.equal(1, #file_util.list(dir .. "/exports", "^export_%w+%-part1%.json$"))
      -- and the emulator holds what the writes sent
      local apps = m:state().apps.ios
      assert.equal("free", apps.custom_data["john.doe"].values.plan)
      assert.is_table(apps.events["john.doe"])
    end)
    m:stop()
    assert(ok, why)
  end)

  it("Quick start: its sh blocks and its Lua run verbatim in a fresh folder", function()
    local dir = tmpdir()
    local sh, lua = {}, {}
    for _, b in ipairs(blocks) do
      if b.section == "Quick start" and b.lang == "sh" then sh[#sh + 1] = table.concat(b.code, "\n") end
      if b.section == "Quick start" and b.lang == "lua" then lua[#lua + 1] = table.concat(b.code, "\n") end
    end
    assert.is_true(#sh >= 2 and #lua >= 1, "the Quick start has no sh or lua blocks")
    -- the folder stands for the checkout (bin/ is this one's); LUA_PATH and LUA_CPATH for the install
    os.execute("ln -s " .. q(ROOT .. "/bin") .. " " .. q(dir .. "/bin"))
    write(dir .. "/quickstart.lua", table.concat(lua, "\n") .. "\n")
    write(dir .. "/quickstart.sh", "set -e\ntrap 'bin/batch-mock stop >/dev/null 2>&1 || true' EXIT\n"
                                   .. table.concat(sh, "\n") .. "\n")
    local env = { LUA_PATH = LUA_PATH, LUA_CPATH = LUA_CPATH, TMPDIR = dir, HOME = dir }
    local r = run_in(dir, env, "timeout 120 bash quickstart.sh")
    assert.equal(0, r.code, r.out .. r.err)
    assert.matches("^http://127%.0%.0%.1:%d+\n", r.out)                  -- start --background's URL
    assert.truthy(r.out:find("nil\tROUTE_NOT_FOUND\t404\t20\n", 1, true))
    assert.matches("\n%d+ Android campaigns\n", r.out)
    -- stopped by the README's own `bin/batch-mock stop`
    local status = run_in(dir, env, "bin/batch-mock status")
    assert.equal(3, status.code, status.out .. status.err)
  end)

  it("links to its own headings and to files that exist", function()
    local anchors, seen = {}, {}
    for _, b in ipairs(blocks) do
      for n = b.first, b.last do seen[n] = true end
    end
    for n, line in ipairs(lines) do
      local heading = not seen[n] and line:match("^#+ (.+)$")
      if heading then anchors[anchor_of(heading)] = true end
    end
    local checked = 0
    for n, line in ipairs(lines) do
      if not seen[n] then
        for target in line:gmatch("%]%(([^)%s]+)%)") do
          checked = checked + 1
          if target:sub(1, 1) == "#" then
            assert.is_true(anchors[target:sub(2)] == true, "line " .. n .. ": no heading for " .. target)
          elseif not target:match("^%a+:") then
            local path = target:gsub("#.*$", "")
            assert.is_true(file_util.exists(ROOT .. "/" .. path), "line " .. n .. ": no file " .. path)
          end
        end
      end
    end
    assert.is_true(checked > 20, "expected the table of contents' links")
  end)
end)
