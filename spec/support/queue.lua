-- Helpers of the queue's specs (spec/94 .. spec/99): clients of the emulator, a virtual clock, and
-- what the emulator received (its state and its request log), read back per route.
--
--   local qs = require "spec.support.queue"
--   local clock = qs.clock()              -- now/sleep: a sleep returns at once and moves the clock
--   local c = qs.client(m, { now = clock.now, sleep = clock.sleep })
--   qs.events(m) --> { [custom_id] = { event, ... } }   (app "ios", in the order received)
--   qs.profiles(m), qs.custom_data(m) --> { [custom_id] = record }
--   qs.bodies(m, "/events/users") --> the decoded bodies of the logged requests to that path, in order,
--                                     and when each arrived (the emulator's clock)
--   qs.count(map) --> number of keys
--   local main, env = qs.nginx_env(m, { QUEUE_OPTS = ... })   -- for nginx.start{ main = main, env = env }
local batch = require "batch"
local core = require "batch.core"
local cjson = require "cjson.safe"

local M = {}

-- A clock whose sleeps return at once and move it on: waits of seconds cost nothing, and the time
-- the queue sees still passes as it asked. clock.slept lists the sleeps.
function M.clock()
  local offset = 0
  local c = { slept = {} }
  function c.now() return core.now() + offset end
  function c.sleep(s)
    c.slept[#c.slept + 1] = s
    if s > 0 then offset = offset + s end
  end
  return c
end

-- A client of emulator m with its documented keys; extra options merged.
function M.client(m, extra)
  local o = { base_url = m.url, api_key = m.keys.api_key, rest_key = m.keys.rest_key,
              project_key = m.keys.project_key, timeout = 10 }
  for k, v in pairs(extra or {}) do o[k] = v end
  return batch.new(o)
end

-- The `main` directives and the environment of a test nginx whose workers call batch.new{} (the
-- emulator's URL and keys from the environment), with more variables `vars`.
function M.nginx_env(m, vars)
  local env = { BATCH_BASE_URL = m.url, BATCH_API_KEY = m.keys.api_key, BATCH_REST_API_KEY = m.keys.rest_key,
                BATCH_PROJECT_KEY = m.keys.project_key }
  for k, v in pairs(vars or {}) do env[k] = v end
  local main = {}
  for k in pairs(env) do main[#main + 1] = "env " .. k .. ";" end
  table.sort(main)
  return table.concat(main, " "), env
end

function M.events(m)
  local out = {}
  for id, rec in pairs(m:state().apps.ios.events) do out[id] = rec.events end
  return out
end

function M.profiles(m) return m:state().projects[m.keys.project_key].profiles end

function M.custom_data(m) return m:state().apps.ios.custom_data end

-- The decoded JSON bodies of the logged requests whose path ends with `suffix`, oldest first, and the
-- times they arrived at (the emulator's clock).
function M.bodies(m, suffix)
  local out, times = {}, {}
  for _, e in ipairs(m:log()) do
    if e.path:sub(-#suffix) == suffix then
      out[#out + 1] = cjson.decode(e.body)
      times[#out] = e.time
    end
  end
  return out, times
end

function M.count(map)
  local n = 0
  for _ in pairs(map or {}) do n = n + 1 end
  return n
end

-- The `seq` attribute of each event of a list, in order.
function M.seqs(events)
  local out = {}
  for i, e in ipairs(events or {}) do out[i] = e.attributes and e.attributes.seq end
  return out
end

return M
