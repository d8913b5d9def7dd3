-- Named records kept in the batch_mock_data shared dict (flushed by /_mock/reset), listed newest
-- first: audiences, catalogs, orchestrations, GDPR requests, custom data, profiles, ...
--   <p>d:<id>   the record (JSON)        <p>q:<id>   its sequence number
--   <p>s:<seq>  the id at that number    <p>n        the last number given    <p>c  how many live
-- Writes of one collection hold its lock (lock.lua), so read-modify-write updates from several
-- workers never lose one another's changes; reads take no lock (a record is set in one operation).
-- A deleted record leaves a hole in the numbers that listing skips; made again, it comes first.
-- A full dict raises an error (answered as a SERVER_ERROR by handler.lua) rather than evicting data.
local ngx = ngx
local json = require "batch_mock.json"
local lock = require "batch_mock.lock"

local setmetatable, tostring, error = setmetatable, tostring, error

local _M = {}

local C = {}
C.__index = C

local function dict() return ngx.shared.batch_mock_data end

-- prefix: a short unique name, e.g. "aud:project_..." (one collection per app or project).
function _M.new(prefix)
  return setmetatable({ p = prefix .. ":" }, C)
end

function C:raw(id)
  return dict():get(self.p .. "d:" .. id)
end

function C:get(id)
  local raw = self:raw(id)
  return raw and json.decode(raw)
end

function C:count()
  return dict():get(self.p .. "c") or 0
end

local function set(d, key, value)
  local ok, err = d:safe_set(key, value)
  if not ok then error("emulator storage full (batch_mock_data): " .. tostring(err), 0) end
end

local function write(self, id, doc)
  local d, p = dict(), self.p
  set(d, p .. "d:" .. id, json.encode(doc))
  if not d:get(p .. "q:" .. id) then
    local seq = d:incr(p .. "n", 1, 0)
    set(d, p .. "q:" .. id, seq)
    set(d, p .. "s:" .. seq, id)
    d:incr(p .. "c", 1, 0)
  end
  return true
end

-- Stores doc under id (a new id comes first in the lists).
function C:put(id, doc)
  return lock.with(self.p, function() return write(self, id, doc) end)
end

-- Read-modify-write under the lock: fn(current record or nil) returns the new record, or nil and up
-- to two more values (an error answer: status, body) to write nothing. Returns what fn returned.
function C:update(id, fn)
  return lock.with(self.p, function()
    local new, a, b = fn(self:get(id))
    if new ~= nil then write(self, id, new) end
    return new, a, b
  end)
end

-- Removes id; true when it was there.
function C:delete(id)
  return lock.with(self.p, function()
    local d, p = dict(), self.p
    local seq = d:get(p .. "q:" .. id)
    if not seq then return false end
    d:delete(p .. "s:" .. seq)
    d:delete(p .. "q:" .. id)
    d:delete(p .. "d:" .. id)
    d:incr(p .. "c", -1, 1)
    return true
  end)
end

-- Records newest first, from id `from` (nil: the newest), at most limit. Returns the records and the
-- id of the next one (nil at the end), or nil when `from` is not a record of this collection.
function C:page(from, limit)
  local d, p = dict(), self.p
  local seq
  if from then
    seq = d:get(p .. "q:" .. from)
    if not seq then return nil end
  else
    seq = d:get(p .. "n") or 0
  end
  local out = {}
  while seq > 0 do
    local id = d:get(p .. "s:" .. seq)
    local raw = id and d:get(p .. "d:" .. id)
    if raw then
      if #out == limit then return out, id end
      out[#out + 1] = json.decode(raw)
    end
    seq = seq - 1
  end
  return out, nil
end

-- Records newest first, skipping the first `skip`, at most limit (offset paging of the 1.x lists).
function C:offset(skip, limit)
  local d, p = dict(), self.p
  local seq = d:get(p .. "n") or 0
  local out, skipped = {}, 0
  while seq > 0 and #out < limit do
    local id = d:get(p .. "s:" .. seq)
    local raw = id and d:get(p .. "d:" .. id)
    if raw then
      if skipped < skip then skipped = skipped + 1 else out[#out + 1] = json.decode(raw) end
    end
    seq = seq - 1
  end
  return out
end

-- Every record, newest first (the state view; at most max).
function C:all(max)
  return (self:page(nil, max or 100000))
end

return _M
