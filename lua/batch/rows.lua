-- Iterators over downloaded export files: CSV rows (1.0) and JSON records (2.x). The file is downloaded
-- first (to a temporary file unless the caller keeps it), then read in chunks, so memory stays flat.
-- A failure yields `false, err` once and ends the loop; the temporary file is removed when the loop
-- ends, fails, or (Lua 5.4) breaks.
local Error = require "batch.error"
local json = require "batch.json"

local open, remove, tmpname = io.open, os.remove, os.tmpname
local coroutine_wrap, coroutine_yield = coroutine.wrap, coroutine.yield
local setmetatable, ipairs, tostring, type = setmetatable, ipairs, tostring, type
local sub, find, byte = string.sub, string.find, string.byte

local _M = {}
local CHUNK = 256 * 1024

-- A to-be-closed value for the generic for (Lua 5.4): removes the temporary files on break.
local function closer(state)
  local function cleanup()
    if state.file then state.file:close() state.file = nil end
    for _, p in ipairs(state.temps) do remove(p) end
    state.temps = {}
  end
  state.cleanup = cleanup
  return setmetatable({}, { __close = cleanup, __gc = cleanup })
end

local function invalid(message)
  return Error.new{ name = "INVALID_RESPONSE", message = message }
end

-- A temporary path, remembered for cleanup.
local function temp(state)
  local p = tmpname()
  state.temps[#state.temps + 1] = p
  return p
end

-- rows.csv(fetch, keep_path): fetch(path) downloads the CSV to path ({...} or nil, err).
function _M.csv(fetch, keep_path)
  local core = require "batch.core"
  local state = { temps = {} }
  local iter = coroutine_wrap(function()
    local path = keep_path or temp(state)
    local ok, err = fetch(path)
    local f = ok and open(path, "rb")
    if not f then
      state.cleanup()
      coroutine_yield(false, err or Error.new{ name = "IO_ERROR", message = "cannot read " .. path })
      return
    end
    state.file = f
    local parser = core.csv_new(";")
    local header
    while true do
      local chunk = f:read(CHUNK)
      local records, perr
      if chunk then records, perr = parser:feed(chunk) else records, perr = parser:finish() end
      if not records then
        state.cleanup()
        coroutine_yield(false, invalid("the CSV is malformed: " .. tostring(perr)))
        return
      end
      for _, fields in ipairs(records) do
        if not header then
          header = fields
        else
          local row = {}
          for i, v in ipairs(fields) do row[header[i] or i] = v end
          coroutine_yield(row)
        end
      end
      if not chunk then break end
    end
    state.cleanup()
  end)
  return iter, nil, nil, closer(state)
end

-- Yields every JSON record of the file at path: NDJSON (one record per line), or one JSON array.
local function each_record(f, path)
  local first = f:read(1)
  while first and find(first, "^%s$") do first = f:read(1) end
  if not first then return true end
  if first == "[" then
    -- A whole-file JSON array (the docs only say "JSON files"): decode it at once.
    local all, err = json.decode("[" .. (f:read("a") or f:read("*a")))
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

-- rows.records(parts, fetch_part, keep_dir): parts is an array; fetch_part(part, path) downloads one.
function _M.records(parts, fetch_part)
  local state = { temps = {} }
  local iter = coroutine_wrap(function()
    for _, part in ipairs(parts) do
      local path = temp(state)
      local ok, err = fetch_part(part, path)
      if not ok then state.cleanup() coroutine_yield(false, err) return end
      local f = open(path, "rb")
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
