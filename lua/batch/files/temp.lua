-- Names of temporary files. Every download streams into a file of its own, created exclusively by the
-- C core (O_CREAT | O_EXCL | O_NOFOLLOW, mode 0600), so a planted symlink is never followed and two
-- downloads to one path never mix; the name is made unpredictable from the system's random source.
local core = require "batch.core"
local getenv, match = os.getenv, string.match

local _M = {}

local random_hex = core.random_hex

local function suffix() return random_hex(8) end

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
-- Returns true or nil, message.
_M.commit = core.commit

return _M
