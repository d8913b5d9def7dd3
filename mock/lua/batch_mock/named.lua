-- What the 2.x collections addressed by name (audiences, catalogs) share: the name rule and the view
-- route. Names are letters, digits, _ and -, at most 255 characters (CONFIRMED for audiences; catalogs'
-- UNCONFIRMED, taken to be the same).
local json = require "batch_mock.json"
local errors = require "batch_mock.errors"
local validate = require "batch_mock.validate"
local query = require "batch_mock.query"

local type, find = type, string.find

local _M = {}

-- Nothing when the body's name v is valid, else the error name and message; `what` ("audience",
-- "catalog") names the collection in the message.
function _M.check_name(v, what)
  if validate.absent(v) then return validate.missing("name") end
  if type(v) ~= "string" or #v > 255 or not find(v, "^[%w_%-]+$") then
    return validate.malformed("name", what .. " names are letters, digits, _ and -, at most 255 characters")
  end
end

-- The handler of GET /2.N/{audiences|catalogs}/view?name=&indexing_token=: `store(project)` holds the
-- records, `shape(record, token)` is what view shows, `not_found(name)` the 404; an indexing token the
-- record never issued is a 400 MALFORMED_PARAMETER.
function _M.view(what, store, shape, not_found)
  return function(ctx)
    local name, e, m = query.required("name")
    if not name then return errors.v2(e, m) end
    local token
    token, e, m = query.arg("indexing_token")
    if e then return errors.v2(e, m) end
    if token == "" then token = nil end
    local rec = store(ctx.project):get(name)
    if not rec then return not_found(name) end
    local out = shape(rec, token)
    if not out.indexing_state then
      return errors.v2(validate.malformed("indexing_token", "no such token for " .. what .. " '" .. name .. "'"))
    end
    return 200, json.encode(out)
  end
end

return _M
