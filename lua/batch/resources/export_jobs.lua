-- What the two export APIs share: an export is a job on Batch's side, waited for by polling its status
-- (1.0: CREATED, PENDING, SUCCESS, ERROR, EXPIRED; 2.x: CREATED, PENDING, RUNNING, SUCCESS, ERROR), then
-- its files are fetched. The infos and views hold the API key (1.0 `uri`, `file_url`): what an error
-- carries of them is redacted.
local Error = require "batch.error"
local api = require "batch.api"
local poll = require "batch.poll"
local redact = require "batch.redact"
local validate = require "batch.validate"
local raise = validate.raise

local type, tostring = type, tostring

local _M = {}

-- The id of an id or of an info/view table; raises on anything else.
function _M.id_of(fname, x, what)
  if type(x) == "table" then x = x.id end
  if type(x) ~= "string" then raise(fname .. ": expects an export id or the " .. what) end
  return x
end

-- The message of a failed export: the first of its string fields that say why.
local function why(client, info)
  for _, k in ipairs{ "error_msg", "error_message", "error", "message" } do
    if type(info[k]) == "string" then return redact.text(client, info[k]) end
  end
end

-- Waits for the export `id` with get_route; returns the final info (status SUCCESS), or nil and
-- EXPORT_FAILED, EXPORT_EXPIRED, WAIT_TIMEOUT, CANCELLED or a non-retryable API error.
function _M.wait(client, get_route, fname, id, opts)
  local ok, err = validate.id(fname, id)
  if not ok then return nil, err end
  return poll.poll(function(remaining)
    local info, gerr = api.request(client, get_route, { id = id }, { deadline = remaining })
    if not info then return nil, gerr end
    local status = info.status
    if status == "SUCCESS" then return true, info end
    if status == "ERROR" then return nil, Error.export_failed(redact.tree(client, info), why(client, info)) end
    if status == "EXPIRED" then return nil, Error.export_expired(redact.tree(client, info)) end
    return false, info
  end, opts, client)
end

-- The info of a finished export: x itself when ready(x), else a fresh get that must be ready; nil and
-- INVALID_ARGUMENT (the export is not ready) otherwise.
function _M.finished(client, get_route, fname, x, what, ready, opts, deadline)
  if type(x) == "table" and ready(x) then return x end
  local info, err = api.request(client, get_route, { id = _M.id_of(fname, x, what) }, opts, deadline)
  if not info then return nil, err end
  if not ready(info) then
    return nil, Error.invalid_argument(fname .. ": the export is not ready (status " .. tostring(info.status) .. ")",
                                       { export = redact.tree(client, info) })
  end
  return info
end

return _M
