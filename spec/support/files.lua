-- File helpers the specs share.
local _M = {}

-- Whether a file (or directory) can be opened at path.
function _M.exists(path)
  local f = io.open(path, "rb")
  if f then f:close() return true end
  return false
end

-- The whole content of the file at path, or nil when it cannot be opened.
function _M.read_all(path)
  local f = io.open(path, "rb")
  if not f then return nil end
  local s = f:read("*a")
  f:close()
  return s
end

-- s quoted for a POSIX shell.
function _M.quote(s)
  return "'" .. tostring(s):gsub("'", "'\\''") .. "'"
end

-- The output of a shell command, trailing white space removed.
function _M.read_cmd(cmd)
  local p = assert(io.popen(cmd))
  local out = p:read("*a")
  p:close()
  return (out:gsub("%s+$", ""))
end

-- A new, empty temporary directory.
function _M.tmpdir()
  local dir = _M.read_cmd('mktemp -d "${TMPDIR:-/tmp}/lua-batch-spec.XXXXXX"')
  assert(dir ~= "", "mktemp -d failed")
  return dir
end

-- Removes dir and everything in it.
function _M.remove_tree(dir)
  os.execute("rm -rf " .. _M.quote(dir))
end

-- The repository root, found from this file's own path (specs may run from anywhere).
local function repo_root()
  local src = debug.getinfo(1, "S").source
  src = src:sub(1, 1) == "@" and src:sub(2) or src
  local dir = src:match("^(.*)/spec/support/[^/]*$")
  if not dir and src:match("^spec/support/") then dir = "." end
  return _M.read_cmd("cd " .. _M.quote(dir or ".") .. " && pwd")
end
_M.root = repo_root()

return _M
