-- Shell completion: `batch completion bash|zsh` prints scripts made from the command table; the copies
-- in completions/ are current; the bash script completes what a user types (run in a real bash).
local files = require "spec.support.files"
local cli = require "spec.support.cli"

local q = files.quote

describe("batch completion", function()
  local dir, r

  cli.world(function(w) dir, r = w.dir, w.r end)

  it("completions/batch.bash and completions/_batch are what `batch completion` prints", function()
    local bash, zsh = r:run("completion bash"), r:run("completion zsh")
    assert.equal(0, bash.code)
    assert.equal(files.read_all(cli.root .. "/completions/batch.bash"), bash.out,
                 "completions/batch.bash is stale: bin/batch completion bash > completions/batch.bash")
    assert.equal(files.read_all(cli.root .. "/completions/_batch"), zsh.out,
                 "completions/_batch is stale: bin/batch completion zsh > completions/_batch")
    assert.matches("^#compdef batch\n", zsh.out)
    assert.equal(2, r:run("completion fish").code)
  end)

  -- What bash offers for the words typed so far (the last one is being completed).
  local function complete(line, env)
    local words = {}
    for w in (line .. " "):gmatch("([^ ]*) ") do words[#words + 1] = w end  -- a trailing space: an empty word
    local arr = {}
    for i, w in ipairs(words) do arr[i] = q(w) end
    local script = ". " .. q(cli.root .. "/completions/batch.bash") .. "\nCOMP_WORDS=(" .. table.concat(arr, " ") ..
                   ")\nCOMP_CWORD=" .. (#words - 1) .. "\ncd " .. q(dir) ..
                   "\n_batch\nprintf '%s\\n' \"${COMPREPLY[@]}\"\n"
    local res = r:shell(script, env)
    assert.equal(0, res.code, res.err)
    return cli.lines(res.out)
  end

  local function has(list, word)
    for _, w in ipairs(list) do if w == word then return true end end
    return false
  end

  it("bash: groups, subcommands, options of the command, option values", function()
    local top = complete("batch ")
    for _, w in ipairs{ "campaign", "inapp", "export", "profiles", "project-export", "api", "completion", "help" } do
      assert.is_true(has(top, w), w)
    end
    assert.same({ "create", "list", "status", "wait", "download", "rows" }, complete("batch export "))
    assert.same({ "create" }, complete("batch export cr"))
    local opts = complete("batch export create --")
    for _, w in ipairs{ "--campaign", "--wait", "--out", "--timeout", "--field", "--profile" } do
      assert.is_true(has(opts, w), w)
    end
    assert.is_false(has(complete("batch campaign get --"), "--wait"))
    assert.same({ "true", "false" }, complete("batch campaign list --limit 3 --live "))
    -- an option's value is not taken for a command word
    assert.same({ "get", "list", "stats", "create", "update", "delete" }, complete("batch --profile x campaign "))
    assert.same({ "bash", "zsh" }, complete("batch completion "))
  end)

  it("bash: the commands of the rest of the API, and option values that depend on the command", function()
    local top = complete("batch ")
    for _, w in ipairs{ "transactional", "custom-data", "events", "custom-audience", "gdpr", "audiences",
                        "orchestrations", "catalogs" } do
      assert.is_true(has(top, w), w)
    end
    assert.same({ "create", "update", "edit-items", "view", "list", "remove" }, complete("batch catalogs "))
    assert.same({ "review", "remove" }, complete("batch gdpr request --id u --type "))
    assert.same({ "ATTRIBUTES", "EVENTS", "REACHABILITY_EVENTS" }, complete("batch profiles export --type "))
    assert.same({ "custom_ids", "advertising_ids" }, complete("batch custom-audience create vip --type "))
    assert.same({ "1.1", "1.0" }, complete("batch custom-audience update vip --version "))
    assert.same({ "custom_id", "advertising_id" }, complete("batch gdpr request --id-type "))
    local opts = complete("batch profiles update --")
    assert.is_true(has(opts, "--mass"))
    assert.is_true(has(opts, "--data"))
    assert.is_false(has(opts, "--wait"))
  end)

  it("bash: files after --data @, folders after --dir, profiles from the config file", function()
    os.execute("mkdir -p " .. q(dir .. "/parts") .. " && : > " .. q(dir .. "/body.json"))
    assert.same({ "@body.json" }, complete("batch campaign create --data @bo"))
    assert.same({ "parts" }, complete("batch profiles export --wait --dir pa"))
    os.execute("mkdir -p " .. q(dir .. "/xdg/batch"))
    local f = assert(io.open(dir .. "/xdg/batch/config", "wb"))
    f:write("[default]\napi_key = x\n\n[staging]\n")
    f:close()
    local xdg = { XDG_CONFIG_HOME = dir .. "/xdg" }
    assert.same({ "default", "staging" }, complete("batch campaign list --profile ", xdg))
  end)
end)
