-- The per-project commands of the rest of Batch's API (2.x): profiles update, audiences, orchestrations
-- and catalogs. bin/batch runs as a child process against the emulator; each case checks what went on
-- the wire (the emulator's request log), what was printed, the exit status, what the emulator holds
-- afterwards (m:state()), and that a refused command sent nothing.
local cjson = require "cjson.safe"
local files = require "spec.support.files"
local cli = require "spec.support.cli"

local q, lines = files.quote, cli.lines

-- The lines of s, sorted.
local function sorted_lines(s)
  local t = lines(s)
  table.sort(t)
  return t
end

describe("batch per-project commands", function()
  local m, dir, r

  cli.world(function(w) m, dir, r = w.m, w.dir, w.r end)

  -- The API requests the emulator got since the last call, each with its body decoded and its path
  -- without the version ("/2.11/audiences/create" -> "/audiences/create").
  local function calls()
    local log = m:log()
    m:clear_log()
    for _, e in ipairs(log) do
      e.json = e.body ~= "" and cjson.decode(e.body) or nil
      e.route = e.path:match("^/2%.%d+(/.*)$")
    end
    return log
  end

  -- A command that ran well: its output, and its API requests (checked for the 2.x headers).
  local function ok(res)
    assert.equal(0, res.code, res.err)
    assert.equal("", res.err)
    local log = calls()
    for _, e in ipairs(log) do
      assert.equal("Bearer " .. m.keys.rest_key, e.headers["authorization"])
      assert.equal(m.keys.project_key, e.headers["x-batch-project"])
    end
    return res.out, log
  end

  local function sent(res)
    local _, log = ok(res)
    return log
  end

  -- A command refused before anything was sent: stderr's first line matches.
  local function refused(res, code, pattern)
    assert.equal(code or 2, res.code, res.err)
    assert.equal("", res.out)
    assert.matches(pattern, lines(res.err)[1])
    assert.same({}, calls())
  end

  local function project() return m:state().projects[m.keys.project_key] end

  -- JSON Lines of n profiles; bad[i]: profile i gets an e-mail address Batch refuses.
  local function profiles_file(name, n, bad)
    local t = {}
    for i = 1, n do
      local a = { plan = "p" .. i }
      if bad and bad[i] then a["$email_address"] = "not-an-address" end
      t[i] = cjson.encode{ identifiers = { custom_id = "user-" .. i }, attributes = a }
    end
    return r:file(name, table.concat(t, "\n") .. "\n")
  end

  describe("profiles update", function()
    it("JSON Lines as they are written, 200 profiles a call, in order; a summary", function()
      local out, log = ok(r:run("profiles update --data @" .. q(profiles_file("p.jsonl", 450))))
      assert.same({ profiles = 450, sent = 450, dropped = 0, batches = 3, partial_errors = 0 }, cjson.decode(out))
      assert.equal(3, #log)
      local n = 0
      for k, e in ipairs(log) do
        assert.same({ "POST", "/profiles/update" }, { e.method, e.route })
        assert.equal(({ 200, 200, 50 })[k], #e.json)
        for _, p in ipairs(e.json) do n = n + 1 assert.equal("user-" .. n, p.identifiers.custom_id) end
      end
      assert.equal("p450", project().profiles["user-450"].attributes.plan)
    end)

    it("--mass: profiles/mass-update, 10 000 a call; stdin; a null attribute is sent as null", function()
      local log = sent(r:run("profiles update --data @" .. q(profiles_file("p.jsonl", 450)) .. " --mass"))
      assert.same({ "/profiles/mass-update", 450 }, { log[1].route, #log[1].json })
      local line = '{"identifiers": {"custom_id": "user-1"}, "attributes": {"plan": null, "$language": "fr"}}\n'
      local out
      out, log = ok(r:run("profiles update --data - --field profiles", nil, r:file("one.jsonl", line)))
      assert.equal("1\n", out)
      assert.truthy(log[1].body:find('"plan":null', 1, true), log[1].body)
      assert.same({ ["$language"] = "fr" }, project().profiles["user-1"].attributes)
    end)

    it("partial errors: each on stderr with its input line, in the summary, exit 1; the rest applied", function()
      local res = r:run("profiles update --data @" .. q(profiles_file("p.jsonl", 450, { [7] = true, [300] = true })))
      assert.equal(1, res.code)
      local s = cjson.decode(res.out)
      assert.same({ 450, 3, 2 }, { s.profiles, s.batches, s.partial_errors })
      assert.same({ 448, 2 }, { s.sent, s.dropped })
      assert.same({ line = 7, custom_id = "user-7", error = "PARTIAL_ERROR", category = "attributes",
                    attribute = "$email_address", reason = "must be an email address" }, s.errors[1])
      assert.same({ 300, "user-300" }, { s.errors[2].line, s.errors[2].custom_id })
      assert.same({ "batch: line 7: attribute $email_address: must be an email address",
                    "batch: line 300: attribute $email_address: must be an email address",
                    "batch: PARTIAL_ERROR: 2 partial errors (lines 7, 300): Batch applied the rest" }, lines(res.err))
      assert.equal("p300", project().profiles["user-300"].attributes.plan)
    end)

    it("what is refused sends nothing; an empty input sends nothing and exits 0", function()
      refused(r:run("profiles update"), 2, "^batch: %-%-data is required")
      local bad = r:file("bad.jsonl", '{"identifiers": \n{"identifiers": {"custom_id": "a"}}\n')
      refused(r:run("profiles update --data @" .. q(bad)), 2, "^batch: INVALID_ARGUMENT: line 1: not JSON")
      local arr = r:file("arr.jsonl", '[{"identifiers": {"custom_id": "a"}}]\n')
      refused(r:run("profiles update --data @" .. q(arr)), 2, "^batch: INVALID_ARGUMENT: line 1: not a JSON object")
      local noid = r:file("noid.jsonl", '{"attributes": {}}\n')
      refused(r:run("profiles update --data - ", nil, noid), 2,
              "^batch: INVALID_ARGUMENT: line 1: queue:update_profile: the profile has no identifiers")
      refused(r:run("profiles update --mass --data - ", nil, noid), 2,
              "^batch: INVALID_ARGUMENT: line 1: profiles:mass_update: profiles%[1%] has no identifiers")
      refused(r:run("profiles update --data @" .. q(dir .. "/missing.jsonl")), 2, "^batch: cannot read %-%-data")
      refused(r:run("profiles update --data @" .. q(dir)), 2, "^batch: cannot read %-%-data .*: Is a directory")
      refused(r:run("profiles update --data - --mass --timeout 5", nil, noid), 2,
              "^batch: %-%-timeout goes with the queue, not with %-%-mass")
      local out, log = ok(r:run("profiles update --data -", nil, r:file("empty.jsonl", "\n\n")))
      assert.same({ profiles = 0, sent = 0, dropped = 0, batches = 0, partial_errors = 0 }, cjson.decode(out))
      assert.same({}, log)
    end)
  end)

  describe("audiences", function()
    it("create, update, replace, view, list, remove: the bodies and queries on the wire", function()
      local out, log = ok(r:run("audiences create newsletter --display-name 'Newsletter readers'"))
      assert.same({ "POST", "/audiences/create" }, { log[1].method, log[1].route })
      assert.same({ name = "newsletter", type = "custom_ids", display_name = "Newsletter readers" }, log[1].json)
      local created = cjson.decode(out)
      assert.same({ "newsletter", true }, { created.name, created.ok })
      assert.matches("^%x+$", created.indexing_token)

      out, log = ok(r:run("audiences update newsletter user-1 user-2"))
      assert.same({ "/audiences/update", { name = "newsletter", ids = { { action = "add", id = "user-1" },
                                                                      { action = "add", id = "user-2" } } } },
                  { log[1].route, log[1].json })
      local token = cjson.decode(out).indexing_token
      log = sent(r:run("audiences update newsletter - --remove", nil, r:file("ids.txt", "user-2\n")))
      assert.same({ { action = "remove", id = "user-2" } }, log[1].json.ids)
      log = sent(r:run("audiences replace newsletter user-3 user-4"))
      assert.same({ "/audiences/replace", { name = "newsletter", ids = { { id = "user-3" }, { id = "user-4" } } } },
                  { log[1].route, log[1].json })

      out, log = ok(r:run("audiences view newsletter --indexing-token " .. token .. " --field indexing_state"))
      assert.same({ "GET", "/audiences/view", "name=newsletter&indexing_token=" .. token },
                  { log[1].method, log[1].route, log[1].query })
      assert.equal("REPLACED\n", out)
      assert.equal("2\n", (ok(r:run("audiences view newsletter --field nb_ids"))))

      ok(r:run("audiences create second"))
      out, log = ok(r:run("audiences list --all --limit 1 --field name"))
      assert.same({ "newsletter", "second" }, sorted_lines(out))
      assert.equal(2, #log)
      local page = r:run("audiences list --limit 1 --field name")
      assert.equal(1, #lines(page.out))
      assert.matches("^batch: more audiences: batch audiences list %-%-from %S+\n$", page.err)
      calls()

      out, log = ok(r:run("audiences remove newsletter"))
      assert.same({ "/audiences/remove", { name = "newsletter" } }, { log[1].route, log[1].json })
      assert.is_true(cjson.decode(out).ok)
      assert.is_nil(project().audiences.newsletter)
      local gone = r:run("audiences view newsletter")
      assert.equal(1, gone.code)
      assert.matches("^batch: ROUTE_NOT_FOUND: ", gone.err)
    end)

    it("what is refused sends nothing", function()
      refused(r:run("audiences create 'news letter'"), 2, "^batch: INVALID_ARGUMENT: audiences:create: name may hold")
      refused(r:run("audiences update newsletter"), 2, "^batch: missing CUSTOM_ID")
      refused(r:run("audiences update newsletter -", nil, r:file("none.txt", "\n \n")), 2, "no CUSTOM_ID on stdin")
      refused(r:run("audiences list --all --from abc"), 2, "cannot go together")
    end)
  end)

  describe("orchestrations", function()
    it("list one page and the next cursor on stderr; --all; stats; delete", function()
      local first = r:run("orchestrations list --limit 2 --field id")
      assert.equal(0, first.code)
      local ids = lines(first.out)
      assert.equal(2, #ids)
      local cursor = first.err:match("^batch: more orchestrations: batch orchestrations list %-%-from (%S+)\n$")
      assert.truthy(cursor, first.err)
      local log = calls()
      assert.same({ "GET", "/orchestrations/list", "limit=2" }, { log[1].method, log[1].route, log[1].query })
      local nxt = r:run("orchestrations list --limit 2 --field id --from " .. q(cursor))
      assert.equal(2, #lines(nxt.out))
      assert.are_not.equal(ids[1], lines(nxt.out)[1])
      calls()
      local all, alog = ok(r:run("orchestrations list --all --field id"))
      assert.equal(12, #lines(all))
      assert.equal(ids[1], lines(all)[1])
      assert.equal("limit=100", alog[1].query)

      local day = os.date("!%Y-%m-%d")
      local out
      out, log = ok(r:run("orchestrations stats " .. ids[1] .. " --from " .. day))
      assert.same({ "/orchestrations/stats", "orchestration_id=" .. ids[1] .. "&from=" .. day .. "&to=" .. day },
                  { log[1].route, log[1].query })
      local s = cjson.decode(out)
      assert.equal(ids[1], s.id)
      assert.equal(day, s.details[1].date)
      local csv = lines((ok(r:run("orchestrations stats " .. ids[1] .. " --from " .. day .. " --csv"))))
      assert.matches("^date,", csv[1])
      assert.equal(#s.details + 1, #csv)

      out, log = ok(r:run("orchestrations delete " .. ids[1]))
      assert.same({ "POST", "/campaigns/delete", { id = ids[1] } }, { log[1].method, log[1].route, log[1].json })
      assert.same({ id = ids[1], ok = true }, cjson.decode(out))
      assert.is_nil(project().orchestrations[ids[1]])
      assert.equal(1, r:run("orchestrations delete " .. ids[1]).code)
    end)

    it("stats: what is refused sends nothing", function()
      refused(r:run("orchestrations stats orchestration_x"), 2, "^batch: %-%-from is required")
      refused(r:run("orchestrations stats orchestration_x --from 2001-01-01"), 2,
              "^batch: INVALID_ARGUMENT: orchestrations:stats: from cannot be earlier than 6 months ago")
      refused(r:run("orchestrations stats orchestration_x --from 2999-01-01 --to 2998-01-01"), 2,
              "from must come before to")
    end)
  end)

  describe("catalogs", function()
    before_each(function()
      m:limits{ enabled = false }  -- 5 catalog requests a second: the rate is the library's concern (spec/06)
    end)

    it("create, update, view, list, remove: the bodies on the wire", function()
      local out, log = ok(r:run("catalogs create products --fields title:string,price:float,in_stock:bool"))
      assert.same({ "POST", "/catalogs/create" }, { log[1].method, log[1].route })
      assert.same({ name = "products", fields = { { name = "title", type = "string" },
                                                  { name = "price", type = "float" },
                                                  { name = "in_stock", type = "bool" } } }, log[1].json)
      assert.same({ name = "products", ok = true }, cjson.decode(out))
      local fields = r:file("fields.json", '[{"name": "sku", "type": "string"}]')
      log = sent(r:run("catalogs create extra --data @" .. q(fields)))
      assert.same({ name = "extra", fields = { { name = "sku", type = "string" } } }, log[1].json)

      log = sent(r:run("catalogs update products --add color:string,size:integer --remove in_stock"))
      assert.same({ "/catalogs/update", { name = "products", fields = {
        { action = "add", name = "color", type = "string" }, { action = "add", name = "size", type = "integer" },
        { action = "remove", name = "in_stock" } } } }, { log[1].route, log[1].json })

      out, log = ok(r:run("catalogs view products --field fields"))
      assert.same({ "GET", "/catalogs/view", "name=products" }, { log[1].method, log[1].route, log[1].query })
      local names = {}
      for _, f in ipairs(cjson.decode(out)) do names[#names + 1] = f.name end
      assert.same({ "title", "price", "color", "size" }, names)
      assert.same({ "extra", "products" }, sorted_lines((ok(r:run("catalogs list --field name")))))

      log = sent(r:run("catalogs remove extra"))
      assert.same({ "/catalogs/remove", { name = "extra" } }, { log[1].route, log[1].json })
      assert.is_nil(project().catalogs.extra)
    end)

    it("edit-items: JSON Lines, 200 items a call, --action for the lines without one; the tokens", function()
      ok(r:run("catalogs create products --fields title:string,price:float"))
      local t = {}
      for i = 1, 450 do
        t[i] = cjson.encode{ id = "sku-" .. i, attributes = { title = "Item " .. i, price = i + 0.5 },
                             action = i == 3 and "remove" or nil }
      end
      local out, log = ok(r:run("catalogs edit-items products --action add --data @" ..
                                q(r:file("items.jsonl", table.concat(t, "\n")))))
      local s = cjson.decode(out)
      assert.same({ 450, 3, 3 }, { s.items, s.batches, #s.indexing_tokens })
      assert.same({ 200, 200, 50 }, { #log[1].json.items, #log[2].json.items, #log[3].json.items })
      assert.same({ "/catalogs/items/edit", "products" }, { log[1].route, log[1].json.name })
      assert.same({ id = "sku-1", action = "add", attributes = { title = "Item 1", price = 1.5 } },
                  log[1].json.items[1])
      assert.equal("remove", log[1].json.items[3].action)
      assert.equal("sku-450", log[3].json.items[50].id)
      assert.equal(449, project().catalogs.products.nb_items)
      local view = cjson.decode((ok(r:run("catalogs view products --indexing-token " .. s.indexing_tokens[3]))))
      assert.equal(449, view.items)
    end)

    it("what is refused sends nothing", function()
      refused(r:run("catalogs create products"), 2, "^batch: give the fields")
      refused(r:run("catalogs create products --fields title"), 2, "expected NAME:TYPE")
      refused(r:run("catalogs create products --fields Title:string"), 2,
              "^batch: INVALID_ARGUMENT: catalogs:create: fields%[1%]%.name must be")
      refused(r:run("catalogs create products --fields title:text"), 2, "type must be")
      refused(r:run("catalogs create products --data '{\"name\": \"title\"}'"), 2, "is not a JSON array")
      refused(r:run("catalogs update products"), 2, "^batch: give %-%-add")
      refused(r:run("catalogs edit-items products"), 2, "^batch: %-%-data is required")
      refused(r:run("catalogs edit-items products --data -", nil, r:file("noid.jsonl", '{"action": "add"}\n')), 2,
              "^batch: INVALID_ARGUMENT: line 1: catalogs:edit_items: items%[1%] has no id")
    end)
  end)
end)
