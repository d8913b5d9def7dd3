-- What the queue tells its user: on_drop(items, err) for items given up on (or, without on_drop, an
-- on_event of type "drop" with the count and the reason, never the items), on_flush(report) once per
-- batch sent. Hooks are called through batch.callback (they must not yield). Each hook of a list is
-- called even when an earlier one raised; the first raise is raised again once all have run, so that
-- one bad hook does not hide the others' reports.
local callback = require "batch.callback"

local ipairs, pcall, error = ipairs, pcall, error

local _M = {}

-- Reports the items idx (indices into batch b) as dropped for err. Returns nothing, or the raise.
local function drop(q, b, idx, err)
  local kind = b.lane.kind
  local fn = q.on_drop
  if fn then
    local items, ids, its, flags = {}, b.ids, b.items, b.flags
    for k, i in ipairs(idx) do items[k] = kind.given(ids[i], its[i], flags[i]) end
    local ok, raised = pcall(callback.call, "on_drop", fn, items, err)
    if not ok then return raised end
    return
  end
  local ev = { type = "drop", route = kind.route.name, count = #idx, reason = err.name }
  if q.log then q.log(ev) end -- inside nginx: a warning in the error log
  local on_event = q.client.opts.on_event
  if on_event then
    local ok, raised = pcall(callback.call, "on_event", on_event, ev)
    if not ok then return raised end
  end
end

-- Runs the reports of an ended batch: drops = { { idx = {...}, err = Error }, ... }, then on_flush's
-- report when a call was made. Raises the first hook's raise after every report was made.
function _M.ended(q, b, drops, report)
  local first
  for _, d in ipairs(drops) do
    local raised = drop(q, b, d.idx, d.err)
    if raised ~= nil and first == nil then first = raised end
  end
  if report and q.on_flush then
    local ok, raised = pcall(callback.call, "on_flush", q.on_flush, report)
    if not ok and first == nil then first = raised end
  end
  if first ~= nil then error(first, 0) end
end

return _M
