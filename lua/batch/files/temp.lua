-- Names of temporary files. Every download streams into a file of its own, created exclusively by the
-- C core (O_CREAT | O_EXCL | O_NOFOLLOW, mode 0600), so a planted symlink is never followed and two
-- downloads to one path never mix; the name is made unpredictable from the system's random source.
local core = require "batch.core"
local getenv, match, remove, format = os.getenv, string.match, os.remove, string.format

local _M = {}

local function suffix()
  if core.random_hex then return core.random_hex(8) end
  return format("%08x%08x", math.random(0, 0x7fffffff), math.random(0, 0x7fffffff))
end

-- The temporary file a download to `path` streams into: ".<name>.<random>.part" in path's folder.
function _M.beside(path)
  local dir, name = match(path, "^(.*/)([^/]*)$")
  if not dir then dir, name = "", path end
  return dir .. "." .. name .. "." .. suffix() .. ".part"
end

-- A private temporary file in TMPDIR (what rows and records download into, and remove once read).
function _M.private(ext)
  local dir = getenv("TMPDIR")
  if not dir or dir == "" then dir = "/tmp" end
  return dir .. "/lua-batch-" .. suffix() .. (ext or "")
end

-- Gives tmp the mode a new file gets under the umask and puts it at path (atomic on one file system).
function _M.commit(tmp, path)
  if core.commit then return core.commit(tmp, path) end
  return os.rename(tmp, path)
end

_M.remove = remove
return _M
