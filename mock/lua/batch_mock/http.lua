-- Reading requests and sending answers, shared by the API and control handlers.
local ngx = ngx
local io_open = io.open
local pairs, type, sub, huge = pairs, type, string.sub, math.huge

local _M = {}

-- The raw request body ("" when none). Bodies stay in memory (client_body_buffer_size), but a
-- body nginx had to spill to a file is read from it rather than lost.
function _M.body()
  ngx.req.read_body()
  local data = ngx.req.get_body_data()
  if data then return data end
  local path = ngx.req.get_body_file()
  if not path then return "" end
  local f = io_open(path, "rb")
  if not f then return "" end
  data = f:read("*a") or ""
  f:close()
  return data
end

-- Writes the next `limit` bytes of a stream (all that is left when nil), one piece at a time, each
-- flushed before the next is made: memory stays flat whatever the size. A piece cut by the limit
-- keeps its rest for the next call. A stream is { length = bytes, read = function() -> piece or nil }.
-- Returns true, or nil and an error (the client went away).
function _M.pump(stream, limit)
  local left = limit or huge
  while left > 0 do
    local piece = stream.rest
    stream.rest = nil
    if not piece then piece = stream.read() end
    if not piece then break end
    if #piece > left then
      stream.rest = sub(piece, left + 1)
      piece = sub(piece, 1, left)
    end
    left = left - #piece
    local ok, err = ngx.print(piece)
    if ok then ok, err = ngx.flush(true) end
    if not ok then return nil, err end
  end
  return true
end

-- Sends a complete answer with an exact Content-Length (keeps keep-alive cheap). body: a JSON string,
-- or a stream (see pump; headers then give its Content-Type). HEAD gets the headers only.
function _M.send(status, body, headers)
  ngx.status = status
  local h = ngx.header
  local stream = type(body) == "table" and body
  h["Content-Type"] = "application/json"
  h["Content-Length"] = stream and stream.length or #body
  if headers then
    for k, v in pairs(headers) do h[k] = v end
  end
  if not stream then return ngx.print(body) end
  if ngx.req.get_method() == "HEAD" then return ngx.send_headers() end
  return _M.pump(stream)
end

return _M
