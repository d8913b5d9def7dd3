-- Sending many items in batches, one call per batch, one batch at a time: profile updates (200 a call,
-- 10 000 with mass-update), trigger events (1000 events a call), catalog items (200), custom IDs and
-- audience ids (10 000). Each item keeps its place in the input (a line of JSON Lines, or the rank of an
-- id), so that what Batch or the library says of item k of a batch names that place.
--
-- When the command stops before the end (a failed call, a refused line, a signal), a last line on
-- stderr says which places Batch accepted, which may have been applied (a write of unknown outcome)
-- and from where on nothing was sent: what was not sent can then be sent without sending the rest again.
local exit = require "batch.cli.exit"
local guard = require "batch.cli.guard"

local setmetatable, type, tonumber, tostring, select, pairs, ipairs = setmetatable, type, tonumber, tostring,
                                                                    select, pairs, ipairs
local format, match, concat = string.format, string.match, table.concat

local _M = {}

local Batches = {}
Batches.__index = Batches

-- batches.new(ctx, o) with o.max (the weight a batch may hold), o.send(items) --> answer | nil, err
-- (the call of one batch), o.on_answer(answer, places) (optional: places[k] is the place of item k),
-- o.unit ("line", the default, or "id": the word of places in messages).
function _M.new(ctx, o)
  local self = setmetatable({ ctx = ctx, max = o.max, send = o.send, on_answer = o.on_answer,
                              unit = o.unit or "line", items = {}, places = {}, weight = 0,
                              accepted = 0, weight_sent = 0, batches = 0 }, Batches)
  -- on any exit before close (an error, a signal), the line that says what was sent
  ctx:on_cleanup(function() if not self.closed then self:report() end end)
  return self
end

-- "lines 3 to 7", "line 3".
local function span(unit, a, b)
  if a == b then return unit .. " " .. a end
  return format("%ss %d to %d", unit, a, b)
end

-- The line of stderr that says how far the command went (nothing when nothing was sent).
function Batches:report()
  local unit, parts = self.unit, {}
  if self.accepted > 0 then
    parts[#parts + 1] = format("%s %s accepted (%d batch%s)", span(unit, self.first_place, self.last_accepted),
                               self.accepted == 1 and "was" or "were", self.batches, self.batches == 1 and "" or "es")
  end
  local next_place = (self.last_accepted or 0) + 1
  if self.unknown then
    parts[#parts + 1] = span(unit, self.unknown[1], self.unknown[2]) .. " may have been applied"
    next_place = self.unknown[2] + 1
  end
  if #parts == 0 then return end
  if not (self.ending and self.unknown) then  -- (at the end of the input, the batch was the last)
    local rest = format("%ss from %d on were not sent", unit, next_place)
    if unit == "line" then rest = rest .. format(" (tail -n +%d gives them)", next_place) end
    parts[#parts + 1] = rest
  end
  self.ctx.note(concat(parts, "; "))
end

-- The error of a refused place: "line 12: message" (INVALID_ARGUMENT, exit 2).
function Batches:refuse(place, message)
  return nil, { name = "INVALID_ARGUMENT", message = self.unit .. " " .. place .. ": " .. message }
end

-- Sends the batch held, if any. Returns true, or nil and the error.
function Batches:flush()
  local items, places = self.items, self.places
  if #items == 0 then return true end
  self.unknown = { places[1], places[#places] }  -- while in flight (a signal may come)
  local answer, err = guard.call(self.send, items)
  self.unknown = nil
  if answer == nil then
    if type(err) == "table" then
      if err.name == "INVALID_ARGUMENT" then
        -- "profiles[3] ..." is item 3 of this batch: name its place
        local k = tonumber(match(tostring(err.message), "%[(%d+)%]"))
        local at = places[k] or places[1]
        err.message = self.unit .. " " .. at .. ": " .. tostring(err.message)
      elseif select(2, exit.of_error(err)) then
        self.unknown = { places[1], places[#places] }
      end
    end
    return nil, err
  end
  self.batches = self.batches + 1
  self.first_place = self.first_place or places[1]
  self.last_accepted = places[#places]
  self.accepted = self.accepted + #items
  self.weight_sent = self.weight_sent + self.weight
  if self.on_answer then self.on_answer(answer, places) end
  self.items, self.places, self.weight = {}, {}, 0
  return true
end

-- Adds an item (its place, and its weight: 1 by default, the number of events of a user), sending the
-- batch held first when the item would not fit. Returns true, or nil and the error.
function Batches:add(item, place, weight)
  weight = weight or 1
  if weight > self.max then
    return self:refuse(place, format("%d in this %s, at most %d per call", weight, self.unit, self.max))
  end
  if self.weight + weight > self.max then
    local ok, err = self:flush()
    if not ok then return nil, err end
  end
  local n = #self.items + 1
  self.items[n], self.places[n] = item, place
  self.weight = self.weight + weight
  return true
end

-- Sends what is held. Returns true (then nothing more is said on stderr), or nil and the error.
function Batches:close()
  self.ending = true
  local ok, err = self:flush()
  if ok then self.closed = true end
  return ok, err
end

-- The items of an iterator `for place, item, why in ...` (JSON Lines: why says what is wrong with a
-- line), each made into what is sent by convert(item, place) --> entry, weight | nil, why. Returns
-- true once every batch was accepted, or nil and the first error.
function Batches:send_all(convert, ...)
  for place, item, why in ... do
    if item == nil then return self:refuse(place, why) end
    local entry, weight = convert(item, place)
    if entry == nil then return self:refuse(place, weight) end
    local ok, err = self:add(entry, place, weight)
    if not ok then return nil, err end
  end
  return self:close()
end

-- Sends ids (an array) in batches of at most `max` through send(ids_of_a_batch) --> answer | nil, err,
-- printing for each call one line: Batch's answer with "ok": true, the number of ids it carried
-- ("ids") and the fields of `names` (what was written: { name = NAME }). Returns true or nil, err.
function _M.ids(ctx, ids, max, send, names)
  local out = ctx.out:list()
  local b = _M.new(ctx, { max = max, send = send, unit = "id", on_answer = function(answer, places)
    local line = { ok = true, ids = #places }
    if type(answer) == "table" then for k, v in pairs(answer) do line[k] = v end end
    for k, v in pairs(names or {}) do line[k] = v end
    out:add(line)
  end })
  local ok, err = b:send_all(function(id) return id end, ipairs(ids))
  out:close()
  return ok, err
end

return _M
