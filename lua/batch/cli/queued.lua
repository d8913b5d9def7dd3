-- Sending the lines of JSON Lines through the library's queue (client:queue): `batch profiles update`
-- (without --mass) and `batch events track --data`. The queue fills each call to its route's cap, keeps
-- within Batch's rates (waiting out a 429) and sends again what failed in a way that may be retried;
-- what it gives up on comes back through on_drop, and is told here by the input line it came from.
--
-- What is said, on stderr: a progress line on a terminal (sent, dropped, pending); one line per item
-- Batch refused ("line 12: attribute $email_address: must be an email address"); one line per group of
-- items given up on otherwise ("lines 3, 7-9: QUEUE_CLOSED: ..."). On stdout the caller prints the
-- summary of `finish`. The exit status: 1 when Batch refused anything, else 2 when a line was refused
-- before it was sent, else 75 when the queue gave up at its deadline (the network, 429s, 5xx: what it
-- names may be sent again), else 0.
local guard = require "batch.cli.guard"

local setmetatable, type, tostring, ipairs, min = setmetatable, type, tostring, ipairs, math.min
local format, concat, sort = string.format, table.concat, table.sort

local _M = {}

local Queued = {}
Queued.__index = Queued

-- Errors after which nothing more is sent: every later batch would be refused the same way.
local FATAL = { AUTHENTICATION_INVALID = true, API_MISUSE = true, ROUTE_NOT_FOUND = true }

-- How many lines of stderr the drops take at most (the summary on stdout lists them all).
local NOTES = 50

-- "lines 3, 7-9, 12", "line 4": the sorted places, runs joined.
function _M.places_text(places)
  sort(places)
  local parts, i = {}, 1
  while i <= #places do
    local j = i
    while places[j + 1] == places[j] + 1 do j = j + 1 end
    parts[#parts + 1] = i == j and tostring(places[i]) or (places[i] .. "-" .. places[j])
    i = j + 1
  end
  return (#places == 1 and "line " or "lines ") .. concat(parts, ", ")
end

-- queued.new(ctx, client, o): o.key(given) is the table that names an item in on_drop's array (the
-- table an add was given: the profile; for events, given.event), o.deadline the seconds `finish` may
-- take to send what waits.
function _M.new(ctx, client, o)
  local self = setmetatable({ ctx = ctx, key = o.key, deadline = o.deadline, accepted = 0,
                              errors = {}, partial = 0, notes = 0, worst = nil }, Queued)
  -- item table -> its input line; weak, so that what the queue has sent (and let go of) goes too
  self.lines = setmetatable({}, { __mode = "k" })
  self.q = client:queue{
    on_drop = function(items, err) self:dropped(items, err) end,
    on_flush = function() self:show() end,
  }
  -- An interrupt or an error before finish: what waits is not sent (a Ctrl-C stops at once), and is
  -- named on stderr as given up on.
  ctx:on_cleanup(function() if not self.closed then self:interrupted() end end)
  return self
end

-- A line of stderr, while there are fewer than NOTES.
function Queued:note(text)
  self.notes = self.notes + 1
  if self.notes <= NOTES then
    self.ctx.progress:finish()
    self.ctx.note(text)
  elseif self.notes == NOTES + 1 then
    self.ctx.note("(more in the summary's \"errors\")")
  end
end

-- The worst outcome so far: "refused" (Batch refused items), "invalid" (refused before sending),
-- "gave_up" (the deadline passed while retrying).
local RANK = { gave_up = 1, invalid = 2, refused = 3 }
function Queued:outcome(what)
  if not self.worst or RANK[what] > RANK[self.worst] then self.worst = what end
end

function Queued:dropped(items, err)
  local lines, key = self.lines, self.key
  local function line_of(k)
    local item = items[k]
    return item and lines[key(item)]
  end
  local function custom_id_of(k)
    local item = items[k]
    if type(item) ~= "table" then return nil end
    if type(item.identifiers) == "table" then return item.identifiers.custom_id end
    return item.custom_id
  end
  if err.name == "PARTIAL_ERROR" and type(err.errors) == "table" then
    self:outcome("refused")
    for _, e in ipairs(err.errors) do
      for _, k in ipairs(type(e.items) == "table" and e.items or {}) do
        local entry = { line = line_of(k), custom_id = custom_id_of(k), error = err.name, category = e.category,
                        attribute = e.attribute, reason = e.reason }
        self.errors[#self.errors + 1] = entry
        self.partial = self.partial + 1
        local what = e.attribute and ("attribute " .. tostring(e.attribute)) or tostring(e.category or "item")
        self:note(format("%s: %s: %s", entry.line and ("line " .. entry.line) or "a line", what,
                         tostring(e.reason or "refused")))
      end
    end
    return
  end
  self:outcome(err.name == "QUEUE_CLOSED" and "gave_up" or err.name == "INVALID_ARGUMENT" and "invalid" or "refused")
  if FATAL[err.name] then self.fatal = err end
  local places = {}
  for k = 1, #items do
    local line = line_of(k)
    self.errors[#self.errors + 1] = { line = line, custom_id = custom_id_of(k), error = err.name,
                                      reason = err.message }
    if line then places[#places + 1] = line end
  end
  local at = #places > 0 and _M.places_text(places) or (#items .. " items")
  if self.stopping and err.name == "QUEUE_CLOSED" then
    self.unsent = places[1] and (self.unsent and min(self.unsent, places[1]) or places[1]) or self.unsent
    self:note(at .. ": not sent, or sent and not answered yet")
  else
    self:note(format("%s: %s", at, tostring(err)))
  end
end

-- The command stopped before finish (a signal, an error raised): nothing more is sent, and stderr
-- says from which line on to send again.
function Queued:interrupted()
  self.stopping = true
  self:close(0)
  if not self.last_place then return end  -- nothing was added (the input could not be read)
  local from = self.unsent or ((self.last_place or 0) + 1)
  self.ctx.note(format("lines from %d on may not have been sent (tail -n +%d sends them again)", from, from))
end

-- Redraws the progress line (at most every 0.1 s, by progress itself).
function Queued:show(force)
  local s = self.q:stats()
  self.ctx.progress:draw(format("sent %d of %d, %d dropped, %d pending", s.sent, s.accepted, s.dropped, s.pending),
                         force)
end

-- Adds the item of line `place` through the queue's `method` (its arguments after the item's key
-- table). Returns true, or nil and the error that stops the command (a line refused, a fatal answer).
function Queued:add(place, item, method, ...)
  if self.fatal then return nil, self.fatal end
  local q, lines = self.q, self.lines
  -- named before the add: an add that fills a batch sends it, and a signal may end that call
  lines[item], self.last_place = place, place
  local ok, err = guard.call(q[method], q, ...)
  if not ok and type(err) == "table" and err.name == "QUEUE_FULL" then
    -- max_pending items held: send what waits, then add again
    q:flush{ deadline = self.deadline }
    ok, err = guard.call(q[method], q, ...)
  end
  if not ok then
    lines[item] = nil
    if type(err) == "table" and err.name == "INVALID_ARGUMENT" then
      err.message = "line " .. place .. ": " .. tostring(err.message)
    end
    return nil, err
  end
  self.accepted = self.accepted + 1
  self:show()
  return true
end

-- Sends what waits, within `deadline` seconds, then gives up on the rest (named by on_drop).
function Queued:close(deadline)
  self.closed = true
  self.q:close{ deadline = deadline }
  self:show(true)
  self.ctx.progress:finish()
end

-- Ends the sending. `err` is the error that stopped the adds, if any, and `place` the line it stopped
-- at: a line refused before sending (INVALID_ARGUMENT) still lets the lines before it go, so that the
-- rest can be sent again from that line; any other error (an answer after which nothing can go) sends
-- nothing more. Returns the summary's counts { sent, dropped, batches, errors, partial_errors } and the
-- error the command ends with (nil: all sent).
function Queued:finish(err, place)
  local stop = self.fatal or (err and err.name ~= "INVALID_ARGUMENT")
  self.stopping = stop and true or nil
  self:close(stop and 0 or self.deadline)
  local s = self.q:stats()
  local summary = { sent = s.sent, dropped = s.dropped, batches = s.batches, partial_errors = self.partial }
  if #self.errors > 0 then summary.errors = self.errors end
  if err then
    if place then  -- said after the error line, as batch.cli.batches says it
      local from = min(place, self.unsent or place)
      self.ctx:on_cleanup(function()
        self.ctx.note(format("lines from %d on were not sent (tail -n +%d gives them)", from, from))
      end)
    end
    return summary, err
  end
  if self.fatal then return summary, self.fatal end
  if not self.worst then return summary, nil end
  local lines, seen = {}, {}
  for _, e in ipairs(self.errors) do
    if e.line and not seen[e.line] then seen[e.line] = true lines[#lines + 1] = e.line end
  end
  local which = #lines > 0 and _M.places_text(lines) or "no line known"
  if #which > 60 then which = (which:sub(1, 57):match("^(.*),") or which:sub(1, 57)) .. ", ..." end
  local n, s_ = s.dropped, s.dropped == 1 and "" or "s"
  if self.worst == "refused" then
    if self.partial == #self.errors then return summary, _M.partial_error(self.partial, which) end
    return summary, { name = "PARTIAL_ERROR", message = format("Batch refused %d item%s (%s): the rest were sent",
                                                               n, s_, which) }
  elseif self.worst == "invalid" then
    return summary, { name = "INVALID_ARGUMENT", message = format("%d item%s refused before sending (%s)", n, s_,
                                                                  which) }
  end
  return summary, { name = "QUEUE_CLOSED", retryable = true,
                    message = format("%d item%s not sent within %g s (%s): send those lines again", n, s_,
                                     self.deadline, which) }
end

-- The error a command ends with when Batch refused `n` items of calls it otherwise applied (`which`:
-- "lines 7, 300").
function _M.partial_error(n, which)
  return { name = "PARTIAL_ERROR", message = format("%d partial error%s (%s): Batch applied the rest", n,
                                                    n == 1 and "" or "s", which) }
end

-- The keys that name items (see new).
function _M.profile_key(given) return given end
function _M.event_key(given) return given.event end

return _M
