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

-- The temporary files a download to path may leave beside it: "<path>.part" (0.1.0) and
-- ".<name>.<random>.part". Returns their names (an empty table when there is none).
function _M.temp_files_of(path)
  local dir, name = path:match("^(.*)/([^/]*)$")
  local p = assert(io.popen("ls -A " .. _M.quote(dir) .. " 2>/dev/null"))
  local found = {}
  for entry in p:lines() do
    if entry == name .. ".part" or (entry:sub(1, #name + 2) == "." .. name .. "." and entry:match("%.part$")) then
      found[#found + 1] = entry
    end
  end
  p:close()
  return found
end

-- The names of the entries of dir matching a Lua pattern, sorted.
function _M.list(dir, pattern)
  local p = assert(io.popen("ls -A " .. _M.quote(dir) .. " 2>/dev/null"))
  local out = {}
  for entry in p:lines() do
    if not pattern or entry:match(pattern) then out[#out + 1] = entry end
  end
  p:close()
  table.sort(out)
  return out
end

-- The pid of this process ($PPID of the shell io.popen runs).
function _M.own_pid()
  return _M.read_cmd("echo $PPID")
end

-- How many file descriptors this process holds (its sockets and files among them).
function _M.open_fds()
  local p = assert(io.popen("ls /proc/" .. _M.own_pid() .. "/fd"))
  local n = 0
  for _ in p:lines() do n = n + 1 end
  p:close()
  return n
end

return _M
