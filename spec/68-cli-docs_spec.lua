-- docs/cli.md, the command-line reference, stays true: every `sh` block runs, in order, in one bash
-- against the emulator; every command, option, exit status and environment variable is in it; every
-- example of `batch help COMMAND` is one of its `sh` lines (so those run too).
local files = require "spec.support.files"
local cli = require "spec.support.cli"

describe("docs/cli.md", function()
  local m, dir, r, doc, commands

  cli.world(function(w) m, dir, r = w.m, w.dir, w.r end)
  setup(function()
    doc = assert(files.read_all(cli.root .. "/docs/cli.md"))
    package.path = cli.root .. "/lua/?.lua;" .. cli.root .. "/lua/?/init.lua;" .. package.path
    commands = require("batch.cli.commands").list
  end)

  -- The text of every ```sh block, in order.
  local function sh_blocks()
    local blocks = {}
    for block in doc:gmatch("\n```sh\n(.-)\n```") do blocks[#blocks + 1] = block end
    return blocks
  end

  it("every sh block runs against the emulator and exits 0", function()
    m:reset()
    m:exports_config{ pending_after = 0.05, running_after = 0.1, done_after = 0.3, rows = 20, parts = 2 }
    local blocks = sh_blocks()
    assert.is_true(#blocks > 20)
    local script = { "set -eu -o pipefail" }
    for i, b in ipairs(blocks) do
      script[#script + 1] = "echo '== block " .. i .. "' >&2"
      script[#script + 1] = b
    end
    os.execute("mkdir -p " .. files.quote(dir .. "/home"))
    local res = r:shell(table.concat(script, "\n") .. "\n", { HOME = dir .. "/home", XDG_CONFIG_HOME = false })
    assert.equal(0, res.code, "the last block that ran: " .. (res.err:match(".*(== block %d+.*)$") or res.err))
    -- what the examples made
    assert.truthy(files.exists(dir .. "/events.csv"))
    assert.truthy(files.exists(dir .. "/home/.local/share/bash-completion/completions/batch"))
  end)

  it("names every command, each option, exit status and environment variable", function()
    local args = require "batch.cli.args"
    for _, c in ipairs(commands) do
      assert.truthy(doc:find("`batch " .. c.name .. "`", 1, true), c.name)
      for name in pairs(args.known(c)) do
        assert.truthy(doc:find("--" .. name, 1, true), c.name .. " --" .. name)
      end
    end
    for _, code in ipairs{ 0, 1, 2, 75, 130, 143, 129 } do
      assert.truthy(doc:find("\n| " .. code .. " |", 1, true), "exit " .. code)
    end
    for _, var in ipairs{ "BATCH_API_KEY", "BATCH_REST_API_KEY", "BATCH_PROJECT_KEY", "BATCH_BASE_URL",
                          "BATCH_CA_FILE", "SSL_CERT_FILE", "CURL_CA_BUNDLE", "BATCH_PROFILE", "XDG_CONFIG_HOME",
                          "BATCH_DEBUG", "BATCH_PROGRESS" } do
      assert.truthy(doc:find("`" .. var .. "`", 1, true), var)
    end
  end)

  it("every example of `batch help COMMAND` is a line of an sh block", function()
    local lines = {}
    for _, b in ipairs(sh_blocks()) do
      for l in (b .. "\n"):gmatch("([^\n]*)\n") do lines[l] = true end
    end
    for _, c in ipairs(commands) do
      for _, e in ipairs(c.examples or {}) do
        assert.truthy(lines[e], "not in docs/cli.md: " .. e)
      end
    end
  end)
end)
