-- The write rule of the contract (Retries) on every write route of the route table: a write that reached
-- Batch is never sent again, except after a 429 or a 503 (Batch answers them before doing anything); a
-- 500 or a connection cut after the request was sent ends the call at once, with the error (the caller
-- decides). Each write is replayed from its wire case (spec/support/wire_cases.lua) under injected faults.
local batch = require "batch"
local routes = require "batch.routes"
local mock = require "spec.support.mock"
local wire_cases = require "spec.support.wire_cases"
local file_util = require "spec.support.files"

-- The decoded path of a case after the version and the API key (what the emulator's faults match).
local function fault_path(path)
  local rest = path:match("^/1%.[01]/{api_key}(/.*)$") or path:match("^/2%.%d+(/.*)$") or path
  return (rest:gsub("%%(%x%x)", function(h) return string.char(tonumber(h, 16)) end))
end

describe("the write rule on every write route", function()
  local m, c, ctx, slept
  setup(function()
    m = mock.start()
    m:exports_config{ pending_after = 0.01, done_after = 0.02 }
    m:limits{ enabled = false }
    slept = {}
    c = batch.new{ api_key = m.keys.api_key, rest_key = m.keys.rest_key, project_key = m.keys.project_key,
                   base_url = m.url, max_retries = 2, sleep = function(s) slept[#slept + 1] = s end }
    local seeded = assert(c.campaigns:list{ limit = 1, from_api = false })[1].campaign_token
    local seeded_inapp = assert(c.inapp_campaigns:list{ limit = 1 })[1].campaign_token
    ctx = { keys = m.keys, campaigns = { seeded = seeded }, inapp_campaigns = { seeded = seeded_inapp },
            tmpdir = file_util.tmpdir }
  end)
  teardown(function()
    if c then c:close() end
    m:stop()
  end)

  -- The case's calls, with the fault given in place for the write itself; returns res, err, requests seen.
  local function replay(case, fault)
    m:reset() -- each write is replayed three times: what its prepare makes must not exist yet
    m:limits{ enabled = false }
    if case.prepare then case.prepare(c, ctx) end
    local path = case.path_of and case.path_of(ctx) or case.path
    fault.method, fault.path, fault.count = case.method, fault_path(path), fault.count or 1
    m:clear_faults()
    m:fault(fault)
    m:clear_log()
    local res, err = case.call(c, ctx)
    m:clear_faults()
    return res, err, #m:log()
  end

  local writes = 0
  for _, name in ipairs(wire_cases.order) do
    local route = routes.by_name[name]
    local case = wire_cases.cases[name]
    if route.write then
      writes = writes + 1
      it(name .. ": a 500 ends the call after one request, SERVER_ERROR, not retryable", function()
        local res, err, seen = replay(case, { status = 500 })
        assert.is_nil(res)
        assert.equal("SERVER_ERROR", err.name)
        assert.equal(1, err.attempts)
        assert.is_false(err.retryable)
        assert.equal(1, seen)
      end)
      it(name .. ": a connection cut after sending is not sent again", function()
        local res, err, seen = replay(case, { action = "drop" })
        assert.is_nil(res)
        assert.equal("NETWORK_ERROR", err.name)
        assert.equal(1, err.attempts)
        assert.equal(1, seen)
      end)
      it(name .. ": a 503 is retried, and the write then succeeds", function()
        local before = #slept
        local res, err, seen = replay(case, { status = 503 })
        assert.is_nil(err, tostring(err))
        assert.is_not_nil(res)
        assert.equal(2, seen)
        assert.equal(before + 1, #slept)
      end)
    end
  end

  it("covers every write of the route table", function()
    local all = 0
    for _, r in ipairs(routes.list) do if r.write then all = all + 1 end end
    assert.equal(all, writes)
  end)
end)
