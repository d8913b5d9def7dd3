-- Host-name resolution for the "ngx" transport's sockets (batch.ngx_names), on a stand-in of nginx's
-- event loop: coroutines for requests, a queue of timers, a semaphore that yields, a clock moved by hand.
-- spec/51 resolves real names inside a real nginx.
local ngx_names = require "batch.transport.ngx_names"

-- batch.ngx_names runs only inside nginx, on LuaJIT, where a coroutine may yield inside pcall (the timer
-- calls the resolver under pcall, and the resolver waits). PUC Lua 5.1 cannot yield there, so on it this
-- file describes nothing; 5.2, 5.3, 5.4 and LuaJIT run it.
local can_yield_in_pcall = not (_VERSION == "Lua 5.1" and not rawget(_G, "jit"))

;(can_yield_in_pcall and describe or function() end)("ngx_names", function()
  local loop, saved

  -- A tiny event loop: ready coroutines, timers due now, waits with deadlines on a clock.
  local function new_loop()
    local l = { clock = 0, ready = {}, timers = {}, sleepers = {} }
    local Sem = {}
    Sem.__index = Sem
    function Sem:count() return self.n - #self.waiters end
    function Sem:post(k)
      for _ = 1, k do
        local w = table.remove(self.waiters, 1)
        if w then w.woken = true l.ready[#l.ready + 1] = w.co else self.n = self.n + 1 end
      end
    end
    function Sem:wait(left)
      if self.n > 0 then self.n = self.n - 1 return true end
      local w = { co = coroutine.running(), until_ = l.clock + left }
      self.waiters[#self.waiters + 1] = w
      l.sleepers[#l.sleepers + 1] = { w = w, sem = self }
      coroutine.yield()
      if w.woken then return true end
      return nil, "timeout"
    end
    l.semaphore = { new = function(n) return setmetatable({ n = n or 0, waiters = {} }, Sem) end }
    l.ngx = {
      now = function() return l.clock end,
      timer = { at = function(_, fn)
        l.timers[#l.timers + 1] = fn
        return true
      end },
    }
    -- runs everything runnable; then moves the clock by dt and wakes waits that timed out
    function l.run(dt)
      while #l.ready > 0 or #l.timers > 0 do
        local co = table.remove(l.ready, 1)
        if co then assert(coroutine.resume(co)) end
        local t = table.remove(l.timers, 1)
        if t then assert(coroutine.resume(coroutine.create(t), false)) end
      end
      l.clock = l.clock + (dt or 0)
      for i = #l.sleepers, 1, -1 do
        local s = l.sleepers[i]
        if s.w.woken then table.remove(l.sleepers, i)
        elseif s.w.until_ <= l.clock then
          table.remove(l.sleepers, i)
          for j, w in ipairs(s.sem.waiters) do if w == s.w then table.remove(s.sem.waiters, j) break end end
          assert(coroutine.resume(s.w.co))
        end
      end
    end
    -- starts a request asking for host's addresses; its answer lands in the returned table
    function l.ask(host, deadline, resolve)
      local out = {}
      local co = coroutine.create(function()
        out.addresses, out.err = ngx_names.addresses(l.ngx, host, deadline, resolve)
        out.done = true
      end)
      assert(coroutine.resume(co))
      return out
    end
    return l
  end

  before_each(function()
    saved = package.loaded["ngx.semaphore"]
    loop = new_loop()
    package.loaded["ngx.semaphore"] = loop.semaphore
  end)
  after_each(function() package.loaded["ngx.semaphore"] = saved end)

  -- a resolver that answers after `delay` seconds of the loop's clock, counting its calls
  local function slow_resolver(delay, answer)
    local calls = { n = 0 }
    calls.fn = function(host)
      calls.n = calls.n + 1
      local sem = loop.semaphore.new(0)
      if delay > 0 then sem:wait(delay) end -- the thread pool's time
      if answer then return answer end
      return nil, { kind = "network", sent = false, message = "could not resolve host " .. host }
    end
    return calls
  end

  it("resolves a name once for every request that waits on it, and keeps the answer", function()
    local r = slow_resolver(0.5, { "10.0.0.7" })
    local a = loop.ask("one.example", 10, r.fn)
    local b = loop.ask("one.example", 10, r.fn)
    loop.run(0.6)
    loop.run()
    assert.same({ "10.0.0.7" }, a.addresses)
    assert.same({ "10.0.0.7" }, b.addresses)
    assert.equal(1, r.n)
    local c = loop.ask("one.example", 10, r.fn) -- from the cache, at once
    assert.is_true(c.done)
    assert.equal(1, r.n)
  end)

  it("gives a timeout (not sent) at a request's deadline while the resolution goes on for the others", function()
    local r = slow_resolver(2, { "10.0.0.8" })
    local early = loop.ask("two.example", 1, r.fn)
    local late = loop.ask("two.example", 5, r.fn)
    loop.run(1.1)
    assert.is_true(early.done)
    assert.equal("timeout", early.err.kind)
    assert.is_false(early.err.sent)
    assert.is_nil(late.done)
    loop.run(1)
    loop.run()
    assert.same({ "10.0.0.8" }, late.addresses)
    assert.equal(1, r.n)
  end)

  it("keeps a failure one second, then tries again; forget drops an answer", function()
    local r = slow_resolver(0, nil)
    local a = loop.ask("three.example", 5, r.fn)
    loop.run()
    assert.equal("network", a.err.kind)
    assert.matches("three.example", a.err.message)
    loop.ask("three.example", 5, r.fn)
    loop.run()
    assert.equal(1, r.n)
    loop.run(1.5)
    loop.ask("three.example", 5, r.fn)
    loop.run()
    assert.equal(2, r.n)
    local ok = slow_resolver(0, { "10.0.0.9" })
    ngx_names.forget("three.example")
    local b = loop.ask("three.example", 5, ok.fn)
    loop.run()
    assert.same({ "10.0.0.9" }, b.addresses)
  end)

  it("answers a resolver that raises with a network failure, and the waiters still wake", function()
    local a = loop.ask("four.example", 5, function() error("boom") end)
    loop.run()
    assert.is_true(a.done)
    assert.equal("network", a.err.kind)
    assert.matches("boom", a.err.message)
  end)
end)
