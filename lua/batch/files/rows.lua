-- Iterators over downloaded export files: CSV rows (1.0) and JSON records (2.x). The files are downloaded
-- first (to private temporary files unless the caller keeps the CSV), then read in chunks, so memory
-- stays flat. A failure yields `false, err` once and ends the loop; the temporary files are removed when
-- the loop ends, fails, or (Lua 5.4) breaks, and when the iterator is collected.
local Error = require "batch.error"
local json = require "batch.json"

local open, remove = io.open, os.remove
local coroutine_wrap, coroutine_yield = coroutine.wrap, coroutine.yield
local setmetatable, getmetatable, ipairs, tostring, type = setmetatable, getmetatable, ipairs, tostring, type
local io_type = io.type
local newproxy = rawget(_G, "newproxy")  -- Lua 5.1 and LuaJIT only
local sub, find, byte = string.sub, string.find, string.byte

local _M = {}
-- Bytes read and split at a time: each chunk's rows are made at once, so this bounds the rows alive
-- (128 KiB: a 200 MB export read with a peak RSS of 26 MB on Lua 5.3, 15 MB on 5.4; 256 KiB took 41 and 19).
local CHUNK = 128 * 1024

-- A to-be-closed value for the generic for (Lua 5.4): removes the temporary files on break, and when the
-- iterator is collected. It is kept in state (reachable from the iterator): the generic for of Lua 5.1 to
-- 5.3 drops a 4th value, whose __gc would otherwise run mid-loop. Lua 5.1 and LuaJIT ignore __gc on a
-- table, so there it is a userdata (newproxy).
local function closer(state)
  local function cleanup()
    -- at collection the file may already be closed by its own __gc
    if state.file and io_type(state.file) == "file" then state.file:close() end
    state.file = nil
    for _, p in ipairs(state.temps) do remove(p) end
    state.temps = {}
  end
  state.cleanup = cleanup
  local guard
  if newproxy then
    guard = newproxy(true)
    local mt = getmetatable(guard)
    mt.__gc, mt.__close = cleanup, cleanup
  else
    guard = setmetatable({}, { __close = cleanup, __gc = cleanup })
  end
  state.guard = guard
  return guard
end

local invalid = Error.response

-- The names of `columns` the header lacks, as "'a', 'b'", or nil when it has them all.
local function missing(header, columns)
  local have, out = {}, {}
  for _, name in ipairs(header) do have[name] = true end
  for _, name in ipairs(columns) do
    if not have[name] then out[#out + 1] = "'" .. name .. "'" end
  end
  if #out > 0 then return table.concat(out, ", ") end
end

local unpack = table.unpack or unpack -- luacheck: ignore 143

-- The iterator of the flat arrays refill() gives (`records, n`: n values, k per step; nil at the end;
-- false, err once), LuaJIT's way: Lua closures, which its compiler traces, specialised for one to three
-- values per step (unpack costs a call).
local function lua_steps(refill, k)
  local batch, i, n = nil, 1, 0
  local function next_batch()
    local r, m = refill()
    if not r then return r, m end -- nil (the end) or false, err
    batch, i, n = r, 1, m
    return true
  end
  if k == 1 then
    return function()
      if i > n then
        local ok, err = next_batch()
        if not ok then return ok, err end
      end
      i = i + 1
      return batch[i - 1]
    end
  elseif k == 2 then
    return function()
      if i > n then
        local ok, err = next_batch()
        if not ok then return ok, err end
      end
      i = i + 2
      return batch[i - 2], batch[i - 1]
    end
  elseif k == 3 then
    return function()
      if i > n then
        local ok, err = next_batch()
        if not ok then return ok, err end
      end
      i = i + 3
      return batch[i - 3], batch[i - 2], batch[i - 1]
    end
  end
  return function()
    if i > n then
      local ok, err = next_batch()
      if not ok then return ok, err end
    end
    i = i + k
    return unpack(batch, i - k, i - 1)
  end
end

-- PUC Lua's way: core.csv_steps, a C function (a call of which costs about half a Lua closure's there).
local steps = rawget(_G, "jit") and lua_steps or function(refill, k)
  return require("batch.core").csv_steps(refill, k)
end

-- rows.csv(fetch [, columns]): fetch() downloads the CSV ({ path, temporary = true|nil } or nil, err); a
-- temporary file is removed when the loop ends.
-- The C splitter builds the rows themselves (tables keyed by the header) a chunk at a time; the iterator
-- hands them out one by one with no coroutine switch and no per-field Lua work (the hot loop of exports:rows).
-- With columns (a non-empty array of names), each step gives those fields of a row as values, from one flat
-- array per chunk (no table per row); a name the header lacks is INVALID_ARGUMENT before any row.
function _M.csv(fetch, columns)
  local core = require "batch.core"
  local state = { temps = {} }
  local f, parser, last
  local k = columns and #columns or 1 -- values per step
  local started, over, checked = false, false, not columns
  local function fail(err)
    state.cleanup()
    over = true
    return false, err
  end
  -- The next chunk's records and their number of values, or nil at the end, or false, err.
  local function refill()
    if over then return nil end
    if not started then
      started = true
      local got, err = fetch()
      if got and got.temporary then state.temps[#state.temps + 1] = got.path end
      f = got and open(got.path, "rb")
      if not f then return fail(err or Error.io("cannot read " .. got.path)) end
      state.file = f
      parser = core.csv_new(";", true, columns)
    end
    while true do
      if last then
        if not checked then -- no header at all: none of the columns is there
          return fail(Error.invalid_argument("exports:rows: the CSV has no header, so no column "
                                             .. missing({}, columns)))
        end
        state.cleanup()
        over = true
        return nil
      end
      local chunk = f:read(CHUNK)
      local records, perr
      if chunk then records, perr = parser:feed(chunk) else records, perr = parser:finish() last = true end
      if not records then return fail(invalid("the CSV is malformed: " .. tostring(perr))) end
      if not checked then
        local header = parser:header()
        if header then
          checked = true
          local lacks = missing(header, columns)
          if lacks then
            return fail(Error.invalid_argument("exports:rows: the CSV has no column " .. lacks))
          end
        end
      end
      local n = columns and perr * k or #records -- columns: perr is the number of rows in records
      if n > 0 then return records, n end
    end
  end
  return steps(refill, k), nil, nil, closer(state)
end

-- Yields every JSON record of the file at path: NDJSON (one record per line), or one JSON array.
local function each_record(f, path)
  local first = f:read(1)
  while first and find(first, "^%s$") do first = f:read(1) end
  if not first then return true end
  if first == "[" then
    -- A whole-file JSON array (the docs only say "JSON files"): decode it at once.
    local all, err = json.decode("[" .. f:read("*a"))  -- "*a": Lua 5.1/5.2 refuse "a"
    if type(all) ~= "table" then return nil, invalid(path .. ": not JSON: " .. tostring(err)) end
    for _, r in ipairs(all) do coroutine_yield(r) end
    return true
  end
  local n = 0
  local pending = first
  for line in f:lines() do
    line, pending = pending .. line, ""
    n = n + 1
    if byte(line, -1) == 13 then line = sub(line, 1, -2) end
    if find(line, "%S") then
      local r, err = json.decode(line)
      if type(r) ~= "table" then
        return nil, invalid(("%s line %d: not a JSON record: %s"):format(path, n, tostring(err)))
      end
      coroutine_yield(r)
    end
  end
  return true
end

-- rows.records(fetch_all): fetch_all() downloads every part (an array of { path }, private temporary
-- files, or nil, err); the records of each part are read in turn, and each file removed once read.
function _M.records(fetch_all)
  local state = { temps = {} }
  local iter = coroutine_wrap(function()
    local files, err = fetch_all()
    if not files then state.cleanup() coroutine_yield(false, err) return end
    for _, file in ipairs(files) do state.temps[#state.temps + 1] = file.path end
    for _, file in ipairs(files) do
      local path = file.path
      local f = open(path, "rb")
      if not f then state.cleanup() coroutine_yield(false, Error.io("cannot read " .. path)) return end
      state.file = f
      local done, rerr = each_record(f, path)
      f:close()
      state.file = nil
      remove(path)
      if not done then state.cleanup() coroutine_yield(false, rerr) return end
    end
    state.cleanup()
  end)
  return iter, nil, nil, closer(state)
end

return _M
