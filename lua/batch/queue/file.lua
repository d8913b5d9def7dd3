-- The files of the spool: folders made 0700, files made 0600 and appended so that each write has
-- reached the kernel when it returns (a killed process loses nothing written), fsync on demand. With
-- LuaJIT's FFI on Linux (nginx, luajit) these are the system calls; on the other Lua versions the
-- folder, the mode and the fsync go through the shell (mkdir -m 700, umask 077, coreutils' `sync FILE`)
-- and writes through an unbuffered stdio stream.
--   open(path) -> f | nil, message;  f:write(s) -> true | nil, message;  f:sync() -> true | nil, message
--   f:close();  mkdir(dir) -> true | nil, message;  list(dir) -> { names };  read(path) -> text | nil
--   identity(pid) -> pid, start time of process pid ("self": this one) | nil
local io_open, io_popen, execute, remove, rename = io.open, io.popen, os.execute, os.remove, os.rename
local setmetatable, tostring, tonumber, gsub, match, gmatch = setmetatable, tostring, tonumber, string.gsub,
  string.match, string.gmatch

local _M = { remove = remove, rename = rename }

local function quote(s) return "'" .. gsub(s, "'", "'\\''") .. "'" end

-- os.execute's success on Lua 5.1 (a number) and 5.2+ (true or nil).
local function ran(r) return r == true or r == 0 end

local ffi
do
  local ok, mod = pcall(require, "ffi")
  if ok and mod.os == "Linux" and (mod.arch == "x64" or mod.arch == "arm64") then
    ffi = mod
    ffi.cdef [[
      int open(const char *path, int flags, int mode);
      long write(int fd, const void *buf, unsigned long n);
      int fsync(int fd);
      int close(int fd);
      int mkdir(const char *path, int mode);
      char *strerror(int errnum);
    ]]
  end
end

local EINTR, EEXIST = 4, 17
-- open(2) flags of Linux: O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW (whose value differs on arm64)
local FLAGS = 0x1 + 0x40 + 0x400 + 0x80000 + ((ffi and ffi.arch == "arm64") and 0x8000 or 0x20000)

local function os_error(what, path)
  return what .. " " .. path .. ": " .. ffi.string(ffi.C.strerror(ffi.errno()))
end

------------------------------------------------------------------------------------------------------
-- Appended files
------------------------------------------------------------------------------------------------------
local Fd = {}
Fd.__index = Fd

function Fd:write(s)
  local C, n, off = ffi.C, #s, 0
  local buf = ffi.cast("const char *", s)
  while off < n do
    local w = tonumber(C.write(self.fd, buf + off, n - off))
    if w < 0 then
      if ffi.errno() ~= EINTR then return nil, os_error("cannot write", self.path) end
    else
      off = off + w
    end
  end
  return true
end

function Fd:sync()
  if ffi.C.fsync(self.fd) ~= 0 then return nil, os_error("cannot fsync", self.path) end
  return true
end

function Fd:close()
  if self.fd >= 0 then ffi.C.close(self.fd) end
  self.fd = -1
end

local Stream = {}
Stream.__index = Stream

function Stream:write(s)
  local ok, err = self.f:write(s)
  if not ok then return nil, "cannot write " .. self.path .. ": " .. tostring(err) end
  return true
end

function Stream:sync()
  if ran(execute("sync " .. quote(self.path) .. " 2>/dev/null")) then return true end
  return nil, "cannot fsync " .. self.path
end

function Stream:close()
  if self.f then self.f:close() end
  self.f = nil
end

function _M.open(path)
  if ffi then
    local fd = ffi.C.open(path, FLAGS, tonumber("600", 8))
    if fd < 0 then return nil, os_error("cannot open", path) end
    return setmetatable({ fd = fd, path = path }, Fd)
  end
  -- the mode comes from the umask of the shell that creates it; the stream writes through at once
  if not ran(execute("umask 077 && : >> " .. quote(path) .. " 2>/dev/null")) then
    return nil, "cannot create " .. path
  end
  local f, err = io_open(path, "ab")
  if not f then return nil, "cannot open " .. path .. ": " .. tostring(err) end
  f:setvbuf("no")
  return setmetatable({ f = f, path = path }, Stream)
end

------------------------------------------------------------------------------------------------------
-- Folders and reading
------------------------------------------------------------------------------------------------------

function _M.mkdir(dir)
  if ffi then
    if ffi.C.mkdir(dir, tonumber("700", 8)) == 0 or ffi.errno() == EEXIST then return true end
    return nil, os_error("cannot create the folder", dir)
  end
  if ran(execute("mkdir -p -m 700 " .. quote(dir) .. " 2>/dev/null")) then return true end
  return nil, "cannot create the folder " .. dir
end

function _M.list(dir)
  local p = io_popen("ls -1A " .. quote(dir) .. " 2>/dev/null")
  local names = {}
  if p then
    for name in gmatch(p:read("*a"), "[^\n]+") do names[#names + 1] = name end
    p:close()
  end
  return names
end

function _M.read(path)
  local f = io_open(path, "rb")
  if not f then return nil end
  local s = f:read("*a")
  f:close()
  return s
end

------------------------------------------------------------------------------------------------------
-- Processes (Linux /proc): whose spool files are those of a live process
------------------------------------------------------------------------------------------------------

-- The pid and start time (clock ticks since boot, field 22 of /proc/PID/stat) of process pid, or nil
-- when there is none (or only a zombie, dead but not reaped).
function _M.identity(pid)
  local s = _M.read("/proc/" .. tostring(pid) .. "/stat")
  if not s then return nil end
  local rest = match(s, "%)%s+(.*)$")
  if not rest or match(rest, "^Z") then return nil end
  local k = 2
  for field in gmatch(rest, "%S+") do
    k = k + 1
    if k == 22 then return match(s, "^(%d+)"), field end
  end
end

return _M
