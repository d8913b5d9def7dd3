-- The library raises for an argument of the wrong Lua type ("events:track: events[1].label must be a
-- string, got number"): in Lua code a programmer error, but here the values come from the user's JSON
-- (`--data`, JSON Lines), so it is a mistake of the input. `argument_error(e)` tells such an error from
-- a bug of `batch` and turns it into INVALID_ARGUMENT (exit 2: nothing was sent); `call` runs a library
-- call that way.
local type, pcall, error = type, pcall, error
local gsub, match, find = string.gsub, string.match, string.find

local _M = {}

-- The INVALID_ARGUMENT error of a raised library message, or nil for anything else (a bug, an
-- interrupt, an output error: those keep going up).
function _M.argument_error(e)
  if type(e) ~= "string" or find(e, "interrupted!", 1, true) then return nil end
  local message = gsub(e, "^[^\n]-%.lua:%d+: ", "")  -- the position error() adds at levels 2 and up
  -- the library's messages start with its method's name: "events:track: ", "custom_data:set: "
  if not match(message, "^[%a_]+:[%a_]+: ") then return nil end
  return { name = "INVALID_ARGUMENT", message = (gsub(message, "got userdata", "got null")) }  -- cjson's null
end

local function pass(ok, ...)
  if ok then return ... end
  local e = ...
  local err = _M.argument_error(e)
  if err then return nil, err end
  error(e, 0)
end

-- fn(...) --> its results, or nil and INVALID_ARGUMENT when the library refused an argument's type.
function _M.call(fn, ...)
  return pass(pcall(fn, ...))
end

return _M
