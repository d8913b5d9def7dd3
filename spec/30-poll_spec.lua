-- batch.poll: delays, deadline, cancel, retryable failures, with an injected clock (instant).
local batch = require "batch"
local Error = require "batch.error"

describe("batch.poll", function()
  local t, sleeps
  local function clock()
    return { now = function() return t end, sleep = function(s) sleeps[#sleeps + 1] = s t = t + s end }
  end
  before_each(function() t, sleeps = 1000, {} end)

  local function opts(extra)
    local c = clock()
    local o = { now = c.now, sleep = c.sleep }
    for k, v in pairs(extra or {}) do o[k] = v end
    return o
  end

  it("returns the value once check says done, growing the delay by factor up to max_interval", function()
    local n = 0
    local v, err = batch.poll(function()
      n = n + 1
      if n == 8 then return true, "done" end
      return false, { status = "PENDING", n = n }
    end, opts{ interval = 1, factor = 2, max_interval = 10, jitter = 0 })
    assert.is_nil(err)
    assert.equal("done", v)
    assert.same({ 1, 2, 4, 8, 10, 10, 10 }, sleeps)
  end)

  it("puts jitter on every delay, within the fraction asked", function()
    local n = 0
    batch.poll(function()
      n = n + 1
      if n > 200 then return true end
      return false
    end, opts{ interval = 2, factor = 1, jitter = 0.25 })
    local distinct = {}
    for _, s in ipairs(sleeps) do
      assert.is_true(s >= 1.5 and s <= 2.5, "delay " .. s)
      distinct[s] = true
    end
    local count = 0
    for _ in pairs(distinct) do count = count + 1 end
    assert.is_true(count > 10)
  end)

  it("gives WAIT_TIMEOUT with the last info when the deadline passes, never sleeping past it", function()
    local v, err = batch.poll(function() return false, { status = "PENDING" } end,
                              opts{ interval = 4, factor = 1, jitter = 0, timeout = 10 })
    assert.is_nil(v)
    assert.equal("WAIT_TIMEOUT", err.name)
    assert.same({ status = "PENDING" }, err.info)
    assert.equal(1010, t)
    assert.same({ 4, 4, 2 }, sleeps)
    assert.equal(4, err.attempts)
  end)

  it("on_poll sees info, attempt and elapsed, and cancels by returning false", function()
    local calls = {}
    local _, err = batch.poll(function() return false, { status = "PENDING" } end, opts{
      interval = 1, factor = 1, jitter = 0,
      on_poll = function(info, attempt, elapsed)
        calls[#calls + 1] = { info.status, attempt, elapsed }
        if attempt == 3 then return false end
      end })
    assert.equal("CANCELLED", err.name)
    assert.same({ { "PENDING", 1, 0 }, { "PENDING", 2, 1 }, { "PENDING", 3, 2 } }, calls)
  end)

  it("keeps waiting through retryable failures, and a 429 waits at least 5 s", function()
    local n = 0
    local v = batch.poll(function()
      n = n + 1
      if n == 1 then return nil, Error.new{ name = "SERVER_ERROR", status = 500, retryable = true } end
      if n == 2 then return nil, Error.new{ name = "TOO_MANY_REQUESTS", status = 429, retryable = true } end
      if n == 3 then
        return nil, Error.new{ name = "TOO_MANY_REQUESTS", status = 429, retryable = true, retry_after = 9 }
      end
      return true, n
    end, opts{ interval = 1, factor = 1, jitter = 0.2 })
    assert.equal(4, v)
    assert.is_true(sleeps[1] <= 1.2)
    assert.is_true(sleeps[2] >= 5)
    assert.is_true(sleeps[3] >= 9)
  end)

  it("ends on a failure that is not retryable and passes it through", function()
    local e = Error.new{ name = "AUTHENTICATION_INVALID", status = 401 }
    local v, err = batch.poll(function() return nil, e end, opts())
    assert.is_nil(v)
    assert.equal(e, err)
    assert.equal(0, #sleeps)
  end)

  it("gives check the seconds left before the deadline", function()
    local seen = {}
    batch.poll(function(left)
      seen[#seen + 1] = left
      if #seen == 3 then return true end
      return false
    end, opts{ interval = 2, factor = 1, jitter = 0, timeout = 60 })
    assert.same({ 60, 58, 56 }, seen)
  end)

  it("raises on bad options", function()
    assert.has_error(function() batch.poll(function() end, { intervall = 1 }) end, "poll: unknown option 'intervall'")
    assert.has_error(function() batch.poll(function() end, { timeout = "x" }) end)
    assert.has_error(function() batch.poll("x") end, "poll: check must be a function")
  end)
end)
