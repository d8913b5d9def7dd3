-- Signals: SIGINT, SIGTERM and SIGHUP (what Ctrl-C, timeout(1), systemd and cron send) sent with kill(1)
-- to a `batch export download` in the middle of its transfer, against the emulator (a storage answer
-- that stalls half-way). Each exits 128 + the signal's number with one line, and leaves no partial file.
-- TERM and HUP need the C core's core.trap (lua/batch/cli/signals.lua).
local cjson = require "cjson.safe"
local files = require "spec.support.files"
local cli = require "spec.support.cli"

local q = files.quote
local unpack = table.unpack or unpack  -- luacheck: ignore 143

describe("batch and signals", function()
  local m, dir, r, id

  cli.world(function(w) m, dir, r = w.m, w.dir, w.r end)
  before_each(function()
    m:exports_config{ pending_after = 0.05, done_after = 0.1, rows = 100000 }
    local token = r:run("campaign list --limit 1 --field campaign_token").out:match("^(%x+)")
    id = cjson.decode(r:run("export create --campaign " .. token .. " --from now --events push_sent" ..
                            " --ids install_id --wait --interval 0.05").out).id
  end)

  -- Starts the download, waits until part of the file is on disk, sends `sig` to that process (by its
  -- pid), and returns its exit status, its stderr and what is left in the folder.
  local function interrupt(sig)
    m:fault{ path = "/_storage/", action = "stall", delay = 10 }
    local out = dir .. "/" .. sig
    os.execute("rm -rf " .. q(out) .. " && mkdir -p " .. q(out))
    local res = r:shell(table.concat({
      "batch export download " .. id .. " " .. q(out .. "/events.csv") .. " 2>" .. q(dir .. "/sig.err") .. " &",
      "pid=$!",
      "for i in $(seq 200); do [ -n \"$(ls -A " .. q(out) .. ")\" ] && break; sleep 0.05; done",
      "sleep 0.2",
      "kill -" .. sig .. " $pid",
      "wait $pid; echo \"exit $?\"",
      "ls -A " .. q(out),
    }, "\n") .. "\n")
    local lines = cli.lines(res.out)
    return tonumber(lines[1]:match("^exit (%d+)$")), files.read_all(dir .. "/sig.err"), { unpack(lines, 2) }
  end

  for _, c in ipairs{ { "INT", 130, "interrupted (SIGINT)" }, { "TERM", 143, "terminated (SIGTERM)" },
                      { "HUP", 129, "hung up (SIGHUP)" } } do
    it("SIG" .. c[1] .. " during a download: exit " .. c[2] .. ", one line, no partial file", function()
      local code, err, left = interrupt(c[1])
      assert.equal(c[2], code)
      assert.equal("batch: " .. c[3] .. "\n", err)
      assert.same({}, left)
    end)
  end
end)
