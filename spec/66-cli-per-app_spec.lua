-- The per-app commands of the rest of Batch's API (1.x): transactional, custom-data, events, gdpr and
-- custom-audience. bin/batch runs as a child process against the emulator; each case checks what went
-- on the wire (the emulator's request log), what was printed, the exit status, what the emulator holds
-- afterwards (m:state()), and that a refused command sent nothing.
local cjson = require "cjson.safe"
local files = require "spec.support.files"
local cli = require "spec.support.cli"

local q, lines, json_lines = files.quote, cli.lines, cli.json_lines

describe("batch per-app commands", function()
  local m, r, key

  cli.world(function(w) m, r = w.m, w.r end)
  setup(function()
    key = m.keys.api_key
  end)

  -- The API requests the emulator got since the last call, each with its body decoded (nil: none).
  local function calls()
    local log = m:log()
    m:clear_log()
    for _, e in ipairs(log) do e.json = e.body ~= "" and cjson.decode(e.body) or nil end
    return log
  end

  -- A command that ran well: its output, and its one API request (checked for the 1.x headers).
  local function ok(res)
    assert.equal(0, res.code, res.err)
    assert.equal("", res.err)
    local log = calls()
    for _, e in ipairs(log) do assert.equal(m.keys.rest_key, e.headers["x-authorization"]) end
    return res.out, log
  end

  -- The requests of a command that ran well.
  local function sent(res)
    local _, log = ok(res)
    return log
  end

  -- A command refused before anything was sent: its status and stderr's first line.
  local function refused(res, code, pattern)
    assert.equal(code or 2, res.code, res.err)
    assert.equal("", res.out)
    assert.matches(pattern, lines(res.err)[1])
    assert.same({}, calls())
  end

  local function today() return os.date("!%Y-%m-%d") end
  local function app() return m:state().apps.ios end

  describe("transactional", function()
    it("send from options: the body Batch gets, and its token printed", function()
      local out, log = ok(r:run("transactional send --group-id welcome --custom-ids user-1,user-2 " ..
                                "--custom-ids user-3 --title Hello --body 'Welcome aboard' " ..
                                "--deeplink https://example.com/w"))
      assert.equal(1, #log)
      assert.equal("POST", log[1].method)
      assert.equal("/1.1/" .. key .. "/transactional/send", log[1].path)
      assert.same({ group_id = "welcome", recipients = { custom_ids = { "user-1", "user-2", "user-3" } },
                    message = { title = "Hello", body = "Welcome aboard" }, deeplink = "https://example.com/w" },
                  log[1].json)
      local g = app().transactional.welcome
      assert.same({ token = g.last_token }, cjson.decode(out))
      assert.equal(3, g.recipients)
    end)

    it("send: install ids, tokens, and recipients from stdin one per line (commas and spaces kept)", function()
      local stdin = r:file("ids.txt", "user 1\n\n  user,2  \r\nuser-3\n")
      local _, log = ok(r:run("transactional send --group-id g --custom-ids - --install-ids i-1 --tokens t-1,t-2 " ..
                              "--body hi", nil, stdin))
      assert.same({ custom_ids = { "user 1", "user,2", "user-3" }, install_ids = { "i-1" }, tokens = { "t-1", "t-2" } },
                  log[1].json.recipients)
      assert.same({ body = "hi" }, log[1].json.message)
    end)

    it("send --data: the whole body as written, from a file or stdin", function()
      local body = '{"group_id": "order_shipped", "recipients": {"custom_ids": ["u1"]}, "message": ' ..
                   '{"title": "Shipped", "body": "On its way"}, "priority": "high", "labels": ["ops"], ' ..
                   '"time_to_live": 3600}'
      local path = r:file("push.json", body)
      local out, log = ok(r:run("transactional send --data @" .. q(path)))
      assert.same(cjson.decode(body), log[1].json)
      assert.matches("^%x+%-", cjson.decode(out).token)
      log = sent(r:run("transactional send --data - --field token", nil, path))
      assert.same(cjson.decode(body), log[1].json)
    end)

    it("send: what is refused sends nothing (usage and INVALID_ARGUMENT exit 2)", function()
      refused(r:run("transactional send --custom-ids a --body x"), 2, "^batch: %-%-group%-id is required")
      refused(r:run("transactional send --group-id g --body x"), 2, "^batch: no recipient")
      refused(r:run("transactional send --group-id g --custom-ids ,, --body x"), 2, "^batch: no recipient")
      refused(r:run("transactional send --group-id g --custom-ids a"), 2, "needs %-%-title and/or %-%-body")
      refused(r:run("transactional send --group-id 'has space' --custom-ids a --body x"), 2,
              "^batch: INVALID_ARGUMENT: transactional:send: group_id may hold only")
      refused(r:run("transactional send --data '{}' --title x"), 2, "^batch: %-%-data cannot go with %-%-title")
      refused(r:run("transactional send --data '[1]'"), 2, "is not a JSON object")
      refused(r:run("transactional send --data '{\"group_id\": \"g\", \"recipients\": {\"custom_ids\": \"u1\"}}'"), 2,
              "^batch: INVALID_ARGUMENT: .*recipients%.custom_ids must be a table, got string")
    end)

    it("send: Batch's refusal exits 1; a 500 says the outcome is unknown; a 429 exits 75", function()
      local res = r:run("transactional send --data '{\"group_id\": \"g\", \"recipients\": {\"custom_ids\": [\"u\"]}}'")
      assert.equal(1, res.code)
      assert.matches("^batch: MISSING_PARAMETER: .*message", res.err)
      m:fault{ path = "/transactional/send", status = 500 }
      res = r:run("transactional send --group-id g --custom-ids u --body x")
      assert.equal(1, res.code)
      assert.matches("\nbatch: the outcome of this POST is unknown", res.err)
      m:fault{ path = "/transactional/send", status = 429 }
      assert.equal(75, r:run("transactional send --group-id g --custom-ids u --body x --max-retries 0").code)
    end)

    it("stats: since and until on the wire; the day's sends; --csv one row per day", function()
      ok(r:run("transactional send --group-id welcome --custom-ids a,b --body x"))
      local out, log = ok(r:run("transactional stats welcome --from " .. today() .. " --to " .. today()))
      assert.equal("GET", log[1].method)
      assert.equal("/1.1/" .. key .. "/transactional/stats/welcome", log[1].path)
      assert.equal("since=" .. today() .. "&until=" .. today(), log[1].query)
      local s = cjson.decode(out)
      assert.equal("welcome", s.group_id)
      assert.equal(2, s.detail[1].sent)
      local csv = lines(ok(r:run("transactional stats welcome --from " .. today() .. " --csv")))
      assert.equal(2, #csv)
      assert.matches("^date,", csv[1])
      assert.equal(1, csv[2]:find(today() .. ",", 1, true))
      refused(r:run("transactional stats welcome"), 2, "^batch: %-%-from is required")
      refused(r:run("transactional stats welcome --from 05/01/2024"), 2,
              "^batch: INVALID_ARGUMENT: .*from must be a day")
      refused(r:run("transactional stats welcome --from 2000-01-01"), 2, "at most 6 months")
    end)
  end)

  describe("custom-data", function()
    it("set --value: JSON values as such, other text as strings, null on the wire; a custom ID encoded", function()
      local out, log = ok(r:run("custom-data set 'john.doe/1' --value plan=premium --value age=30 --value nick=007 " ..
                                "--value 'quoted=\"30\"' --value 'tags=[\"a\",\"b\"]' --value beta=null"))
      assert.equal("POST", log[1].method)
      assert.equal("/1.0/" .. key .. "/data/users/john.doe%2F1", log[1].raw_path)
      assert.truthy(log[1].body:find('"beta":null', 1, true), log[1].body)
      assert.same({ overwrite = false, values = { plan = "premium", age = 30, nick = "007", quoted = "30",
                                                  tags = { "a", "b" }, beta = cjson.null } }, log[1].json)
      assert.matches("^%x+%-", cjson.decode(out).token)
      assert.same({ plan = "premium", age = 30, nick = "007", quoted = "30", tags = { "a", "b" } },
                  app().custom_data["john.doe/1"].values)
    end)

    it("set --data, --overwrite; a null removes the attribute", function()
      ok(r:run("custom-data set user-1 --value plan=premium --value beta=true"))
      local log = sent(r:run("custom-data set user-1 --data '{\"beta\": null}'"))
      assert.same({ overwrite = false, values = { beta = cjson.null } }, log[1].json)
      assert.same({ plan = "premium" }, app().custom_data["user-1"].values)
      log = sent(r:run("custom-data set user-1 --data '{\"age\": 40}' --overwrite"))
      assert.is_true(log[1].json.overwrite)
      assert.same({ age = 40 }, app().custom_data["user-1"].values)
    end)

    it("set: what is refused sends nothing", function()
      refused(r:run("custom-data set user-1"), 2, "^batch: give the values")
      refused(r:run("custom-data set user-1 --data '{}' --value a=1"), 2, "cannot go together")
      refused(r:run("custom-data set user-1 --value novalue"), 2, "expected NAME=VALUE")
      refused(r:run("custom-data set user-1 --data '[1, 2]'"), 2, "is not a JSON object")
      refused(r:run("custom-data set ''"), 2, "CUSTOM_ID is empty")
      refused(r:run("custom-data set - --value a=1", nil, r:file("two.txt", "u1\nu2\n")), 2, "one CUSTOM_ID expected")
    end)

    it("delete: one custom ID on its route; several, or -, on the bulk route, 10 000 a call", function()
      ok(r:run("custom-data set user-1 --value a=1"))
      ok(r:run("custom-data set user-2 --value a=1"))
      local out, log = ok(r:run("custom-data delete user-1"))
      assert.equal("DELETE", log[1].method)
      assert.equal("/1.0/" .. key .. "/data/users/user-1", log[1].path)
      assert.equal("", log[1].body)
      assert.matches("^%x+%-", cjson.decode(out).token)
      out, log = ok(r:run("custom-data delete user-2 user-3"))
      assert.equal("/1.0/" .. key .. "/data/users", log[1].path)
      assert.same({ "user-2", "user-3" }, log[1].json)
      local printed = cjson.decode(out)
      assert.equal(2, printed.ids)
      assert.is_true(printed.ok)
      assert.same({}, app().custom_data)
      local many = {}
      for i = 1, 10001 do many[i] = "u" .. i end
      out, log = ok(r:run("custom-data delete -", nil, r:file("ids.txt", table.concat(many, "\n"))))
      assert.equal(2, #log)
      assert.equal(10000, #log[1].json)
      assert.same({ "u10001" }, log[2].json)
      local answers = json_lines(out)
      assert.equal(2, #answers)
      assert.same({ 10000, 1 }, { answers[1].ids, answers[2].ids })
    end)
  end)

  describe("events", function()
    it("track from options: the user's route, the event Batch gets, its answer printed", function()
      local now = os.time()
      local out, log = ok(r:run("events track user-1 --name added_to_cart --label shoes --attr sku=A-42 " ..
                                "--attr price=59.9 --attr gift=true --tag summer --tag sale --time " .. now))
      assert.equal("POST", log[1].method)
      assert.equal("/1.0/" .. key .. "/events/users/user-1", log[1].path)
      assert.same({ { name = "added_to_cart", label = "shoes", attributes = { sku = "A-42", price = 59.9, gift = true },
                      tags = { "summer", "sale" }, time = os.date("!%Y-%m-%dT%H:%M:%S", now) } }, log[1].json)
      assert.matches("^%x+%-", cjson.decode(out).token)
      assert.equal("added_to_cart", app().events["user-1"].events[1].name)
    end)

    it("track: what is refused sends nothing", function()
      refused(r:run("events track user-1"), 2, "^batch: %-%-name is required")
      refused(r:run("events track --name x"), 2, "^batch: missing CUSTOM_ID")
      refused(r:run("events track user-1 --name x --time 2020-01-01T00:00:00"), 2,
              "^batch: INVALID_ARGUMENT: events:track: events%[1%]%.time is older than 24 hours")
      refused(r:run("events track user-1 --name x --attr Bad=1"), 2, "attribute name 'Bad'")
      refused(r:run("events track user-1 --data -", nil, r:file("e.jsonl", "{}\n")), 2, "cannot go with a CUSTOM_ID")
      refused(r:run("events track --data - --name x", nil, r:file("e.jsonl", "{}\n")), 2, "cannot go with %-%-name")
    end)

    it("track --data: JSON Lines of both forms, sent through the queue to the bulk route", function()
      local one = r:file("one.jsonl", '{"id": "user-2", "name": "app_open", "label": "home"}\n')
      local out, log = ok(r:run("events track --data @" .. q(one)))
      assert.equal("/1.0/" .. key .. "/events/users", log[1].path)
      assert.same({ { id = "user-2", events = { { name = "app_open", label = "home" } } } }, log[1].json)
      assert.same({ lines = 1, events = 1, sent = 1, dropped = 0, batches = 1, partial_errors = 0 }, cjson.decode(out))
      local two = r:file("two.jsonl", '{"id": "user-2", "name": "app_open"}\n\n' ..
                                      '{"id": "user-3", "events": [{"name": "a"}, {"name": "b", "tags": ["t"]}]}\n')
      out, log = ok(r:run("events track --data -", nil, two))
      assert.equal(1, #log)
      assert.same({ { id = "user-2", events = { { name = "app_open" } } },
                    { id = "user-3", events = { { name = "a" }, { name = "b", tags = { "t" } } } } }, log[1].json)
      assert.same({ lines = 2, events = 3, sent = 3, dropped = 0, batches = 1, partial_errors = 0 }, cjson.decode(out))
    end)

    it("track --data: calls of at most 1000 events, filled; each user's events in the input's order", function()
      local text = {}
      for i = 1, 700 do
        text[#text + 1] = cjson.encode{ id = "u" .. (i % 7), events = { { name = "e", attributes = { n = 2 * i - 1 } },
                                                                       { name = "e", attributes = { n = 2 * i } } } }
      end
      text[#text + 1] = cjson.encode{ id = "big", events = (function()
        local t = {}
        for i = 1, 1000 do t[i] = { name = "big", attributes = { n = 1400 + i } } end
        return t
      end)() }
      local out, log = ok(r:run("events track --data @" .. q(r:file("many.jsonl", table.concat(text, "\n")))))
      assert.same({ lines = 701, events = 2400, sent = 2400, dropped = 0, batches = 3, partial_errors = 0 },
                  cjson.decode(out))
      local per_call, last = {}, {}
      for k, call in ipairs(log) do
        assert.equal("/1.0/" .. key .. "/events/users", call.path)
        per_call[k] = 0
        for _, u in ipairs(call.json) do
          for _, e in ipairs(u.events) do
            per_call[k] = per_call[k] + 1
            -- a user's events come in the order of the input, across calls too
            assert.is_true(e.attributes.n > (last[u.id] or 0), u.id .. " out of order")
            last[u.id] = e.attributes.n
          end
        end
      end
      assert.same({ 1000, 1000, 400 }, per_call)
      assert.equal(2400, last.big)
    end)
  end)

  describe("gdpr", function()
    it("request, status, list: bodies and paths on the wire, the request_id printed", function()
      local out, log = ok(r:run("gdpr request --type review --id user-1 --callback https://example.com/done"))
      assert.equal("/1.0/" .. key .. "/gdpr/request", log[1].path)
      assert.same({ request_type = "review", id = { type = "custom_id", value = "user-1" },
                    callback_url = "https://example.com/done" }, log[1].json)
      local rid = cjson.decode(out).request_id
      assert.matches("^%x+%-", rid)
      out, log = ok(r:run("gdpr request --type remove --id-type advertising_id --id AD-1 --field request_id"))
      assert.same({ request_type = "remove", id = { type = "advertising_id", value = "AD-1" } }, log[1].json)
      local rid2 = out:match("^(%S+)\n$")
      out, log = ok(r:run("gdpr status " .. rid .. " --field request_type --field status"))
      assert.equal("/1.0/" .. key .. "/gdpr/request/" .. rid, log[1].path)
      assert.equal("review\tpending\n", out)
      out, log = ok(r:run("gdpr list --field request_id"))
      assert.equal("/1.0/" .. key .. "/gdpr/requests", log[1].path)
      assert.same({ rid2, rid }, lines(out))
      local unknown = r:run("gdpr status 0000")
      assert.equal(1, unknown.code)
      assert.matches("^batch: ROUTE_NOT_FOUND: ", unknown.err)
    end)

    it("request: what is refused sends nothing", function()
      refused(r:run("gdpr request --id u"), 2, "^batch: %-%-type is required")
      refused(r:run("gdpr request --type review"), 2, "^batch: %-%-id is required")
      refused(r:run("gdpr request --type erase --id u"), 2,
              "^batch: INVALID_ARGUMENT: gdpr:request: request_type must be 'review' or 'remove'")
      refused(r:run("gdpr status 'a b'"), 2, "^batch: INVALID_ARGUMENT: ")
    end)
  end)

  describe("custom-audience", function()
    it("create, update, replace, delete on one URL with four verbs; --version 1.0 on the 1.0 API", function()
      local out, log = ok(r:run("custom-audience create vip --description 'Best users'"))
      assert.same({ "POST", "/1.1/" .. key .. "/custom-audience/vip" }, { log[1].method, log[1].path })
      assert.same({ description = "Best users" }, log[1].json)
      assert.same({ name = "vip", ok = true }, cjson.decode(out))
      log = sent(r:run("custom-audience create fans --version 1.0 --type custom_ids"))
      assert.equal("/1.0/" .. key .. "/custom-audience/fans", log[1].path)
      assert.same({ type = "custom_ids" }, log[1].json)

      out, log = ok(r:run("custom-audience update vip i-1 i-2"))
      assert.same({ "PATCH", "/1.1/" .. key .. "/custom-audience/vip" }, { log[1].method, log[1].path })
      assert.same({ ids = { { action = "add", id = "i-1" }, { action = "add", id = "i-2" } } }, log[1].json)
      local u = cjson.decode(out)
      assert.same({ 2, "vip", true }, { u.ids, u.name, u.ok })
      log = sent(r:run("custom-audience update fans - --version 1.0 --remove", nil, r:file("i.txt", "user-1\n")))
      assert.same({ "PATCH", "/1.0/" .. key .. "/custom-audience/fans" }, { log[1].method, log[1].path })
      assert.same({ ids = { { action = "remove", id = "user-1" } } }, log[1].json)

      log = sent(r:run("custom-audience replace vip i-3"))
      assert.same({ "PUT", "/1.1/" .. key .. "/custom-audience/vip" }, { log[1].method, log[1].path })
      assert.same({ ids = { { id = "i-3" } } }, log[1].json)
      assert.equal(1, app().custom_audiences.vip.nb_ids)

      out, log = ok(r:run("custom-audience delete fans --version 1.0"))
      assert.same({ "DELETE", "/1.0/" .. key .. "/custom-audience/fans" }, { log[1].method, log[1].path })
      assert.same({ name = "fans", ok = true }, cjson.decode(out))
      assert.is_nil(app().custom_audiences.fans)
    end)

    it("list one page by offset; list --all and each page by page", function()
      for _, n in ipairs{ "a1", "a2", "a3" } do ok(r:run("custom-audience create " .. n)) end
      local out, log = ok(r:run("custom-audience list --from 1 --limit 1 --field name"))
      assert.equal("/1.1/" .. key .. "/custom-audience", log[1].path)
      assert.equal("from=1&limit=1", log[1].query)
      assert.equal("a2\n", out)
      out, log = ok(r:run("custom-audience each --limit 2 --field name"))
      assert.same({ "a3", "a2", "a1" }, lines(out))
      assert.equal(2, #log)
      assert.equal(out, ok(r:run("custom-audience list --all --limit 2 --field name")))
    end)

    it("what is refused sends nothing: more than 10 000 ids to replace, an unknown version, 1.0 without type",
       function()
      local many = {}
      for i = 1, 10001 do many[i] = "i" .. i end
      refused(r:run("custom-audience replace vip -", nil, r:file("many.txt", table.concat(many, "\n"))), 2,
              "^batch: INVALID_ARGUMENT: .*at most 10000 ids")
      refused(r:run("custom-audience create vip --version 2.0"), 2, "version must be")
      refused(r:run("custom-audience create vip --version 1.0"), 2, "^batch: INVALID_ARGUMENT: .*type is required")
      refused(r:run("custom-audience update vip"), 2, "^batch: missing ID")
      refused(r:run("custom-audience list --all --from 3"), 2, "cannot go together")
    end)

    it("update sends 10 000 ids a call", function()
      ok(r:run("custom-audience create vip"))
      local many = {}
      for i = 1, 10001 do many[i] = "i" .. i end
      local out, log = ok(r:run("custom-audience update vip -", nil, r:file("many.txt", table.concat(many, "\n"))))
      assert.same({ 10000, 1 }, { #log[1].json.ids, #log[2].json.ids })
      assert.equal("i10001", log[2].json.ids[1].id)
      assert.same({ 10000, 1 }, { json_lines(out)[1].ids, json_lines(out)[2].ids })
      assert.equal(10001, app().custom_audiences.vip.nb_ids)
    end)
  end)
end)
