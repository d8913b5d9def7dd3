-- The `batch` command line, run as a subprocess against the emulator: outputs, exit codes, one-line
-- errors without keys, CSV, help, and the progress display under a pseudo-terminal (script(1)).
-- The output conventions, exit codes and one-shot flows added after 0.1.0 are in spec/64-*.lua and up.
-- The command under test is a Lua 5.4 subprocess whatever runs busted, so the matrix tasks for the
-- other interpreters leave this file out (.busted).

local cjson = require "cjson.safe"
local file_util = require "spec.support.files"
local exists, read_all = file_util.exists, file_util.read_all

local cli = require "spec.support.cli"
local q, lines = file_util.quote, cli.lines

-- A small RFC 4180 reader (records end with LF or CRLF): returns an array of records (arrays of fields).
local function parse_csv(s)
  local records, rec, field, i, n = {}, {}, {}, 1, #s
  local quoted = false
  while i <= n do
    local c = s:sub(i, i)
    if quoted then
      if c == '"' then
        if s:sub(i + 1, i + 1) == '"' then field[#field + 1] = '"' i = i + 1 else quoted = false end
      else
        field[#field + 1] = c
      end
    elseif c == '"' then
      quoted = true
    elseif c == "," then
      rec[#rec + 1] = table.concat(field) field = {}
    elseif c == "\n" or (c == "\r" and s:sub(i + 1, i + 1) == "\n") then
      rec[#rec + 1] = table.concat(field) field = {}
      records[#records + 1] = rec rec = {}
      if c == "\r" then i = i + 1 end
    else
      field[#field + 1] = c
    end
    i = i + 1
  end
  if #field > 0 or #rec > 0 then rec[#rec + 1] = table.concat(field) records[#records + 1] = rec end
  return records
end

describe("bin/batch", function()
  local m, keys, dir

  local runner
  local function run(args, env, stdin) return runner:run(args, env, stdin) end
  local function run_tty(args, env, quiet) return runner:tty(args, env, quiet) end
  local json_lines = cli.json_lines

  local function one_line_error(r, name, code)
    assert.equal(code or 1, r.code, r.err)
    assert.equal("", r.out)
    local ls = lines(r.err)
    assert.equal(1, #ls, "stderr: " .. r.err)
    assert.matches("^batch: " .. name .. ": ", ls[1])
    return ls[1]
  end

  local function no_keys(s)
    assert.is_nil(s:find(keys.api_key, 1, true), "API key in: " .. s)
    assert.is_nil(s:find(keys.rest_key, 1, true), "REST key in: " .. s)
    assert.is_nil(s:find(keys.project_key, 1, true), "project key in: " .. s)
  end

  local token

  cli.world(function(w) m, dir, runner, keys = w.m, w.dir, w.r, w.m.keys end)
  before_each(function()
    m:exports_config{ pending_after = 0.05, running_after = 0.1, done_after = 0.3, rows = 20 }
    if not token then
      token = json_lines(run("campaign list --limit 1").out)[1].campaign_token
    end
  end)

  describe("help and usage", function()
    it("batch help lists every command and exits 0", function()
      local r = run("help")
      assert.equal(0, r.code)
      for _, c in ipairs{ "campaign get", "campaign list", "campaign stats", "inapp get", "inapp list",
                          "export create", "export status", "export wait", "export download", "export rows",
                          "profiles export", "project-export status", "project-export list",
                          "project-export wait", "project-export download", "transactional send",
                          "custom-data set", "events track", "custom-audience update", "gdpr request",
                          "profiles update", "audiences create", "orchestrations stats", "catalogs edit-items" } do
        assert.truthy(r.out:find(c, 1, true), c)
      end
      assert.truthy(r.out:find("Exit status", 1, true))
      assert.equal(r.out, run("--help").out)
    end)

    it("batch help COMMAND, COMMAND --help and batch help GROUP", function()
      local r = run("help export wait")
      assert.equal(0, r.code)
      assert.matches("^usage: batch export wait ID|%- %[%-%-timeout S%] %[%-%-interval S%]", r.out)
      assert.equal(r.out, run("export wait --help").out)
      assert.equal(r.out, run("export wait -h").out)
      local g = run("help campaign")
      assert.equal(0, g.code)
      assert.truthy(g.out:find("batch campaign stats TOKEN", 1, true))
      assert.equal(2, run("help nosuch").code)
    end)

    it("--version; after custom-audience's words, --version V is that API's version", function()
      local r = run("--version")
      assert.equal(0, r.code)
      assert.matches("^lua%-batch %d+%.%d+", r.out)
      m:clear_log()
      assert.equal(0, run("custom-audience list --version=1.0").code)
      assert.equal(0, run("custom-audience list --version 1.1 --limit 2").code)
      local log = m:log()
      assert.matches("^/1%.0/", log[1].path)
      assert.matches("^/1%.1/", log[2].path)
      assert.equal(2, run("custom-audience list --version").code)
      assert.equal(2, run("--version=1.0").code)
    end)

    it("usage errors exit 2 with the message and a usage line", function()
      local cases = {
        { "", "no command given" },
        { "frobnicate", "unknown command 'frobnicate'" },
        { "campaign", "missing subcommand" },
        { "campaign nope", "unknown command" },
        { "campaign get", "missing TOKEN" },
        { "campaign get a b", "unexpected argument 'b'" },
        { "campaign list --lmit 3", "unknown option --lmit" },
        { "campaign list --limit x", "option --limit must be a whole number" },
        { "campaign list --live maybe", "must be true or false" },
        { "campaign list --limit", "option --limit needs a value" },
        { "campaign list --all=yes", "takes no value" },
        { "campaign list --all --from 3", "cannot go together" },
        { "export create --from now --events a --ids b", "--campaign TOKEN or --inapp-campaign" },
        { "export create --campaign " .. "x --events a --ids b", "--from is required" },
        { "profiles export --body /no/such/file.json", "cannot read" },
        { "campaign list --base-url ftp://x", "--base-url (or BATCH_BASE_URL) must start with http" },
        { "campaign list --api-key 'a b'", "--api-key (or BATCH_API_KEY) contains" },
      }
      for _, c in ipairs(cases) do
        local r = run(c[1])
        assert.equal(2, r.code, c[1])
        assert.equal("", r.out, c[1])
        local ls = lines(r.err)
        assert.truthy(ls[1]:find("batch: " .. c[2], 1, true) or ls[1]:find(c[2], 1, true), c[1] .. ": " .. r.err)
        assert.matches("^usage: batch ", ls[2], c[1])
      end
    end)

    it("a missing key is a usage error naming the option and the variable, before any request", function()
      m:clear_log()
      local r = run("campaign list", { BATCH_REST_API_KEY = false })
      assert.equal(2, r.code)
      assert.truthy(r.err:find("--rest-key", 1, true))
      assert.truthy(r.err:find("BATCH_REST_API_KEY", 1, true))
      r = run("project-export list", { BATCH_PROJECT_KEY = false })
      assert.equal(2, r.code)
      assert.truthy(r.err:find("BATCH_PROJECT_KEY", 1, true))
      assert.equal(0, #m:log())
    end)
  end)

  describe("campaigns", function()
    it("campaign list piped: one JSON object per line", function()
      local r = run("campaign list --limit 7")
      assert.equal(0, r.code)
      assert.equal("", r.err)
      local items = json_lines(r.out)
      assert.equal(7, #items)
      for _, c in ipairs(items) do assert.is_string(c.campaign_token) end
    end)

    it("campaign list --all pages through every campaign; filters pass through", function()
      local all = json_lines(run("campaign list --all --limit 10").out)
      assert.equal(25, #all)
      local live = json_lines(run("campaign list --all --live false").out)
      assert.is_true(#live > 0 and #live < 25)
      for _, c in ipairs(live) do assert.is_false(c.live) end
    end)

    it("--pretty indents each item of a list, one after the other; a value is indented", function()
      local r = run("campaign list --limit 2 --pretty")
      assert.matches("^{\n  \"campaign_token\": ", r.out)
      local second = r.out:find("\n}\n{\n", 1, true)
      assert.truthy(second, r.out)
      assert.is_string(cjson.decode(r.out:sub(1, second + 1)).campaign_token)
      assert.is_string(cjson.decode(r.out:sub(second + 3)).campaign_token)
      local g = run("campaign get " .. token .. " --pretty")
      assert.matches("^{\n  \"campaign_token\": ", g.out)
      assert.equal(token, cjson.decode(g.out).campaign_token)
    end)

    it("campaign get and stats print one JSON object", function()
      local r = run("campaign get " .. token)
      assert.equal(0, r.code)
      assert.equal(1, #lines(r.out))
      assert.equal(token, cjson.decode(r.out).campaign_token)
      local s = run("campaign stats " .. token)
      assert.equal(0, s.code)
      assert.equal(token, cjson.decode(s.out).campaign_token)
    end)

    it("inapp get and list", function()
      local items = json_lines(run("inapp list --limit 3").out)
      assert.equal(3, #items)
      local r = run("inapp get " .. items[1].campaign_token)
      assert.equal(0, r.code)
      assert.equal(items[1].campaign_token, cjson.decode(r.out).campaign_token)
    end)

    it("--csv: a header, RFC 4180 quoting, LF line ends; --crlf: CRLF", function()
      local batch = require "batch"
      local c = batch.new{ api_key = keys.api_key, rest_key = keys.rest_key, base_url = m.url }
      assert(c.campaigns:create{ name = 'Sale, "big"\nnow', live = true,
                                 messages = { { language = "en", body = "x" } } })
      c:close()
      local r = run("campaign list --limit 3 --csv")
      assert.equal(0, r.code)
      assert.is_nil(r.out:find("\r", 1, true))
      local crlf = run("campaign list --limit 3 --csv --crlf").out
      assert.same(parse_csv(r.out), parse_csv(crlf))
      assert.equal(4, select(2, crlf:gsub("\r\n", "")))  -- the line ends; the quoted LF inside a field stays
      local rows = parse_csv(r.out)
      assert.equal(4, #rows)
      assert.same({ "campaign_token", "name", "live", "from_api", "dev_only", "created_date" },
                  { rows[1][1], rows[1][2], rows[1][3], rows[1][4], rows[1][5], rows[1][6] })
      assert.equal('Sale, "big"\nnow', rows[2][2])
      assert.truthy(r.out:find('"Sale, ""big""\nnow"', 1, true))
      local s = parse_csv(run("campaign stats " .. token .. " --csv").out)
      assert.equal("date", s[1][1])
    end)
  end)

  describe("errors", function()
    it("an API error: exit 1, one line 'batch: NAME: message', nothing on stdout", function()
      local line = one_line_error(run("campaign get 0123456789abcdef"), "ROUTE_NOT_FOUND")
      assert.truthy(line:find("HTTP 404", 1, true))
      -- a value the library refuses before sending: exit 2, as a usage error
      one_line_error(run("campaign get 'a/b'"), "INVALID_ARGUMENT", 2)
      one_line_error(run("campaign list --limit 500"), "INVALID_ARGUMENT", 2)
    end)

    it("a refused key: AUTHENTICATION_INVALID, and no key in stderr", function()
      local r = run("campaign list", { BATCH_REST_API_KEY = "0000wrongrestkey0000" })
      local line = one_line_error(r, "AUTHENTICATION_INVALID")
      assert.is_nil(line:find("0000wrongrestkey0000", 1, true))
      no_keys(r.err)
      r = run("campaign list --rest-key 1111wrongrestkey1111")
      one_line_error(r, "AUTHENTICATION_INVALID")
      assert.is_nil(r.err:find("1111wrongrestkey1111", 1, true))
    end)

    it("keys a server echoes are not printed", function()
      m:fault{ path = "/campaigns/", count = 10, status = 500,
               body = cjson.encode{ code = 0, message = "boom " .. keys.api_key .. " " .. keys.rest_key } }
      local r = run("campaign get " .. token .. " --max-retries 0")
      local line = one_line_error(r, "SERVER_ERROR", 75)
      assert.truthy(line:find("***", 1, true))
      no_keys(r.err)
      no_keys(r.out)
    end)

    it("a network error: NETWORK_ERROR, exit 75 (try again later)", function()
      local r = run("campaign list --max-retries 0 --base-url http://127.0.0.1:1")
      one_line_error(r, "NETWORK_ERROR", 75)
      no_keys(r.err)
    end)

    it("an ERROR export: EXPORT_FAILED with its message, exit 1; a wait past --timeout: WAIT_TIMEOUT, 75", function()
      m:exports_config{ pending_after = 0.05, done_after = 0.1, outcome = "ERROR", error_msg = "no data" }
      local id = cjson.decode(run("export create --campaign " .. token ..
                                  " --from now --events push_sent --ids install_id").out).id
      local line = one_line_error(run("export wait " .. id .. " --interval 0.05"), "EXPORT_FAILED")
      assert.truthy(line:find("no data", 1, true))
      m:exports_config{ pending_after = 0.05, done_after = 60, outcome = "SUCCESS" }
      id = cjson.decode(run("export create --campaign " .. token ..
                            " --from now --events push_sent --ids install_id").out).id
      local r = run("export wait " .. id .. " --interval 0.05 --timeout 0.3")
      assert.equal(75, r.code)
      assert.equal("", r.out)
      assert.same({ "batch: still running: batch export wait " .. id }, { lines(r.err)[1] })
      assert.matches("^batch: WAIT_TIMEOUT: ", lines(r.err)[2])
    end)
  end)

  describe("exports (1.0)", function()
    local function create()
      local r = run("export create --campaign " .. token .. " --from 2019-08-14T22:00:00 --to now" ..
                    " --events push_sent,push_open --ids install_id,custom_id")
      assert.equal(0, r.code, r.err)
      local info = cjson.decode(r.out)
      assert.is_string(info.id)
      return info.id
    end

    it("create, status, list, wait, download, rows", function()
      local id = create()
      local log = m:log()
      assert.same({ from = "2019-08-14T22:00:00", to = "now", events = { "push_sent", "push_open" },
                    ids = { "install_id", "custom_id" } }, cjson.decode(log[#log].body))
      assert.equal(id, cjson.decode(run("export status " .. id).out).id)
      assert.equal(id, json_lines(run("export list").out)[1].id)
      local w = run("export wait " .. id .. " --interval 0.05")
      assert.equal(0, w.code, w.err)
      assert.equal("", w.err)
      assert.equal("SUCCESS", cjson.decode(w.out).status)
      -- Batch's file_url and uri hold the API key in their paths: stdout shows *** instead.
      no_keys(w.out)
      assert.matches("/1%.0/%*%*%*/export/request/", cjson.decode(w.out).file_url)

      local path = dir .. "/events.csv"
      local d = run("export download " .. id .. " " .. q(path))
      assert.equal(0, d.code, d.err)
      local res = cjson.decode(d.out)
      assert.equal(path, res.path)
      assert.equal(#read_all(path), res.bytes)
      assert.same({}, file_util.temp_files_of(path))

      local rows = json_lines(run("export rows " .. id).out)
      assert.equal(20, #rows)
      assert.equal("user-0000000001", rows[1].custom_id)
      assert.equal(3, #json_lines(run("export rows " .. id .. " --limit 3").out))
      local csv = parse_csv(run("export rows " .. id .. " --csv --limit 2").out)
      assert.same({ "install_id", "custom_id", "event_type" }, csv[1])
      assert.equal(3, #csv)
      assert.equal("user-0000000002", csv[3][2])
    end)

    it("rows --csv keeps quoted fields whole", function()
      m:exports_config{ pending_after = 0.05, done_after = 0.1, rows = 5, csv_edge_cases = true }
      local id = create()
      assert.equal(0, run("export wait " .. id .. " --interval 0.05").code)
      local csv = parse_csv(run("export rows " .. id .. " --csv").out)
      assert.equal(6, #csv)
      assert.same({ "install_id", "custom_id", "event_type" }, csv[1])
      assert.equal("semi;colon;value", csv[2][1])
      assert.equal('say "hello"', csv[3][1])
      assert.equal("line one\nline two\r\nline three", csv[4][1])
    end)

    it("rows --csv of an export without rows prints its header", function()
      m:exports_config{ pending_after = 0.05, done_after = 0.1, rows = 0 }
      local id = create()
      assert.equal(0, run("export wait " .. id .. " --interval 0.05").code)
      local r = run("export rows " .. id .. " --csv")
      assert.equal(0, r.code, r.err)
      assert.equal("install_id,custom_id,event_type\n", r.out)
      assert.equal("", run("export rows " .. id).out)
    end)

    it("download of an unfinished export: INVALID_ARGUMENT (exit 2), and no file", function()
      m:exports_config{ pending_after = 0.05, done_after = 60 }
      local id = create()
      local path = dir .. "/early.csv"
      one_line_error(run("export download " .. id .. " " .. q(path)), "INVALID_ARGUMENT", 2)
      assert.is_false(exists(path))
    end)
  end)

  describe("profiles and project exports (2.x)", function()
    it("profiles export, project-export status, wait, list, download, records", function()
      m:exports_config{ pending_after = 0.05, running_after = 0.1, done_after = 0.3, rows = 12, parts = 2 }
      local r = run("profiles export --type ATTRIBUTES --attributes '$email_address,$region' " ..
                    "--identifiers custom_id")
      assert.equal(0, r.code, r.err)
      local id = cjson.decode(r.out).id
      assert.matches("^export_", id)
      local log = m:log()
      assert.same({ export_type = "ATTRIBUTES", attributes = { "$email_address", "$region" },
                    identifiers = { "custom_id" } }, cjson.decode(log[#log].body))
      assert.equal(id, cjson.decode(run("project-export status " .. id).out).id)
      local w = run("project-export wait " .. id .. " --interval 0.05")
      assert.equal(0, w.code, w.err)
      assert.equal("SUCCESS", cjson.decode(w.out).status)
      assert.equal(id, json_lines(run("project-export list --limit 1").out)[1].id)
      assert.equal(1, #json_lines(run("project-export list --all").out))

      local out = dir .. "/parts/sub"
      local d = run("project-export download " .. id .. " " .. q(out))
      assert.equal(0, d.code, d.err)
      local parts = json_lines(d.out)
      assert.equal(2, #parts)
      for _, p in ipairs(parts) do assert.equal(p.bytes, #read_all(p.path)) end

      local recs = json_lines(run("project-export records " .. id).out)
      assert.equal(12, #recs)
      assert.equal("user-0000000001", recs[1].identifiers.custom_id)
      local csv = parse_csv(run("project-export records " .. id .. " --csv --limit 2").out)
      assert.equal(3, #csv)
      assert.same({ "identifiers.custom_id", "attributes.$email_address", "attributes.$region" }, csv[1])
    end)

    it("profiles export --body FILE.json (and - for stdin)", function()
      local body = dir .. "/body.json"
      local f = assert(io.open(body, "wb"))
      f:write('{"export_type":"ATTRIBUTES","identifiers":["custom_id"]}')
      f:close()
      local r = run("profiles export --body " .. q(body))
      assert.equal(0, r.code, r.err)
      assert.matches("^export_", cjson.decode(r.out).id)
      r = run("profiles export --body -", nil, body)
      assert.equal(0, r.code, r.err)
      assert.equal(2, run("profiles export --body " .. q(body) .. " --type EVENTS").code)
    end)

    it("a refused body is INVALID_ARGUMENT (exit 2) or the API's error (exit 1)", function()
      one_line_error(run("profiles export --type ATTRIBUTES"), "INVALID_ARGUMENT", 2)
      one_line_error(run("profiles export --type NOPE"), "MALFORMED_PARAMETER")
    end)
  end)

  describe("progress display", function()
    local id
    before_each(function()
      m:exports_config{ pending_after = 0.05, done_after = 0.5, rows = 20000 }
      id = cjson.decode(run("export create --campaign " .. token ..
                            " --from now --events push_sent --ids install_id").out).id
    end)

    it("under a terminal: the wait redraws its state and the download its percent, with \\r", function()
      local out = run_tty("export wait " .. id .. " --interval 0.1")
      assert.truthy(out:find("\rexport " .. id .. ": ", 1, true))
      assert.truthy(out:find("export " .. id .. ": PENDING", 1, true) or out:find(": CREATED", 1, true))
      assert.truthy(out:find(": SUCCESS", 1, true))
      assert.matches("poll %d+", out)
      -- stdout is the terminal too: the final info is the one line of JSON a pipe gets.
      assert.matches('\n{"completion_date":"[^\n]*"status":"SUCCESS"[^\n]*}\r?\n', out)
      local dl = run_tty("export download " .. id .. " " .. q(dir .. "/tty.csv"))
      assert.truthy(dl:find("\rdownloading", 1, true))
      assert.matches("100%%", dl)
      assert.matches("%d kB", dl)
      assert.matches("/s", dl)
      assert.truthy(dl:find("ETA", 1, true))
    end)

    it("the progress line shows no key", function()
      local out = run_tty("export wait " .. id .. " --interval 0.1", nil, true)
      out = out .. run_tty("export download " .. id .. " " .. q(dir .. "/tty2.csv"), nil, true)
      assert.truthy(out:find("\rdownloading", 1, true))
      no_keys(out)
    end)

    it("BATCH_PROGRESS=0 turns it off under a terminal", function()
      run("export wait " .. id .. " --interval 0.1")
      local dl = run_tty("export download " .. id .. " " .. q(dir .. "/quiet.csv"), { BATCH_PROGRESS = "0" })
      assert.is_nil(dl:find("downloading", 1, true))
      assert.is_nil(dl:find("ETA", 1, true))
    end)

    it("absent when stderr is not a terminal; BATCH_PROGRESS=1 forces it", function()
      local w = run("export wait " .. id .. " --interval 0.1")
      assert.equal(0, w.code)
      assert.equal("", w.err)
      local d = run("export download " .. id .. " " .. q(dir .. "/plain.csv"))
      assert.equal("", d.err)
      assert.is_nil(d.out:find("\r", 1, true))
      local forced = run("export download " .. id .. " " .. q(dir .. "/forced.csv"), { BATCH_PROGRESS = "1" })
      assert.truthy(forced.err:find("\rdownloading", 1, true))
      assert.truthy(forced.err:find("100%", 1, true))
      -- stdout stays one line of JSON.
      assert.equal(1, #lines(forced.out))
      assert.is_table(cjson.decode(forced.out))
    end)
  end)
end)
