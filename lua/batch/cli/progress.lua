-- The progress display of `batch` on stderr: one line redrawn in place with "\r" (state, percent, bytes,
-- rate, ETA), at most every 0.1 s, ended by a newline. When disabled every method does nothing.
local setmetatable, type, tostring, tonumber = setmetatable, type, tostring, tonumber
local format, rep, floor, max, min = string.format, string.rep, math.floor, math.max, math.min

local _M = {}

local Progress = {}
Progress.__index = Progress

local REDRAW = 0.1  -- seconds between two redraws

-- progress.new{ enabled = bool, stream = io.stderr, now = function() -> seconds }
function _M.new(o)
  local now = o.now or require("batch.core").now
  return setmetatable({ enabled = o.enabled, stream = o.stream or io.stderr, now = now,
                        width = 0, last = -1, shown = false }, Progress)
end

-- "1.2 MB" from a byte count (decimal units).
local function size(n)
  if n < 1000 then return format("%d B", n) end
  local units = { "kB", "MB", "GB", "TB" }
  local i = 0
  repeat n = n / 1000 i = i + 1 until n < 1000 or i == #units
  return format("%.1f %s", n, units[i])
end
_M.size = size

-- "1:05" or "1:02:03" from seconds.
local function clock(s)
  s = floor(s + 0.5)
  if s >= 3600 then return format("%d:%02d:%02d", floor(s / 3600), floor(s / 60) % 60, s % 60) end
  return format("%d:%02d", floor(s / 60), s % 60)
end
_M.clock = clock

-- The terminal's width: $COLUMNS, else `stty size` on the terminal (asked once), else 80.
local function columns()
  local n = tonumber(os.getenv("COLUMNS") or "")
  if not n then
    local p = io.popen("stty size </dev/tty 2>/dev/null")
    if p then
      n = tonumber((p:read("*l") or ""):match("^%d+ (%d+)$"))
      p:close()
    end
  end
  return (n and n >= 20) and n or 80
end

-- Draws `text` over the current line (padded to erase a longer previous one). A line wider than the
-- terminal would wrap and break the redraw: its start is cut instead (the numbers are at the end).
function Progress:draw(text, force)
  if not self.enabled then return end
  local t = self.now()
  if not force and t - self.last < REDRAW then return end
  self.last = t
  self.columns = self.columns or columns()
  if #text > self.columns - 1 then text = ".." .. text:sub(#text - self.columns + 4) end
  local pad = max(0, self.width - #text)
  self.stream:write("\r" .. text .. rep(" ", pad))
  self.stream:flush()
  self.width = #text
  self.shown = true
end

-- Ends the current line (the last state stays visible).
function Progress:finish()
  if not self.enabled or not self.shown then return end
  self.stream:write("\n")
  self.stream:flush()
  self.width, self.shown, self.last = 0, false, -1
end

local function elapsed_text(s)
  if s < 60 then return format("%.1f s", s) end
  return clock(s)
end

-- An on_poll function for batch.poll: "<label>: PENDING, 3.2 s elapsed, poll 4".
function Progress:poller(label)
  local started = self.now()
  self.wait_label, self.wait_started, self.wait_polls = label, started, 0
  return function(info, attempt, elapsed)
    local state = type(info) == "table" and info.status or "waiting"
    local pct = type(info) == "table" and tonumber(info.progress)
    self.wait_polls = attempt or 0
    self:draw(format("%s: %s%s, %s elapsed, poll %d", label, tostring(state),
                     pct and format(" %d%%", floor(pct)) or "", elapsed_text(elapsed or 0), attempt or 0), true)
  end
end

-- Draws the final state of a wait (the view or info it gave), then ends the line.
function Progress:wait_done(final)
  if self.wait_label and type(final) == "table" then
    self:draw(format("%s: %s, %s elapsed, poll %d", self.wait_label, tostring(final.status),
                     elapsed_text(self.now() - self.wait_started), self.wait_polls + 1), true)
  end
  self:finish()
end

-- An on_progress function for downloads: "<label>  45%  1.2 MB / 2.6 MB  3.4 MB/s  ETA 0:01".
-- `total_all` (optional) is the byte total of several files downloaded one after the other; then
-- part_done(bytes) must be called after each file, so that its bytes count towards the next ones.
function Progress:downloader(label, total_all)
  local started = self.now()
  self.base = 0
  return function(done, total)
    local all = total_all and (self.base + (done or 0)) or (done or 0)
    local whole = total_all or ((total and total > 0) and total or nil)
    local elapsed = self.now() - started
    local rate = elapsed > 0 and all / elapsed or 0
    local text
    if whole then
      local pct = min(100, floor(100 * all / whole))
      local eta = (rate > 0 and all < whole) and ("ETA " .. clock((whole - all) / rate)) or "ETA 0:00"
      text = format("%s %3d%%  %s / %s  %s/s  %s", label, pct, size(all), size(whole), size(floor(rate)), eta)
    else
      text = format("%s  %s  %s/s", label, size(all), size(floor(rate)))
    end
    self:draw(text, whole ~= nil and all >= whole)
  end
end

-- One file of a multi-file download is complete (see downloader).
function Progress:part_done(bytes)
  self.base = (self.base or 0) + (bytes or 0)
end

return _M
