-- The queue inside a real nginx (LuaJIT, build/luajit): an add returns at once and its batch goes in a
-- timer, never in the request that added; a full batch goes at once, a partial one after
-- flush_interval; flush and close from a request wait for the timer; a worker that exits flushes
-- first and refuses adds with QUEUE_CLOSED; with a spool, a worker killed with SIGKILL mid-flight has
-- its items sent by the worker nginx starts in its place.
local socket = require "socket"
local cjson = require "cjson.safe"
local mock = require "spec.support.mock"
local nginx = require "spec.support.nginx"
local files = require "spec.support.files"
local qs = require "spec.support.queue"

-- A test nginx whose workers each make a queue in init_worker_by_lua, with queue options `opts`.
local function start(m, opts, workers)
  local main, env = qs.nginx_env(m, { QUEUE_OPTS = cjson.encode(opts) })
  return nginx.start{
    workers = workers or 1, main = main, env = env,
    http = [[
      init_worker_by_lua_block {
        cjson = require "cjson.safe"
        Q = require("batch").new{}:queue(cjson.decode(os.getenv("QUEUE_OPTS")))
      }
    ]],
    conf_body = [[
      default_type application/json;
      location = /add { content_by_lua_block {
        local from, n = tonumber(ngx.var.arg_from or 1), tonumber(ngx.var.arg_n or 1)
        for i = from, from + n - 1 do
          local ok, err = Q:track("u" .. (i % 7), { name = "step", attributes = { seq = i } })
          if not ok then ngx.say(cjson.encode{ error = err.name }) return end
        end
        ngx.say(cjson.encode{ stats = Q:stats() })
      } }
      location = /slow_add { content_by_lua_block {
        ngx.sleep(tonumber(ngx.var.arg_wait))
        local ok, err = Q:track("late", { name = "late" })
        ngx.say(cjson.encode{ ok = ok, error = err and err.name })
      } }
      location = /flush { content_by_lua_block { ngx.say(cjson.encode(Q:flush{ deadline = 10 })) } }
      location = /close { content_by_lua_block { ngx.say(cjson.encode(Q:close{ deadline = 10 })) } }
      location = /pid { content_by_lua_block { ngx.say(ngx.worker.pid()) } }
    ]],
  }
end

local function get_json(n, path)
  local t0 = socket.gettime()
  local status, body = n:get(path)
  assert.equal(200, status, tostring(body))
  return cjson.decode(body), socket.gettime() - t0
end

local function events_received(m)
  local total, seen = 0, {}
  for _, list in pairs(qs.events(m)) do
    for _, s in ipairs(qs.seqs(list)) do
      total = total + 1
      seen[s] = (seen[s] or 0) + 1
    end
  end
  return total, seen
end

-- Waits until `done()` is true (at most `seconds`); returns whether it came.
local function eventually(seconds, done)
  local t0 = socket.gettime()
  while not done() do
    if socket.gettime() - t0 > seconds then return false end
    socket.sleep(0.05)
  end
  return true
end

-- The items of a spool folder's files not noted as ended.
local function unsent_in(dir)
  local open = 0
  for name in files.read_cmd("ls -1A " .. files.quote(dir)):gmatch("[^\n]+") do
    local live = {}
    for line in (files.read_all(dir .. "/" .. name) or ""):gmatch("[^\n]+") do
      local seq = line:match("^%a\t(%d+)\t")
      if seq then live[seq] = true end
      local done = line:match("^D\t([%d,]+)$")
      for d in (done or ""):gmatch("%d+") do live[d] = nil end
    end
    open = open + qs.count(live)
  end
  return open
end

local function gone(pid)
  local stat = files.read_all("/proc/" .. pid .. "/stat")
  return stat == nil or stat:match("^%d+ %(.-%) Z") ~= nil
end

describe("client:queue inside nginx", function()
  local m

  setup(function() m = mock.start() end)
  teardown(function()
    nginx.stop_all()
    m:stop()
  end)
  before_each(function() m:reset() end)

  it("returns from an add at once and sends its batch from a timer", function()
    m:config{ latency = 0.5 }
    local n = start(m, { flush_interval = 0.5 })
    local r, took = get_json(n, "/add?n=1200")
    assert.is_true(took < 0.25, "the request took " .. took .. " s")
    assert.same({ 1200, 0, 0 }, { r.stats.pending, r.stats.batches, r.stats.sent })
    assert.is_true(eventually(5, function() return events_received(m) == 1200 end))
    assert.equal("", n:new_errors())
    n:stop()
  end)

  it("sends a full batch at once, and one that is not full once flush_interval has passed", function()
    local n = start(m, { flush_interval = 1.5 })
    get_json(n, "/add?n=1000")
    assert.is_true(eventually(0.5, function() return #qs.bodies(m, "/events/users") == 1 end))
    get_json(n, "/add?from=1001&n=10")
    socket.sleep(0.7)
    assert.equal(1, #qs.bodies(m, "/events/users"))
    assert.is_true(eventually(2, function() return #qs.bodies(m, "/events/users") == 2 end))
    assert.equal(1010, (events_received(m)))
    n:stop()
  end)

  it("waits for the timer in flush and close called from a request, and reports what they did", function()
    local n = start(m, { flush_interval = 60 })
    get_json(n, "/add?n=10")
    assert.same({ sent = 10, failed = 0, dropped = 0, pending = 0 }, (get_json(n, "/flush")))
    get_json(n, "/add?from=11&n=5")
    assert.same({ sent = 5, failed = 0, dropped = 0, pending = 0 }, (get_json(n, "/close")))
    assert.equal(15, (events_received(m)))
    local status, body = n:get("/add?from=16")
    assert.equal(500, status, body)
    assert.truthy(n:error_log():find("the queue is closed", 1, true))
    n:stop()
  end)

  it("flushes before a worker exits, and refuses an add in an exiting worker with QUEUE_CLOSED", function()
    local n = start(m, { flush_interval = 60 })
    local slow = assert(socket.connect("127.0.0.1", n.port))
    assert(slow:send("GET /slow_add?wait=1 HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"))
    get_json(n, "/add?n=25")
    socket.sleep(0.2)
    assert.equal(0, (events_received(m)))
    os.execute("kill -QUIT " .. n.pid)
    slow:settimeout(10)
    local answer = slow:receive("*a")
    slow:close()
    assert.truthy(answer:find('"error":"QUEUE_CLOSED"', 1, true), answer)
    assert.is_true(eventually(10, function() return gone(n.pid) end))
    assert.equal(25, (events_received(m)))
    n:stop()
  end)

  it("with a spool, sends the items of a worker killed mid-flight from the worker nginx starts instead", function()
    local dir = files.tmpdir()
    local spool = dir .. "/spool"
    m:fault{ path = "/events/users", count = 1, action = "stall", delay = 60 }
    local n = start(m, { flush_interval = 0.2, spool = spool })
    local pid = tonumber(select(2, n:get("/pid")))
    get_json(n, "/add?n=1500")
    assert.is_true(eventually(5, function() return #qs.bodies(m, "/events/users") == 1 end))
    socket.sleep(0.3)
    assert.equal("700", files.read_cmd("stat -c %a " .. files.quote(spool)))
    assert.equal("600", files.read_cmd("stat -c %a " .. files.quote(spool) .. "/q.*.log | sort -u"))
    os.execute("kill -KILL " .. pid)
    assert.is_true(eventually(20, function() return (events_received(m)) >= 2500 end))
    local total, seen = events_received(m)
    for s = 1, 1500 do assert.is_truthy(seen[s], "event " .. s) end
    assert.equal(2500, total) -- the stalled batch of 1000 arrived twice
    -- and the new worker's spool notes every item as sent
    assert.is_true(eventually(5, function() return unsent_in(spool) == 0 end))
    n:stop()
    files.remove_tree(dir)
  end)
end)
