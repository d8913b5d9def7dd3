-- What the wire specs (spec/9x-wire-*_spec.lua) check of one call: the one request the emulator logged
-- for it, as Batch documents it (method, path with the keys and percent-encoding, query, the headers of
-- the API family, the JSON body), and that a call refused before sending left the log empty.
local cjson = require "cjson"
local assert = require "luassert"

local M = {}

-- The query string "a=1&b=x%20y" as a table (values decoded).
local function query_of(s)
  local out = {}
  for k, v in (s or ""):gmatch("([^&=]+)=?([^&]*)") do
    out[k] = v:gsub("%%(%x%x)", function(h) return string.char(tonumber(h, 16)) end)
  end
  return out
end

-- The single request m logged since its log was cleared; fails when there is not exactly one.
function M.only(m)
  local log = m:log()
  assert.equal(1, #log, "the emulator should have seen one request, saw " .. #log)
  return log[1]
end

-- Checks the logged request e against want = { method, path (raw, keys as {api_key}), query (table),
-- body (a Lua value: the JSON sent; nil: none) } for the API family ("1" or "2").
function M.check(m, e, family, want)
  local keys = m.keys
  assert.equal(want.method, e.method)
  local path = want.path:gsub("{api_key}", keys.api_key)
  assert.equal(path, e.raw_path)
  assert.same(want.query or {}, query_of(e.query))
  local h = e.headers
  if family == "2" then
    assert.equal("Bearer " .. keys.rest_key, h["authorization"])
    assert.equal(keys.project_key, h["x-batch-project"])
    assert.is_nil(h["x-authorization"])
  else
    assert.equal(keys.rest_key, h["x-authorization"])
    assert.is_nil(h["authorization"])
    assert.is_nil(h["x-batch-project"])
  end
  assert.matches("^lua%-batch/", h["user-agent"])
  if want.body == nil then
    assert.equal("", e.body, "no body is sent")
    assert.is_nil(h["content-type"], "no Content-Type without a body")
  else
    assert.equal("application/json", h["content-type"])
    assert.same(want.body, cjson.decode(e.body))
  end
end

-- Runs a wire case (spec/support/wire_cases.lua): its prepare, then its call with the log cleared; checks
-- the request Batch saw (the first one when the call makes ctx.requests_of of them: a link, then
-- storage) and the result. Returns the result.
function M.run(m, client, case, ctx)
  if case.prepare then case.prepare(client, ctx) end
  ctx.requests_of = nil
  m:clear_log()
  local res, err = case.call(client, ctx)
  assert.is_nil(err, tostring(err))
  assert.is_not_nil(res)
  local want = {
    method = case.method,
    path = case.path_of and case.path_of(ctx) or case.path,
    query = case.query_of and case.query_of(ctx) or case.query,
    body = case.body_of and case.body_of(ctx) or case.body,
  }
  local e
  if ctx.requests_of then
    local log = m:log()
    assert.equal(ctx.requests_of, #log)
    e = log[1]
  else
    e = M.only(m)
  end
  M.check(m, e, case.family, want)
  if case.result then case.result(res, ctx) end
  return res
end

-- Runs a call that must be refused before anything is sent: INVALID_ARGUMENT matching `pattern`.
function M.refused(m, client, call, pattern)
  m:clear_log()
  local res, err = call(client)
  assert.is_nil(res)
  assert.is_truthy(err, "the call should have been refused")
  assert.equal("INVALID_ARGUMENT", err.name, tostring(err))
  assert.is_false(err.sent)
  if pattern then assert.matches(pattern, err.message, 1, true) end
  assert.same({}, m:log(), "nothing is sent")
end

return M
