-- The spool: a folder where a queue writes each accepted item before the add returns, and notes each
-- item that has ended (sent, or handed to on_drop), so that items a killed process had not sent are
-- sent by the next queue opened on that folder. Files are logs of lines:
--   <kind letter> TAB <seq> TAB <JSON record of the item> LF       an item accepted
--   D TAB <seq>,<seq>,... LF                                         items that ended
-- A line cut short (the process died while writing it) belongs to an add that never returned: skipped.
-- File names say whose they are (pid and start time of the process, the queue's number in it):
--   q.<pid>.<start>.<n>.<k>.log      segment k of a live queue; a new one every 4 MiB, removed when all
--                                    its items ended
--   free.<pid>.<start>.<n>.<k>.log   left by a queue closed with items unsent, for the next queue
--   claim.<pid>.<start>.<n>.<name>   being taken over by that queue
-- A queue takes over (renames: one taker wins) the files of processes that are gone and the free ones,
-- when it opens, then at most every 30 s (outside nginx at a flush, inside nginx while its timer runs); it
-- writes their items again as its own, then removes them. Writes reach
-- the kernel before they return; fsync runs at most once per flush interval (sync_due) and when a segment
-- is full. The folder is created 0700, the files 0600 (batch.queue.file).
local file = require "batch.queue.file"
local json = require "batch.json"
local kinds = require "batch.queue.kinds"
local Error = require "batch.error"

local setmetatable, ipairs, pairs, next, tonumber, tostring, concat, sort =
  setmetatable, ipairs, pairs, next, tonumber, tostring, table.concat, table.sort
local match, gmatch = string.match, string.gmatch

local _M = { SEGMENT_BYTES = 4 * 1024 * 1024, ADOPT_EVERY = 30 }

local opened = 0 -- spools opened by this process: their owner names stay distinct

local Spool = {}
Spool.__index = Spool

local function alive(pid, start)
  local p, s = file.identity(pid)
  return p ~= nil and s == start
end

-- The owner (pid, start, n) and segment of a name "q.P.S.N.K.log" or "free.P.S.N.K.log", as numbers.
local function parse_name(name)
  local state, p, s, n, k = match(name, "^(%a+)%.(%d+)%.(%d+)%.(%d+)%.(%d+)%.log$")
  if state == "q" or state == "free" then return state, tonumber(p), tonumber(s), tonumber(n), tonumber(k), p, s end
end

-- Opens a segment file for the records from the next seq on.
function Spool:rotate()
  self.k = self.k + 1
  local path = self.dir .. "/q." .. self.me .. "." .. self.k .. ".log"
  local f, err = file.open(path)
  if not f then return nil, Error.io(err) end
  local seg = { path = path, f = f, first = self.seq + 1, bytes = 0, live = 0, k = self.k }
  local old = self.current
  self.segments[#self.segments + 1] = seg
  self.current = seg
  if old then
    if self.dirty[old] then
      old.f:sync()
      self.dirty[old] = nil
    end
    if old.live == 0 then self:forget(old) end
  end
  return true
end

-- Closes and removes a segment whose items have all ended.
function Spool:forget(seg)
  seg.f:close()
  file.remove(seg.path)
  self.dirty[seg] = nil
  for i, s in ipairs(self.segments) do
    if s == seg then
      table.remove(self.segments, i)
      break
    end
  end
end

-- Writes an accepted item; returns its seq, or nil and the error (the item is not accepted).
function Spool:append(kind, id, item, flag)
  local text, jerr = json.encode(kind.record(id, item, flag))
  if not text then
    return nil, Error.invalid_argument("queue: the item cannot be written to the spool as JSON: " .. tostring(jerr))
  end
  local seq = self.seq + 1
  local seg = self.current
  local line = kind.letter .. "\t" .. seq .. "\t" .. text .. "\n"
  local ok, err = seg.f:write(line)
  if not ok then return nil, Error.io(err) end
  self.seq = seq
  seg.bytes, seg.live = seg.bytes + #line, seg.live + 1
  self.dirty[seg] = true
  if seg.bytes >= _M.SEGMENT_BYTES then self:rotate() end -- on failure the segment goes on growing
  return seq
end

local function segment_of(self, seq)
  local segs = self.segments
  for i = #segs, 1, -1 do
    if seq >= segs[i].first then return segs[i] end
  end
end

-- Notes that the items of seqs[1..n] ended. A note lost to a crash only makes them be sent again.
function Spool:done(seqs, n)
  local by = {}
  for i = 1, n do
    local seq = seqs[i]
    local seg = seq and segment_of(self, seq)
    if seg then
      local list = by[seg]
      if not list then
        list = {}
        by[seg] = list
      end
      list[#list + 1] = seq
    end
  end
  for seg, list in pairs(by) do
    seg.f:write("D\t" .. concat(list, ",") .. "\n")
    seg.live = seg.live - #list
    self.dirty[seg] = true
    if seg.live == 0 then
      if seg ~= self.current then
        self:forget(seg)
      elseif seg.bytes >= _M.SEGMENT_BYTES / 16 then
        self:rotate() -- start a small file again; the empty one goes
      end
    end
  end
end

-- fsyncs what was written since the last sync, when `interval` seconds have passed since it.
function Spool:sync_due(now, interval)
  if next(self.dirty) == nil or now - self.synced_at < interval then return end
  self:sync(now)
end

function Spool:sync(now)
  for seg in pairs(self.dirty) do seg.f:sync() end
  self.dirty = {}
  self.synced_at = now or self.synced_at
end

-- The items of a log's text not noted as ended, in order: { { kind, id, item, flag }, ... }.
local function pending_of(text, out)
  local recs, order = {}, {}
  for line in gmatch(text, "([^\n]*)\n") do
    local tag, seq, rest = match(line, "^(%a)\t(%d+)\t(.*)$")
    if tag and kinds.by_letter[tag] then
      seq = tonumber(seq)
      recs[seq] = { tag, rest }
      order[#order + 1] = seq
    else
      rest = match(line, "^D\t([%d,]*)$")
      if rest then
        for s in gmatch(rest, "%d+") do recs[tonumber(s)] = nil end
      end
    end
  end
  local skipped = 0
  for _, seq in ipairs(order) do
    local r = recs[seq]
    if r then
      local kind = kinds.by_letter[r[1]]
      local id, item, flag = kind.restore(json.decode(r[2]))
      if id then out[#out + 1] = { kind, id, item, flag } else skipped = skipped + 1 end
    end
  end
  return skipped
end

-- Takes over the files of queues that are gone (or were closed with items unsent): their items become
-- this spool's (written again, fsync'd) and their files are removed. Returns the items, in the order
-- their queues had them: { { kind, id, item, flag, seq }, ... }, and how many records were unreadable.
function Spool:adopt(now)
  self.adopted_at = now
  local dir, claimed = self.dir, {}
  for _, name in ipairs(file.list(dir)) do
    local orig = name
    local cp, cs, cn, inner = match(name, "^claim%.(%d+)%.(%d+)%.(%d+)%.(.+)$")
    if cp then
      orig = (cp .. "." .. cs .. "." .. cn ~= self.me and not alive(cp, cs)) and inner or nil
    end
    local state, p, s, n, k, ps, ss = parse_name(orig or "")
    if state and (state == "free" or not alive(ps, ss)) then
      local path = dir .. "/claim." .. self.me .. "." .. orig
      if file.rename(dir .. "/" .. name, path) then
        claimed[#claimed + 1] = { path = path, key = { s, p, n, k } }
      end
    end
  end
  if #claimed == 0 then return {}, 0 end
  sort(claimed, function(a, b)
    for i = 1, 4 do
      if a.key[i] ~= b.key[i] then return a.key[i] < b.key[i] end
    end
    return false
  end)
  local items, skipped = {}, 0
  for _, c in ipairs(claimed) do skipped = skipped + pending_of(file.read(c.path) or "", items) end
  for _, it in ipairs(items) do
    local seq, err = self:append(it[1], it[2], it[3], it[4])
    if not seq then return nil, err end -- the claimed files stay: a later queue takes them
    it[5] = seq
  end
  self:sync(now)
  for _, c in ipairs(claimed) do file.remove(c.path) end
  return items, skipped
end

-- Closes the spool. keep: items are left unsent, for the next queue on this folder; otherwise every
-- item ended and the files go.
function Spool:close(keep)
  if keep then self:sync() end
  for _, seg in ipairs(self.segments) do
    seg.f:close()
    if keep and seg.live > 0 then
      file.rename(seg.path, self.dir .. "/free." .. self.me .. "." .. seg.k .. ".log")
    else
      file.remove(seg.path)
    end
  end
  self.segments, self.dirty, self.current = {}, {}, nil
end

-- Opens (creates 0700) the spool folder dir for a new queue. Returns the spool, or nil and IO_ERROR.
function _M.open(dir, now)
  local ok, err = file.mkdir(dir)
  if not ok then return nil, Error.io(err) end
  opened = opened + 1
  local pid, start = file.identity("self")
  if not pid then pid, start = "0", tostring(math.random(1, 2 ^ 30)) end -- no /proc: see README
  local s = setmetatable({ dir = dir, me = pid .. "." .. start .. "." .. opened, seq = 0, k = 0,
                           segments = {}, dirty = {}, synced_at = now, adopted_at = now }, Spool)
  local rok, rerr = s:rotate()
  if not rok then return nil, rerr end
  return s
end

return _M
