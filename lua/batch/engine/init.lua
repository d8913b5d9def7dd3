-- The attempt engine: the one place that sends attempts, counts them, waits between them and decides
-- when to stop. Every request of the client goes through stream() (run() is it over an array, call() its
-- single-job form): a single API call, get_many's calls, a download, the parts of a 2.x export. What
-- differs between them is given by the job:
--   job = {
--     method, url,          what is sent (url is redacted before it is shown)
--     shown,                the URL as events and errors show it (default: url, keys redacted)
--     write,                a write (default: the method is not GET or HEAD): the write rule applies
--     deadline,             absolute, on client.now's clock (nil: none)
--     timeout,              seconds per attempt (default: the client's)
--     retries,              tries after the first (default: the client's max_retries)
--     event,                "response" (default) or "download": the type of the event after each attempt
--     request(job, timeout) -> req | nil, fields  the attempt's request, its timeout cut to the deadline
--                                                  (nil and fields: the job ends with them, unsent)
--     classify(job, res) -> value | nil, fields   what an HTTP answer means (fields.again: try again now,
--                                                  without backoff, e.g. once a stale link was renewed;
--                                                  a batch.Error instead of fields ends the job with it)
--     failed(job)           (optional) called once when the job ends without a value
--   }
-- After run, job.value holds the result, or job.err a batch.Error.
-- The policy (what is retried, how long to wait) is batch.engine.policy's; the schedule of the polling
-- helper and the queue's pauses come from here too (schedule, retry_at), so nothing else sleeps.
local Error = require "batch.error"
local policy = require "batch.engine.policy"
local redact = require "batch.redact"
local callback = require "batch.callback"

local ipairs, setmetatable, min, max, time = ipairs, setmetatable, math.min, math.max, os.time
local random = math.random

local _M = { policy = policy }

local function emit(client, ev)
  callback.call("on_event", client.opts.on_event, ev)
end
_M.emit = emit

-- Sleeps s seconds on the client's clock (the only sleep of the client).
local function wait(client, s)
  client.sleep(s > 0 and s or 0)
end
_M.wait = wait

local function shown(client, job)
  local s = job.shown
  if not s then
    s = redact.text(client, job.url)
    job.shown = s
  end
  return s
end

-- The request of the job's next attempt, or nil when its deadline has passed.
local function next_request(client, job)
  local o = client.opts
  local timeout = job.timeout or o.timeout
  local deadline = job.deadline
  if deadline then
    local left = deadline - client.now()
    if left <= 0 then return nil end
    timeout = timeout > 0 and min(timeout, left) or left
  end
  return job.request(job, timeout)
end

-- The error fields of an attempt's outcome: the transport's failure, or the job's reading of the answer.
-- Returns the value, or nil and the fields.
local function outcome(client, job, res, failure)
  if not res then
    local e = Error.failure(failure)
    e.message = redact.text(client, e.message)
    return nil, e
  end
  local value, e = job.classify(job, res)
  if value == nil and e.status and e.retry_after == nil then
    local headers = res.headers
    e.retry_after = policy.parse_retry_after(headers and headers["retry-after"], time())
  end
  return value, e
end

-- Ends a job that will not be tried again: the batch.Error of its last attempt.
local function fail(client, job, e)
  if Error.is_error(e) then -- an error that ended something the job depends on (a link it renewed)
    job.err = e
    if job.failed then job.failed(job) end
    return
  end
  e.again = nil -- a retry-now that the deadline or the attempts left no room for
  e.method, e.url, e.attempts = job.method, shown(client, job), job.attempts
  e.retryable = policy.retryable(job.write, e)
  e.message = redact.text(client, e.message)
  if e.body then e.body = redact.cut(client, e.body, 4096) end
  if e.headers then e.headers = redact.headers(client, e.headers) end
  job.err = Error.final_error(e)
  if job.failed then job.failed(job) end
end

-- Reports attempt n of job (on_event "request"); returns the start time. Called only with on_event set
-- (the callers test it: this is every request's path).
local function announce(client, job, req)
  emit(client, { type = "request", method = job.method, url = shown(client, job), attempt = job.attempts,
                 headers = redact.request_headers(client, req.headers) })
  return client.now()
end

local function report(client, job, res, failure, started)
  local ev = { type = job.event or "response", method = job.method, url = shown(client, job),
               attempt = job.attempts, elapsed = client.now() - started }
  if res then
    ev.status, ev.bytes = res.status, res.bytes
    if res.headers then
      ev.headers = redact.headers(client, res.headers)
      ev.request_id = res.headers["x-request-id"] or res.headers["x-batch-request-id"]
    end
  else
    ev.error = Error.failure(failure).name
  end
  emit(client, ev)
end

-- Decides what comes after a failed attempt: the time of the next one (no later than the deadline), or
-- nil when the job ends. Emits the "retry" event.
local function reschedule(client, job, e, now)
  if Error.is_error(e) then return nil end
  if e.again then return now, 0 end
  if job.attempts >= (job.retries or client.opts.max_retries) + 1 then return nil end
  if not policy.retryable(job.write, e, job.resend) then return nil end
  local delay = policy.delay(job.attempts, e)
  if job.deadline and now + delay >= job.deadline then return nil end
  if client.opts.on_event then
    emit(client, { type = "retry", method = job.method, url = shown(client, job), attempt = job.attempts,
                   delay = delay, status = e.status, error = e.name })
  end
  return now + delay, delay
end

-- Reads the outcome of an attempt of job (res or failure; `started` the time announce gave, or nil):
-- sets job.value, or ends the job with its error, or returns the error fields and the time and delay of
-- its next attempt. The one reading of an attempt, for run and call alike. `now` is the time the attempt
-- ended (nil: the clock is read here, and only for an attempt that failed).
local function settle(client, job, res, failure, started, now)
  if started then report(client, job, res, failure, started) end
  local value, e = outcome(client, job, res, failure)
  if value ~= nil then
    job.value = value
    return nil
  end
  local at, delay = reschedule(client, job, e, now or client.now())
  if at then return e, at, delay end
  fail(client, job, e)
end

-- One round of attempts on the transport: next_req() gives the round's requests (nil: no more), each
-- outcome goes to on_done(k, res, failure, now), k the request's place in the round, now the clock's
-- time after the round's transfers (nil: read it). With `streamed`, a transport with a stream of its own
-- asks for requests as it has room and hands outcomes over as they come, so a round of thousands holds
-- only what is in flight; otherwise a parallel transport gets the round's requests at once, and one
-- that is not parallel gets them one after the other, each made when it goes. Returns false when
-- on_progress cancelled the round (its requests' outcomes then never come).
local function round(client, next_req, on_done, concurrency, on_progress, streamed)
  local transport = client.transport
  if streamed then
    transport.stream(next_req, on_done, { concurrency = concurrency })
    return true
  end
  local o = { concurrency = concurrency, on_progress = on_progress }
  if not transport.parallel then
    local k = 0
    for req in next_req do
      k = k + 1
      if on_progress then
        local results, failures = transport.request_many({ req }, o)
        if not results then return false end
        on_done(k, results[1], failures[1])
      else
        on_done(k, transport.request(req))
      end
    end
    return true
  end
  local reqs = {}
  for req in next_req do reqs[#reqs + 1] = req end
  local results, failures
  if #reqs == 0 then return true end
  if #reqs == 1 and not on_progress then
    local res, failure = transport.request(reqs[1])
    results, failures = { res }, { failure }
  else
    results, failures = transport.request_many(reqs, o)
    if not results then return false end
  end
  local now = client.now()
  for k = 1, #reqs do on_done(k, results[k], failures[k], now) end
  return true
end

-- Runs jobs to their end, each getting a value or an error: the first attempts of all of them, and the
-- tries again at once (fields.again), in one round; then, after the wait for the soonest backoff, the
-- attempts due by then in the next round, and so on. Jobs come from make() (nil: no more), made as the
-- round has room for them, and each is handed to ended(job) (optional) once it has job.value or job.err.
-- opts.concurrency bounds the transfers in flight; opts.on_progress(bytes, total) sees the body bytes of
-- the round in flight (false cancels every transfer: the jobs not ended yet end with CANCELLED).
-- opts.stream: nothing of the jobs calls the client (make, ended, job.request, job.classify and
-- job.failed then run inside the transport's loop, between transfers), so their transfers may be
-- streamed (transport.stream) unless the caller's callbacks run per request (on_progress, on_event):
-- those keep every round's transfers apart from the code of each attempt, so they may call the client.
function _M.stream(client, make, ended, opts)
  local transport = client.transport
  local concurrency = opts and opts.concurrency or 16
  local on_progress = opts and opts.on_progress
  local streamed = opts and opts.stream and transport.stream and not on_progress and not client.opts.on_event
  local now = client.now() -- the time of the last outcome, or of the end of the last wait
  local made_all = false
  local due, due_head, due_tail = {}, 1, 0 -- jobs whose attempt is due now, first in first out
  local waiting = {} -- jobs backing off, in the order their attempts failed
  local last = {} -- job -> error fields of its last failed attempt
  local next_at = {} -- job -> when its next attempt is due
  local delay_of, base_of = {}, {} -- job -> its backoff delay, and when it was decided
  -- By place k in the round: the job (false once it has ended), and the time announce gave. An ended
  -- job's place keeps false rather than nil: with places taken and freed one for one, a table whose
  -- live keys stay at a power of two (a concurrency of 256) is rehashed at every new key, over all of
  -- them (43k instructions a request at 256); a place kept costs 16 bytes.
  local inflight, starts, sent = {}, {}, 0

  local function finish(job)
    last[job], next_at[job], delay_of[job], base_of[job] = nil, nil, nil, nil
    if ended then ended(job) end
  end

  -- The job to attempt now: a new one while there are any, then those due again.
  local function pull()
    if not made_all then
      local job = make()
      if job then
        job.attempts = 0
        if job.write == nil then job.write = policy.is_write(job.method) end
        return job
      end
      made_all = true
    end
    if due_head <= due_tail then
      local job = due[due_head]
      due[due_head], due_head = nil, due_head + 1
      return job
    end
  end

  -- The request of the round's next attempt (its timeout cut when it is made), or nil.
  local function next_req()
    while true do
      local job = pull()
      if not job then return nil end
      local req, e = next_request(client, job)
      if req then
        job.attempts = job.attempts + 1
        sent = sent + 1
        inflight[sent], starts[sent] = job, client.opts.on_event and announce(client, job, req)
        return req
      end
      fail(client, job, e or last[job] or Error.deadline())
      finish(job)
    end
  end

  local function on_done(k, res, failure, at_time)
    local job, started = inflight[k], starts[k]
    inflight[k], starts[k] = false, nil
    now = at_time or client.now()
    local e, at, delay = settle(client, job, res, failure, started, now)
    if not at then return finish(job) end
    last[job], next_at[job], delay_of[job], base_of[job] = e, at, delay, now
    if e.again then
      due_tail = due_tail + 1
      due[due_tail] = job
    else
      waiting[#waiting + 1] = job
    end
  end

  local function cancel(job)
    fail(client, job, Error.cancelled_fields("the transfer was cancelled by on_progress"))
    finish(job)
  end
  while true do
    sent = 0
    if not round(client, next_req, on_done, concurrency, on_progress, streamed) then
      -- every job not ended yet: the round's, those backing off, those due or not made yet
      for k = 1, sent do
        if inflight[k] then cancel(inflight[k]) end
      end
      for _, job in ipairs(waiting) do cancel(job) end
      for job in pull do cancel(job) end
      return
    end
    if due_head > due_tail then
      if #waiting == 0 then return end
      -- wait for the soonest backoff (the first of equals), then every attempt due by then goes
      local first = waiting[1]
      for i = 2, #waiting do
        if next_at[waiting[i]] < next_at[first] then first = waiting[i] end
      end
      local soonest = next_at[first]
      wait(client, base_of[first] - now + delay_of[first]) -- as scheduled: the delay itself, usually
      now = max(client.now(), soonest)
      local still = {}
      for _, job in ipairs(waiting) do
        if next_at[job] <= now then
          due_tail = due_tail + 1
          due[due_tail] = job
        else
          still[#still + 1] = job
        end
      end
      waiting = still
    end
  end
end

-- Runs an array of jobs to their end (see stream): after it, job.value holds each one's result, or
-- job.err a batch.Error. Returns jobs.
function _M.run(client, jobs, opts)
  local i = 0
  _M.stream(client, function()
    i = i + 1
    return jobs[i]
  end, nil, opts)
  return jobs
end

-- One job: its value, or nil and its batch.Error. What run does for a single job, without its tables
-- (this is every API call's path): attempt, settle, wait out the backoff (a retry-now goes at once).
function _M.call(client, job)
  local transport = client.transport
  job.attempts = 0
  if job.write == nil then job.write = policy.is_write(job.method) end
  local last
  while true do
    local req, e = next_request(client, job)
    if not req then
      fail(client, job, e or last or Error.deadline())
      break
    end
    job.attempts = job.attempts + 1
    local started = client.opts.on_event and announce(client, job, req) -- nil or false: no events
    local res, failure = transport.request(req)
    local at, delay
    last, at, delay = settle(client, job, res, failure, started)
    if not at then break end
    if not last.again then wait(client, delay) end
  end
  if job.value ~= nil then return job.value end
  return nil, job.err
end

------------------------------------------------------------------------------------------------------
-- Schedules for what is not a request: the polls of a wait, the pauses of the queue
------------------------------------------------------------------------------------------------------

-- The time (on `now`'s clock) a failed attempt `attempt` may be followed by another, or nil when the
-- policy gives up on it (writes resent only with `resend`). For the queue, which keeps its own timers.
function _M.retry_at(e, attempt, now, write, resend)
  if not policy.retryable(write, e, resend) then return nil end
  return now + policy.delay(attempt, e)
end

-- The pause a route takes after a 429 (at least 5 s, or Retry-After when it says more).
_M.pause_after = policy.floor

local Schedule = {}
Schedule.__index = Schedule

-- A poll schedule: opts = { now, sleep, timeout, interval, factor, max_interval, jitter }. Delays grow
-- by `factor` from `interval` up to `max_interval`, jittered by +-jitter; one deadline for all polls.
function _M.schedule(opts)
  local start = opts.now()
  return setmetatable({ o = opts, start = start, deadline = start + opts.timeout, delay = opts.interval,
                        attempt = 0 }, Schedule)
end

-- Starts the next poll; returns its number.
function Schedule:begin()
  self.attempt = self.attempt + 1
  return self.attempt
end

function Schedule:elapsed() return self.o.now() - self.start end
function Schedule:left() return self.deadline - self.o.now() end

-- Sleeps until the next poll, after a poll that failed with retryable error fields e (or nil); returns
-- false without sleeping when the deadline has passed.
function Schedule:wait(e)
  local o = self.o
  local left = self.deadline - o.now()
  if left <= 0 then return false end
  local floor = e and policy.floor(e) or 0
  local jittered = max(floor, self.delay * (1 + o.jitter * (2 * random() - 1)))
  o.sleep(min(jittered, left))
  self.delay = min(self.delay * o.factor, o.max_interval)
  return true
end

return _M
