-- Running bin/batch as a child process in the CLI specs (spec/60-cli_spec.lua, spec/63-* .. 69-*):
-- cli.new(m, dir) --> a runner with the emulator's keys and URL in the environment.
-- cli.world(set)   in a describe block: one emulator, folder and runner for its cases, `set(w)` given them
--   r:run(args [, env [, stdin_path]]) --> { code, out, err }   `args` is shell text; env values of false unset
--   r:tty(args [, env [, quiet]])      --> what a pseudo-terminal showed (script(1)); `quiet` drops stdout
--   r:shell(text [, env])              --> { code, out, err } of a bash script with bin/ on PATH
local busted = require "busted"
local cjson = require "cjson.safe"
local files = require "spec.support.files"
local mock = require "spec.support.mock"

local q, read_all = files.quote, files.read_all

local _M = { root = files.root, bin = files.root .. "/bin/batch" }

-- The lines of s (empty ones dropped).
function _M.lines(s)
  local t = {}
  for l in s:gmatch("[^\n]+") do t[#t + 1] = l end
  return t
end

-- The JSON objects of JSON Lines text (each line must be one).
function _M.json_lines(s)
  local items = {}
  for _, l in ipairs(_M.lines(s)) do
    local v = cjson.decode(l)
    assert(type(v) == "table", "not a JSON object: " .. l)
    items[#items + 1] = v
  end
  return items
end

local Runner = {}
Runner.__index = Runner

function _M.new(m, dir)
  return setmetatable({ dir = dir, env = {
    BATCH_BASE_URL = m.url, BATCH_API_KEY = m.keys.api_key, BATCH_REST_API_KEY = m.keys.rest_key,
    BATCH_PROJECT_KEY = m.keys.project_key,
    -- no config file of the machine's user, no debug or progress settings of the caller
    XDG_CONFIG_HOME = dir .. "/no-config", BATCH_PROFILE = false, BATCH_DEBUG = false, BATCH_PROGRESS = false,
    BATCH_CA_FILE = false, SSL_CERT_FILE = false, CURL_CA_BUNDLE = false,
  } }, Runner)
end

-- Registers in the calling describe block: the emulator and a temporary folder started once, a runner on
-- them, the emulator's state reset before each case, both removed after the last. `set(w)` gets
-- w = { m, dir, r } once they exist (the specs keep them in upvalues); setups after this one see them.
function _M.world(set)
  local w = {}
  busted.setup(function()
    w.m = mock.start()
    w.dir = files.tmpdir()
    w.r = _M.new(w.m, w.dir)
    set(w)
  end)
  busted.teardown(function()
    if w.m then w.m:stop() end
    if w.dir then files.remove_tree(w.dir) end
  end)
  busted.before_each(function() w.m:reset() end)
end

-- "env -u A ... B=b ..." for the runner's environment with `extra` on top.
function Runner:env_prefix(extra)
  local all = {}
  for k, v in pairs(self.env) do all[k] = v end
  for k, v in pairs(extra or {}) do all[k] = v end
  local unset, set = {}, {}
  for k, v in pairs(all) do
    if v == false then unset[#unset + 1] = "-u " .. k else set[#set + 1] = k .. "=" .. q(v) end
  end
  return "env " .. table.concat(unset, " ") .. " " .. table.concat(set, " ")
end

local function result(dir)
  return { code = tonumber(read_all(dir .. "/rc")), out = read_all(dir .. "/out") or "",
           err = read_all(dir .. "/err") or "" }
end

function Runner:run(args, env, stdin)
  local d = self.dir
  os.execute("cd " .. q(_M.root) .. " && " .. self:env_prefix(env) .. " " .. q(_M.bin) .. " " .. args ..
             " >" .. q(d .. "/out") .. " 2>" .. q(d .. "/err") .. " <" .. q(stdin or "/dev/null") ..
             "; echo $? >" .. q(d .. "/rc"))
  return result(d)
end

function Runner:tty(args, env, quiet)
  local inner = "cd " .. q(_M.root) .. " && " .. self:env_prefix(env) .. " " .. q(_M.bin) .. " " .. args ..
                (quiet and " >/dev/null" or "")
  local out = self.dir .. "/tty"
  os.execute("script -qec " .. q(inner) .. " /dev/null >" .. q(out) .. " 2>&1 </dev/null")
  return read_all(out) or ""
end

function Runner:shell(text, env)
  local d = self.dir
  local script = d .. "/script.sh"
  local f = assert(io.open(script, "wb"))
  f:write(text)
  f:close()
  local path = q(_M.root .. "/bin:" .. os.getenv("PATH"))
  os.execute("cd " .. q(d) .. " && " .. self:env_prefix(env) .. " PATH=" .. path .. " bash " .. q(script) ..
             " >" .. q(d .. "/out") .. " 2>" .. q(d .. "/err") .. " </dev/null; echo $? >" .. q(d .. "/rc"))
  return result(d)
end

-- Writes text to a file of the runner's folder; returns its path.
function Runner:file(name, text)
  local path = self.dir .. "/" .. name
  local f = assert(io.open(path, "wb"))
  f:write(text)
  f:close()
  return path
end

return _M
