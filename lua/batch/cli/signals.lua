-- Signals: SIGINT (Ctrl-C), and SIGTERM and SIGHUP (what timeout(1), systemd and cron send) end any wait
-- or transfer with Lua's "interrupted!" error once the library has removed its partial files; the entry
-- point then removes the CLI's own and exits 128 + the signal's number.
-- SIGINT is the Lua interpreter's own. TERM and HUP need the C core's core.trap{"TERM","HUP"} (and
-- core.signal() to tell which one came); with a core that lacks them they keep their default action
-- (the process ends at once, 143 or 129 as the shell reports it, and a partial file may stay behind).
local find, type, pcall = string.find, type, pcall
local exit = require "batch.cli.exit"

local _M = {}

local NAMES = { INT = "interrupted", TERM = "terminated", HUP = "hung up" }

-- Asks the core to turn TERM and HUP into "interrupted!". Returns true when it could.
function _M.trap()
  local core = require "batch.core"
  if type(core.trap) ~= "function" then return false end
  return (pcall(core.trap, { "TERM", "HUP" }))
end

-- True when e is Lua's "interrupted!" error.
function _M.is_interrupt(e)
  return type(e) == "string" and find(e, "interrupted!", 1, true) ~= nil
end

-- The signal that interrupted ("INT", "TERM" or "HUP"; INT when the core cannot tell), the exit status
-- and the message.
function _M.caught()
  local core = require "batch.core"
  local sig = type(core.signal) == "function" and core.signal() or nil
  if not exit.SIGNALS[sig] then sig = "INT" end
  return sig, exit.SIGNALS[sig], NAMES[sig] .. " (SIG" .. sig .. ")"
end

return _M
