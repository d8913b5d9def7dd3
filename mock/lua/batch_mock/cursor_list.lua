-- The 2.x cursor lists (audiences, catalogs, orchestrations; batch-api.md §4.3 note): ?from=CURSOR
-- &limit=1..100 (default 10); {"<name>": [items], "count": <total, first page only>, "has_more",
-- "next_from" (only when has_more)}. The cursor is the base64 of the next page's first id.
local json = require "batch_mock.json"
local errors = require "batch_mock.errors"
local query = require "batch_mock.query"

local ipairs = ipairs

-- collection: a collection.lua; field: the array's name; shape(record) -> the listed item.
return function(collection, field, shape)
  local limit, name, message = query.limit()
  if not limit then return errors.v2(name, message) end
  local from
  from, name, message = query.cursor()
  if from == nil then return errors.v2(name, message) end
  local page, next_id = collection:page(from or nil, limit)
  if not page then return errors.v2("MALFORMED_PARAMETER", "Malformed parameter 'from': unknown cursor") end
  local items = json.array()
  for i, rec in ipairs(page) do items[i] = shape(rec) end
  local out = { [field] = items, has_more = next_id ~= nil }
  if next_id then out.next_from = query.encode_cursor(next_id) end
  -- "count is only returned for the first page"
  if not from then out.count = collection:count() end
  return 200, json.encode(out)
end
