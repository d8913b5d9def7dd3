-- A plain pure-Lua reader of ';'-separated CSV, as a Lua user would write it without a C helper: lines
-- from f:lines(), a fast split for lines without quotes, a quote-aware split otherwise (a quoted field may
-- hold ';', "" and line breaks), CRLF and a leading UTF-8 BOM handled; each row a table keyed by the header.
-- The reference lua-batch's C splitter is measured against in bench/run.lua (section d).
local find, sub, gsub, byte = string.find, string.sub, string.gsub, string.byte

local _M = {}

-- The fields of one record (a line, or several joined when a quoted field holds line breaks).
local function split(line)
  local fields, n, pos = {}, 0, 1
  if not find(line, '"', 1, true) then
    while true do
      local s = find(line, ";", pos, true)
      n = n + 1
      if not s then fields[n] = sub(line, pos) return fields end
      fields[n] = sub(line, pos, s - 1)
      pos = s + 1
    end
  end
  local len = #line
  while pos <= len + 1 do
    n = n + 1
    if byte(line, pos) == 34 then -- a quoted field: up to the quote not followed by another
      local value, i = {}, pos + 1
      while true do
        local q = find(line, '"', i, true)
        if not q then error("unterminated quoted field") end
        value[#value + 1] = sub(line, i, q - 1)
        if byte(line, q + 1) == 34 then
          value[#value + 1] = '"'
          i = q + 2
        else
          pos = q + 1
          break
        end
      end
      fields[n] = table.concat(value)
      pos = pos + 1 -- the ';' after the closing quote
    else
      local s = find(line, ";", pos, true)
      if not s then fields[n] = sub(line, pos) break end
      fields[n] = sub(line, pos, s - 1)
      pos = s + 1
    end
  end
  return fields
end
_M.split = split

-- Whether a line ends inside a quoted field (an odd number of quotes so far).
local function open_quote(s)
  local _, q = gsub(s, '"', "")
  return q % 2 == 1
end

-- Calls on_row(row) for every record of the file at path; stops after `limit` bytes (nil: the whole file).
-- Returns the number of rows and of bytes read.
function _M.each_row(path, on_row, limit)
  local f = assert(io.open(path, "rb"))
  local header, rows, bytes = nil, 0, 0
  local pending
  for line in f:lines() do
    bytes = bytes + #line + 1
    if pending then line = pending .. "\n" .. line pending = nil end
    if find(line, '"', 1, true) and open_quote(line) then
      pending = line
    else
      if byte(line, -1) == 13 then line = sub(line, 1, -2) end
      if not header then
        if sub(line, 1, 3) == "\239\187\191" then line = sub(line, 4) end
        header = split(line)
      elseif line ~= "" then
        local fields, row = split(line), {}
        for i = 1, #fields do row[header[i] or i] = fields[i] end
        rows = rows + 1
        on_row(row)
      end
    end
    if limit and bytes >= limit then break end
  end
  f:close()
  return rows, bytes
end

return _M
