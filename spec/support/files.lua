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

return _M
