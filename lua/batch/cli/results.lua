-- What the commands share to print the results of library calls, to wait and download under one
-- --timeout, and to send a download to stdout (`-`).
local core = require "batch.core"
local ipairs, pairs, type, tostring, open, remove, execute, popen = ipairs, pairs, type, tostring, io.open,
                                                                     os.remove, os.execute, io.popen
local gsub, max = string.gsub, math.max

local _M = {}

-- Prints the items of an iterator that yields item, or false, err (the library's each/rows/records),
-- given as the values of a generic for (on Lua 5.4 the fourth, a to-be-closed value, cleans up on
-- break). Stops after `limit` items when given. Returns true, or nil, err.
function _M.iter(ctx, w, limit, ...)
  local n = 0
  if limit ~= 0 then
    for item, err in ... do
      ctx.progress:finish()  -- a download's progress line ends before the first item
      if not item then w:close() return nil, err end
      w:add(item)
      n = n + 1
      if limit and n >= limit then break end
    end
  end
  w:close()
  return true
end

-- Prints an array of items as a list (o: see output's list).
function _M.list(ctx, items, o)
  local w = ctx.out:list(o)
  for _, item in ipairs(items) do w:add(item) end
  w:close()
  return true
end

-- Prints a result value, or passes nil, err on.
function _M.value(ctx, v, err)
  if v == nil then return nil, err end
  ctx.out:value(v)
  return true
end

-- Prints statistics: the value, or with --csv one row per day of its array `key` (nested A/B versions
-- as dotted columns).
function _M.stats(ctx, key, s, err)
  if s == nil then return nil, err end
  if not ctx.out.csv then return _M.value(ctx, s) end
  return _M.list(ctx, type(s[key]) == "table" and s[key] or {}, { first = { "date" } })
end

-- Prints what a write did: Batch's answer (a table, or true for a route that answers nothing) with
-- "ok": true and the fields of `names` (what was written: { name = NAME }); or passes nil, err on.
function _M.written(ctx, names, answer, err)
  if answer == nil then return nil, err end
  local out = {}
  if type(answer) == "table" then for k, v in pairs(answer) do out[k] = v end end
  for k, v in pairs(names) do out[k] = v end
  out.ok = true
  ctx.out:value(out)
  return true
end

-- A 2.x list: one page (--from CURSOR, --limit N; when there are more, the command that gives the
-- next page goes to stderr) or, with --all, every item page by page. `resource` has list and each;
-- `key` is the array of a page ("exports"); `command` the command's words ("project-export list").
function _M.cursor_list(ctx, opts, resource, key, columns, command)
  if opts.all then
    if opts.from then ctx.fail("--all and --from cannot go together") end
    return _M.iter(ctx, ctx.out:list{ first = columns }, nil, resource:each{ page_size = opts.limit })
  end
  local page, err = resource:list{ from = opts.from, limit = opts.limit }
  if not page then return nil, err end
  _M.list(ctx, type(page[key]) == "table" and page[key] or {}, { first = columns })
  if page.has_more and type(page.next_from) == "string" then
    ctx.note("more " .. key .. ": batch " .. command .. " --from " .. page.next_from)
  end
  return true
end

-- The options and help of a cursor_list command.
_M.CURSOR_FLAGS = { from = "string", limit = "int", all = "switch" }
function _M.cursor_help(noun)
  return "One page (--limit 1 to 100, default 10) starting at cursor --from; when there are more, the next\n" ..
         "cursor is printed on stderr. --all lists every " .. noun .. ", page by page."
end

-- One deadline for a whole flow (create, wait, download): budget(seconds or nil) --> left(), the seconds
-- left (never below a millisecond, so the library's own deadline check says TIMEOUT), or nil without one.
function _M.budget(seconds)
  if not seconds then return function() return nil end end
  local ends = core.now() + seconds
  return function() return max(0.001, ends - core.now()) end
end

-- The poll options of a wait: progress, --interval, the budget's time left (default 1800 s).
function _M.wait_options(ctx, opts, label, left)
  local o = { on_poll = ctx.progress:poller(label), timeout = left and left() or opts.timeout }
  if opts.interval then o.interval, o.max_interval = opts.interval, opts.interval end
  return o
end

-- Prints what a wait past its deadline leaves to do, before its error line: the id to wait for again.
function _M.still_running(ctx, err, resume)
  if type(err) == "table" and err.name == "WAIT_TIMEOUT" then ctx.note("still running: " .. resume) end
end

local function shell_quote(s)
  return "'" .. gsub(s, "'", "'\\''") .. "'"
end

-- A private temporary folder (mode 0700), removed by the command's cleanup whatever happens.
function _M.tmpdir(ctx)
  local base = os.getenv("TMPDIR")
  if not base or base == "" then base = "/tmp" end
  local p = popen("mktemp -d " .. shell_quote(base .. "/batch.XXXXXXXX") .. " 2>/dev/null")
  local dir = p and p:read("*l")
  if p then p:close() end
  if not dir or dir == "" then return nil, "cannot make a temporary folder in " .. base end
  ctx:on_cleanup(function() execute("rm -rf -- " .. shell_quote(dir)) end)
  return dir
end

local CHUNK = 256 * 1024

-- Copies a file to stdout (raw bytes), then removes it.
function _M.copy_to_stdout(ctx, path)
  local f, why = open(path, "rb")
  if not f then return nil, { name = "IO_ERROR", message = "cannot read " .. path .. ": " .. tostring(why) } end
  while true do
    local chunk = f:read(CHUNK)
    if not chunk then break end
    ctx.out:raw(chunk)
  end
  f:close()
  ctx.out:flush()
  remove(path)
  return true
end

-- Downloads through `fetch(path)` (a library download to a path) to `target`: a path, or "-" for stdout
-- (through a private temporary file, so stdout gets only a whole file). Returns the library's result
-- (for "-": nothing is printed besides the file), or nil, err.
function _M.download(ctx, target, fetch)
  if target ~= "-" then return fetch(target) end
  local dir, why = _M.tmpdir(ctx)
  if not dir then return nil, { name = "IO_ERROR", message = why } end
  local path = dir .. "/download"
  local res, err = fetch(path)
  if not res then return nil, err end
  local ok, e = _M.copy_to_stdout(ctx, path)
  if not ok then return nil, e end
  return res
end

return _M
