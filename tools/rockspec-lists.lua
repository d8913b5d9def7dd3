-- lua5.4 tools/rockspec-lists.lua: rewrites the three file lists of rockspecs/lua-batch-scm-1.rockspec
-- from the tree (then `sh tools/dist.sh rockspec` copies it to the versioned one):
--
--   build.modules         every lua/batch/**.lua outside lua/batch/cli/ (the library), then batch.core
--   batch.core.sources    every src/*.c
--   build.install.lua     every lua/batch/cli/**.lua (the command line, installed beside bin/batch)
--
-- `sh tools/rock-check.sh lint` fails when a list and the tree differ; this is what fixes it.
local ROCKSPEC = "rockspecs/lua-batch-scm-1.rockspec"

local function lines_of(cmd)
  local out, p = {}, assert(io.popen(cmd))
  for line in p:lines() do out[#out + 1] = line end
  p:close()
  table.sort(out)
  return out
end

-- "lua/batch/files/rows.lua" -> "batch.files.rows"; ".../init.lua" names its folder.
local function module_of(path)
  return (path:gsub("^lua/", ""):gsub("%.lua$", ""):gsub("/init$", ""):gsub("/", "."))
end

local function entries(paths, indent)
  local out = {}
  for _, path in ipairs(paths) do
    out[#out + 1] = ('%s["%s"] = "%s",'):format(indent, module_of(path), path)
  end
  return table.concat(out, "\n")
end

local lua_files = lines_of("find lua/batch -name '*.lua'")
local lib, cli = {}, {}
for _, path in ipairs(lua_files) do
  table.insert(path:find("^lua/batch/cli/") and cli or lib, path)
end
local sources = {}
for _, path in ipairs(lines_of("ls src/*.c")) do sources[#sources + 1] = '        "' .. path .. '",' end

local f = assert(io.open(ROCKSPEC, "rb"))
local text = f:read("a")
f:close()

-- Each list sits between a line that opens it and the line that closes it, at a known indent.
local function replace(pattern_open, pattern_close, body)
  local a, b = text:find(pattern_open)
  assert(a, "rockspec: no " .. pattern_open)
  local c = text:find(pattern_close, b + 1)
  assert(c, "rockspec: no end for " .. pattern_open)
  text = text:sub(1, b) .. "\n" .. body .. "\n" .. text:sub(c)
end

replace("\n  modules = {", "\n    %[\"batch%.core\"%] = {", entries(lib, "    "))
replace("\n      sources = {", "\n      },", table.concat(sources, "\n"))
replace("\n    lua = {", "\n    },", entries(cli, "      "))

f = assert(io.open(ROCKSPEC, "wb"))
f:write(text)
f:close()
print(ROCKSPEC .. ": " .. #lib .. " modules, " .. #sources .. " C sources, " .. #cli .. " command-line modules")
