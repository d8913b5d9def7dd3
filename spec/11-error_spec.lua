-- batch.Error: fields, the one-line form, is_error, and the retry policy's pure parts.
local batch = require "batch"
local Error = require "batch.error"
local retry = require "batch.engine.policy"

describe("batch.Error", function()
  it("prints one line with name, status, code, message and the redacted path", function()
    local e = Error.new{ name = "TOO_MANY_REQUESTS", status = 429, code = 60, message = "slow down",
                         method = "GET", url = "https://api.batch.com/1.1/***/campaigns/abc" }
    assert.equal("TOO_MANY_REQUESTS (HTTP 429, code 60): slow down [GET /1.1/***/campaigns/abc]", tostring(e))
  end)

  it("gives a default message and retryable=false", function()
    local e = Error.new{ name = "INVALID_ARGUMENT" }
    assert.equal("INVALID_ARGUMENT: INVALID_ARGUMENT", tostring(e))
    assert.is_false(e.retryable)
  end)

  it("keeps at most 4 KiB of the body", function()
    local e = Error.new{ name = "HTTP_ERROR", body = string.rep("x", 10000) }
    assert.equal(4096, #e.body)
  end)

  it("is told apart from results", function()
    assert.is_true(batch.is_error(Error.new{ name = "TIMEOUT" }))
    assert.is_false(batch.is_error({ name = "TIMEOUT" }))
    assert.is_false(batch.is_error(nil))
    assert.equal(batch.Error, getmetatable(Error.new{ name = "X" }))
  end)
end)

describe("retry policy", function()
  it("retries reads on 429, 500, 502, 503, 504, timeouts and network errors only", function()
    for _, s in ipairs{ 429, 500, 502, 503, 504 } do assert.is_true(retry.retryable(false, { status = s })) end
    for _, s in ipairs{ 400, 401, 403, 404, 501 } do assert.is_false(retry.retryable(false, { status = s })) end
    assert.is_true(retry.retryable(false, { name = "TIMEOUT" }))
    assert.is_true(retry.retryable(false, { name = "NETWORK_ERROR" }))
    assert.is_false(retry.retryable(false, { name = "TLS_ERROR" }))
    assert.is_false(retry.retryable(false, { name = "INVALID_RESPONSE" }))
  end)

  it("retries writes only on 429/503 or when the request never reached the server", function()
    assert.is_true(retry.retryable(true, { status = 429 }))
    assert.is_true(retry.retryable(true, { status = 503 }))
    assert.is_false(retry.retryable(true, { status = 500 }))
    assert.is_false(retry.retryable(true, { name = "NETWORK_ERROR", sent = true }))
    assert.is_false(retry.retryable(true, { name = "TIMEOUT" }))
    assert.is_true(retry.retryable(true, { name = "NETWORK_ERROR", sent = false }))
  end)

  it("backs off exponentially with full jitter under a cap", function()
    for attempt = 1, 12 do
      local cap = math.min(retry.CAP, retry.BASE * 2 ^ (attempt - 1))
      for _ = 1, 50 do
        local d = retry.delay(attempt, { status = 500 })
        assert.is_true(d >= 0 and d <= cap + 0.001, "delay " .. d .. " over cap " .. cap)
      end
    end
  end)

  it("waits at least 5 s after a 429, or Retry-After when it says more", function()
    for _ = 1, 50 do assert.is_true(retry.delay(1, { status = 429 }) >= 5) end
    assert.is_true(retry.delay(1, { status = 429, retry_after = 42 }) >= 42)
    assert.is_true(retry.delay(1, { status = 429, retry_after = 1 }) >= 5)
  end)

  it("reads Retry-After as seconds or as an HTTP-date", function()
    assert.equal(7, retry.parse_retry_after("7", 0))
    assert.equal(120, retry.parse_retry_after("Wed, 21 Oct 2015 07:30:00 GMT",
                                             os.time{ year = 2015, month = 10, day = 21, hour = 7, min = 28, sec = 0,
                                                      isdst = false } + (os.time() - os.time(os.date("!*t")))))
    assert.is_nil(retry.parse_retry_after("soon", 0))
    assert.is_nil(retry.parse_retry_after(nil, 0))
  end)
end)
