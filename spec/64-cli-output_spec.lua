-- The output conventions of `batch`: one shape whatever stdout is, --pretty, --field, CSV line ends,
-- `-` for stdin and stdout, and a failed write to stdout. bin/batch runs as a child process against
-- the emulator; the terminal cases run under script(1).
local cjson = require "cjson.safe"
local files = require "spec.support.files"
local cli = require "spec.support.cli"

local q, lines, json_lines = files.quote, cli.lines, cli.json_lines

describe("batch output", function()
  local m, dir, r, tokens

  cli.world(function(w) m, dir, r = w.m, w.dir, w.r end)
  before_each(function()
    m:exports_config{ pending_after = 0.05, done_after = 0.1, rows = 30 }
    tokens = lines(r:run("campaign list --limit 3 --field campaign_token").out)
  end)

  it("a list is JSON Lines on a terminal as in a pipe; a value is one line", function()
    local piped = r:run("campaign list --limit 3")
    assert.equal(0, piped.code)
    assert.equal(3, #json_lines(piped.out))
    local shown = r:tty("campaign list --limit 3")
    assert.equal(piped.out, (shown:gsub("\r\n", "\n")))
    local one = r:run("campaign get " .. tokens[1])
    assert.equal(1, #lines(one.out))
    assert.equal(one.out, (r:tty("campaign get " .. tokens[1]):gsub("\r\n", "\n")))
  end)

  it("--field prints raw values, tab-separated, one line per item; dotted paths index arrays from 0", function()
    local out = r:run("campaign list --limit 3 --field campaign_token --field live --field nosuch").out
    local ls = lines(out)
    assert.equal(3, #ls)
    assert.matches("^%x+\t[tf][ra][ul][es]e?\t$", ls[1])
    local stats = cjson.decode(r:run("campaign stats " .. tokens[1]).out)
    local first = stats.detail[1]
    local f = r:run("campaign stats " .. tokens[1] .. " --field detail.0.date --field detail.0.sent --field detail")
    assert.equal(0, f.code, f.err)
    local date, sent, detail = f.out:match("^([^\t]*)\t([^\t]*)\t([^\n]*)\n$")
    assert.equal(first and first.date or "", date)
    assert.equal(first and first.sent or nil, tonumber(sent))
    assert.matches("^%d*$", sent)  -- a whole number prints without a fraction
    assert.same(stats.detail, cjson.decode(detail))  -- a table prints as compact JSON
  end)

  it("--field escapes tabs and line breaks, so each item stays one line", function()
    local body = r:file("c.json", cjson.encode{ name = "tab\there\nnext", live = false,
                                                messages = { { language = "en", body = "x" } } })
    local made = r:run("campaign create --data @" .. q(body) .. " --field campaign_token")
    assert.equal(0, made.code, made.err)
    local token = made.out:match("^(%x+)\n$")
    assert.truthy(token, made.out)
    assert.equal("tab\\there\\nnext\n", r:run("campaign get " .. token .. " --field name").out)
  end)

  it("--csv prints a value as one row, and with --field takes those paths as columns", function()
    local v = r:run("campaign get " .. tokens[1] .. " --csv")
    local ls = lines(v.out)
    assert.equal(2, #ls)
    assert.truthy(ls[1]:find("campaign_token", 1, true))
    assert.truthy(ls[2]:find(tokens[1], 1, true))
    local c = r:run("campaign list --limit 2 --csv --field campaign_token --field name")
    ls = lines(c.out)
    assert.equal("campaign_token,name", ls[1])
    assert.equal(3, #ls)
    assert.matches("^%x+,", ls[2])
    assert.is_nil(c.out:find("\r", 1, true))
  end)

  it("--pretty indents a value", function()
    local p = r:run("campaign get " .. tokens[1] .. " --pretty")
    assert.matches("^{\n  \"campaign_token\": \"%x+\",\n", p.out)
  end)

  it("- reads ids from stdin: several tokens print one campaign each, in their order", function()
    local input = r:file("tokens", tokens[3] .. "\n" .. tokens[1] .. "\n")
    local got = r:run("campaign get - --field campaign_token", nil, input)
    assert.equal(0, got.code, got.err)
    assert.same({ tokens[3], tokens[1] }, lines(got.out))
    local one = r:file("one", tokens[2] .. "\n")
    assert.equal(tokens[2] .. "\n", r:run("campaign stats - --field campaign_token", nil, one).out)
    local none = r:run("campaign get -", nil, r:file("empty", "\n"))
    assert.equal(2, none.code)
    assert.matches("no TOKEN on stdin", none.err)
  end)

  it("one unknown token among several: the others print, its error line, exit 1", function()
    local input = r:file("mixed", tokens[1] .. " 0123456789abcdef " .. tokens[2])
    local got = r:run("campaign get - --field campaign_token", nil, input)
    assert.equal(1, got.code)
    assert.same({ tokens[1], tokens[2] }, lines(got.out))
    assert.equal(1, #lines(got.err))
    assert.matches("^batch: ROUTE_NOT_FOUND: ", got.err)
  end)

  it("export download ID - writes the CSV to stdout and no file named -", function()
    local id = r:run("export create --campaign " .. tokens[1] .. " --from now --events push_sent --ids custom_id" ..
                     " --field id").out:match("^(%S+)\n$")
    assert.equal(0, r:run("export wait " .. id .. " --interval 0.05").code)
    local path = dir .. "/events.csv"
    assert.equal(0, r:run("export download " .. id .. " " .. q(path)).code)
    local d = r:run("export download " .. id .. " -")
    assert.equal(0, d.code, d.err)
    assert.equal("", d.err)
    assert.equal(files.read_all(path), d.out)
    assert.equal(31, #lines(d.out))
    assert.is_false(files.exists(cli.root .. "/-"))
    assert.is_false(files.exists(dir .. "/-"))
  end)

  it("stdout that cannot be written (a full disk, a closed pipe): exit 1 and one line", function()
    local full = r:shell("batch campaign list --all > /dev/full")
    assert.equal(1, full.code)
    assert.same({ "batch: cannot write the output: No space left on device" }, lines(full.err))
    local piped = r:shell("batch campaign list --all --limit 1 | head -1 >/dev/null; echo \"exit ${PIPESTATUS[0]}\"")
    assert.equal("exit 1\n", piped.out)
    assert.same({ "batch: cannot write the output: Broken pipe" }, lines(piped.err))
    -- help goes through the same check
    assert.equal(1, r:shell("batch help > /dev/full").code)
  end)

  it("output options that do not go together are usage errors", function()
    for _, c in ipairs{ { "campaign list --field a..b", "--field a..b" }, { "campaign list --csv --pretty", "--csv" },
                        { "campaign list --crlf", "--crlf goes with --csv" },
                        { "campaign list --field name --pretty", "--field and --pretty" } } do
      local res = r:run(c[1])
      assert.equal(2, res.code, c[1])
      assert.truthy(res.err:find(c[2], 1, true), res.err)
    end
  end)

  it("help lists the exit codes; each command's help has its examples and the exit codes", function()
    local h = r:run("help").out
    for _, code in ipairs{ "0 ", "1 ", "2 ", "75 ", "130 ", "143", "129" } do
      assert.truthy(h:find("\n  " .. code, 1, true) or h:find(code .. " terminated", 1, true) or
                    h:find(code .. " hung", 1, true), code)
    end
    local c = r:run("help export create").out
    assert.truthy(c:find("Examples:\n  batch export create", 1, true))
    assert.truthy(c:find("75   temporary failure", 1, true))
  end)
end)
