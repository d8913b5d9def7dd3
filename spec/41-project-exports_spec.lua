-- Profile exports and the Project Export API (2.x) end to end against the emulator.
local batch = require "batch"
local cjson = require "cjson"
local mock = require "spec.support.mock"
local file_util = require "spec.support.files"
local exists = file_util.exists

describe("profiles and project_exports (2.x)", function()
  local m, client, keys, dir

  setup(function()
    m = mock.start()
    keys = m.keys
    dir = file_util.tmpdir()
  end)
  teardown(function()
    if client then client:close() end
    m:stop()
    file_util.remove_tree(dir)
  end)
  before_each(function()
    m:reset()
    m:exports_config{ pending_after = 0.05, running_after = 0.1, done_after = 0.2, rows = 30, parts = 3 }
    if client then client:close() end
    client = batch.new{ rest_key = keys.rest_key, project_key = keys.project_key, base_url = m.url }
    m:clear_log()
  end)

  local ATTRS = { export_type = "ATTRIBUTES", attributes = { "$email_address", "$region", "first_name" },
                  identifiers = { "custom_id", "installation_ids" } }

  it("profiles:export: POST /2.11/profiles/export with Bearer and X-Batch-Project, 202 with the id", function()
    local res, err = client.profiles:export(ATTRS)
    assert.is_nil(err)
    assert.matches("^export_", res.id)
    local r = m:log()[1]
    assert.equal("POST", r.method)
    assert.equal("/2.11/profiles/export", r.path)
    assert.equal("Bearer " .. keys.rest_key, r.headers["authorization"])
    assert.equal(keys.project_key, r.headers["x-batch-project"])
    assert.is_nil(r.headers["x-authorization"])
    assert.equal("application/json", r.headers["content-type"])
    assert.same(ATTRS, cjson.decode(r.body))
  end)

  it("api_version changes the path", function()
    local c = batch.new{ rest_key = keys.rest_key, project_key = keys.project_key, base_url = m.url,
                         api_version = "2.8" }
    assert(c.profiles:export(ATTRS))
    c:close()
    assert.equal("/2.8/profiles/export", m:log()[1].path)
  end)

  it("profiles:export refuses bad bodies before sending", function()
    local old = os.date("!%Y-%m-%dT%H:%M:%SZ", os.time() - 100 * 86400)
    local recent = os.date("!%Y-%m-%dT%H:%M:%SZ", os.time() - 10 * 86400)
    local cases = {
      { export_type = "ATTRIBUTES" },
      { export_type = "ATTRIBUTES", attributes = {} },
      { attributes = { "$region" } },
      { export_type = "EVENTS", from = old },
      { export_type = "REACHABILITY_EVENTS", from = "2024-09-01T00:00:00Z" },
      { export_type = "EVENTS", from = "last tuesday" },
    }
    for _, body in ipairs(cases) do
      local res, err = client.profiles:export(body)
      assert.is_nil(res)
      assert.equal("INVALID_ARGUMENT", err.name)
    end
    assert.equal(0, #m:log())
    assert(client.profiles:export{ export_type = "EVENTS", from = recent })
  end)

  it("a client without project_key raises on a 2.x call, naming the option", function()
    local c = batch.new{ rest_key = keys.rest_key, base_url = m.url }
    assert.has_error(function() c.profiles:export(ATTRS) end,
      "batch: project_key is required for the 2.x project APIs (option project_key or BATCH_PROJECT_KEY)")
    c:close()
  end)

  it("a wrong REST key gives AUTHENTICATION_INVALID from the 2.x error body", function()
    local c = batch.new{ rest_key = "nope", project_key = keys.project_key, base_url = m.url }
    local _, err = c.profiles:export(ATTRS)
    c:close()
    assert.equal("AUTHENTICATION_INVALID", err.name)
    assert.equal(401, err.status)
  end)

  it("get: GET /2.11/exports/view?id=", function()
    local id = assert(client.profiles:export(ATTRS)).id
    local view = assert(client.project_exports:get(id))
    assert.equal(id, view.id)
    assert.equal("/2.11/exports/view", m:log()[2].path)
    assert.equal("id=" .. id, m:log()[2].query)
  end)

  it("wait, then download every part through its 307, without credentials", function()
    local id = assert(client.profiles:export(ATTRS)).id
    local view = assert(client.project_exports:wait(id, { interval = 0.05 }))
    assert.equal("SUCCESS", view.status)
    assert.equal(3, #view.files)
    m:clear_log()
    local files, err = client.project_exports:download(view, dir)
    assert.is_nil(err)
    assert.equal(3, #files)
    for i, f in ipairs(files) do
      assert.equal(i, f.part)
      assert.is_true(exists(f.path))
      assert.same({}, file_util.temp_files_of(f.path))
    end
    local downloads, storage = 0, 0
    for _, r in ipairs(m:log()) do
      if r.path:find("/exports/download", 1, true) then
        downloads = downloads + 1
        assert.equal(keys.project_key, r.headers["x-batch-project"])
      elseif r.path:find("/_storage/", 1, true) then
        storage = storage + 1
        assert.is_nil(r.headers["authorization"])
        assert.is_nil(r.headers["x-batch-project"])
      end
    end
    assert.equal(3, downloads)
    assert.equal(3, storage)
  end)

  it("records: the JSON records of every part", function()
    local id = assert(client.profiles:export(ATTRS)).id
    local view = assert(client.project_exports:wait(id, { interval = 0.05 }))
    local n = 0
    for rec, err in client.project_exports:records(view) do
      assert.is_nil(err)
      n = n + 1
      assert.is_table(rec.identifiers)
      assert.is_table(rec.attributes)
    end
    assert.equal(30, n)
  end)

  it("wait: an ERROR export gives EXPORT_FAILED", function()
    m:exports_config{ pending_after = 0.05, done_after = 0.1, outcome = "ERROR" }
    local id = assert(client.profiles:export(ATTRS)).id
    local _, err = client.project_exports:wait(id, { interval = 0.05 })
    assert.equal("EXPORT_FAILED", err.name)
    assert.equal("ERROR", err.export.status)
  end)

  it("list and each: cursor paging over every export", function()
    local ids = {}
    for i = 1, 7 do ids[i] = assert(client.profiles:export(ATTRS)).id end
    local page = assert(client.project_exports:list{ limit = 3 })
    assert.equal(3, #page.exports)
    assert.is_true(page.has_more)
    assert.is_string(page.next_from)
    local seen = {}
    for e, err in client.project_exports:each{ page_size = 2 } do
      assert.is_nil(err)
      seen[#seen + 1] = e.id
    end
    assert.equal(7, #seen)
    local set = {}
    for _, id in ipairs(seen) do set[id] = true end
    for _, id in ipairs(ids) do assert.is_true(set[id]) end
  end)

  it("download: a failing part leaves no half file", function()
    local id = assert(client.profiles:export(ATTRS)).id
    local view = assert(client.project_exports:wait(id, { interval = 0.05 }))
    local c = batch.new{ rest_key = keys.rest_key, project_key = keys.project_key, base_url = m.url,
                         max_retries = 0 }
    m:fault{ path = "/_storage/", count = 100, action = "drop" } -- every part fails (they run in parallel)
    local sub = dir .. "/failing"
    os.execute("mkdir -p " .. sub)
    local _, err = c.project_exports:download(view, sub)
    c:close()
    assert.equal("NETWORK_ERROR", err.name)
    local p = io.popen("ls -A " .. sub)
    local listing = p:read("*a")
    p:close()
    assert.equal("", listing)
  end)
end)
