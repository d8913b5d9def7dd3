-- The API reference (docs/api.lua, LDoc stubs) against the real objects: every resource table of a
-- client and every public method is documented, with an example that compiles, its error names and
-- Batch's route (from the route table); nothing is documented that does not exist; the options of
-- batch.new are documented with the defaults and environment variables they really have; every field
-- of a real error and of a real on_event event, and every error name, is documented; LDoc builds it.
local batch = require "batch"
local routes = require "batch.routes"
local options = require "batch.options"
local mock = require "spec.support.mock"
local file_util = require "spec.support.files"
local read_all = file_util.read_all

local ROOT = mock.root
local load_code = rawget(_G, "loadstring") or load -- Lua 5.1 and LuaJIT: loadstring

-- The doc blocks of docs/api.lua, each the comment lines before a line of code, by what they document:
--   fns["Campaigns:get"], fields["Client.campaigns"] = { owner, name, text }; all = every block.
local function parse()
  local fns, fields, all, comment = {}, {}, {}, {}
  for line in (read_all(ROOT .. "/docs/api.lua") .. "\n"):gmatch("([^\n]*)\n") do
    if line:match("^%-%-") then
      comment[#comment + 1] = line
    else
      if comment[1] and comment[1]:match("^%-%-%-") then
        local text = table.concat(comment, "\n")
        all[#all + 1] = text
        local owner, name = line:match("^function ([%w_]+)[:.]([%w_]+)%(")
        if owner then
          fns[owner .. ":" .. name] = { owner = owner, name = name, text = text }
        else
          owner, name = line:match("^([%w_]+)%.([%w_]+) = ")
          if owner then fields[owner .. "." .. name] = { owner = owner, name = name, text = text } end
        end
      end
      comment = {}
    end
  end
  return { fns = fns, fields = fields, all = all }
end

-- The class name the reference gives a resource table: campaigns -> Campaigns, inapp_campaigns ->
-- InappCampaigns, custom_data -> CustomData.
local function class_of(field)
  return (field:gsub("^%l", string.upper):gsub("_(%l)", string.upper))
end

-- Public methods reachable through an object's metatable (not its own fields, not metamethods).
local function methods(obj)
  local out = {}
  local mt = getmetatable(obj)
  local index = mt and mt.__index
  if type(index) == "table" then
    for k, v in pairs(index) do
      if type(v) == "function" and not k:match("^_") then out[k] = true end
    end
  end
  return out
end

-- The resource tables of a client: { [field] = object } (the tables that belong to it).
local function resources(client)
  local out = {}
  for k, v in pairs(client) do
    if type(v) == "table" and rawget(v, "client") == client then out[k] = v end
  end
  return out
end

-- The lines of each @usage of a block, without their "-- ".
local function usages(text)
  local out, current = {}, nil
  for line in (text .. "\n"):gmatch("([^\n]*)\n") do
    local body = line:gsub("^%-%-%-? ?", "")
    if body:match("^@usage") then
      current = { (body:gsub("^@usage ?", "")) }
      out[#out + 1] = current
    elseif body:match("^@") then
      current = nil
    elseif current then
      current[#current + 1] = body
    end
  end
  for i, lines in ipairs(out) do out[i] = table.concat(lines, "\n") end
  return out
end

local function sorted_keys(t)
  local keys = {}
  for k in pairs(t) do keys[#keys + 1] = tostring(k) end
  table.sort(keys)
  return keys
end

describe("docs/api.lua", function()
  local doc, client, objects, classes, queue

  setup(function()
    doc = parse()
    client = batch.new{ api_key = "K", rest_key = "R", project_key = "P", base_url = "http://127.0.0.1:1" }
    objects, classes = { batch = batch, Client = client }, {}
    for field, obj in pairs(resources(client)) do
      objects[class_of(field)], classes[field] = obj, class_of(field)
    end
    -- A queue is made by a method, not a field of the client: its methods are documented as Queue's.
    queue = client:queue{}
    objects.Queue = queue
  end)
  teardown(function() queue:close{ deadline = 0 } client:close() end)

  it("documents every resource table of a client as a Client field, and no other", function()
    local missing = {}
    for field in pairs(classes) do
      if not doc.fields["Client." .. field] then missing[#missing + 1] = "Client." .. field end
    end
    for key, f in pairs(doc.fields) do
      if f.owner == "Client" and not classes[f.name] then missing[#missing + 1] = key .. " (no such resource)" end
    end
    table.sort(missing)
    assert.same({}, missing)
    -- 13 resources today; a resource added to client.lua makes this list longer, not this spec pass
    assert.is_true(#sorted_keys(classes) >= 13)
  end)

  it("documents only functions that exist", function()
    local wrong = {}
    for key, b in pairs(doc.fns) do
      local obj = objects[b.owner]
      if not obj then
        wrong[#wrong + 1] = key .. " (no such object)"
      elseif type(obj[b.name]) ~= "function" then
        wrong[#wrong + 1] = key .. " (no such function)"
      end
    end
    table.sort(wrong)
    assert.same({}, wrong)
  end)

  it("documents every public function, each with an example, and each method its errors and route", function()
    local missing = {}
    local function need(owner, name)
      local key = owner .. ":" .. name
      local b = doc.fns[key]
      if not b then missing[#missing + 1] = key .. " (not documented)" return end
      if not b.text:find("@usage", 1, true) then missing[#missing + 1] = key .. " (no @usage)" end
      if owner ~= "batch" and owner ~= "Client" then
        if not b.text:find("@errors", 1, true) then missing[#missing + 1] = key .. " (no @errors)" end
        if not b.text:find("@route", 1, true) then missing[#missing + 1] = key .. " (no @route)" end
      end
    end
    for name, v in pairs(batch) do
      if type(v) == "function" then need("batch", name) end
    end
    for owner, obj in pairs(objects) do
      if owner ~= "batch" then
        for name in pairs(methods(obj)) do
          -- Client.new is the constructor behind batch.new, not a method of a client.
          if not (owner == "Client" and name == "new") then need(owner, name) end
        end
      end
    end
    table.sort(missing)
    assert.same({}, missing)
  end)

  it("names, for each method, Batch's route as the route table has it: method and path, page, section", function()
    local wrong = {}
    for _, r in ipairs(routes.describe()) do
      local field, name = r.lua:match("^([%w_]+):([%w_]+)$")
      local key = (classes[field] or "?") .. ":" .. name
      local b = doc.fns[key]
      if not b then
        wrong[#wrong + 1] = key .. " (not documented)"
      else
        for _, want in ipairs{ "`" .. r.method .. " " .. r.path .. "`", "(" .. r.doc .. ")",
                               "batch-api.md " .. r.section } do
          if not b.text:find(want, 1, true) then wrong[#wrong + 1] = key .. " lacks " .. want end
        end
      end
    end
    table.sort(wrong)
    assert.same({}, wrong)
  end)

  it("has examples that are Lua code", function()
    local bad, n = {}, 0
    for _, text in ipairs(doc.all) do
      for _, code in ipairs(usages(text)) do
        n = n + 1
        local ok, err = load_code(code, "=usage")
        if not ok then bad[#bad + 1] = tostring(err) .. "\n" .. code end
      end
    end
    assert.is_true(n > 70)
    assert.same({}, bad)
  end)

  describe("batch.new's options", function()
    local new_doc

    -- "@tparam[opt=DEFAULT] type opts.NAME" lines: { [name] = default text or "" }.
    local function documented_options()
      local out = {}
      for default, name in new_doc:gmatch("@tparam%[opt=?([^%]]*)%] [%w|]+ opts%.([%w_]+)") do
        out[name] = default
      end
      return out
    end

    -- options.resolve as batch.new runs it, with `env` as the whole environment.
    local function resolve_with(env, given)
      local getenv = os.getenv
      package.loaded["batch.options"] = nil
      os.getenv = function(k) return env[k] end -- luacheck: ignore 122
      local ok, fresh = pcall(require, "batch.options")
      os.getenv = getenv -- luacheck: ignore 122
      package.loaded["batch.options"] = options
      assert(ok, fresh)
      return fresh.resolve(given or {})
    end

    setup(function() new_doc = doc.fns["batch:new"].text end)

    it("documents every option batch.new knows, and no other", function()
      local documented, wrong = documented_options(), {}
      for name in pairs(options.KNOWN) do
        if documented[name] == nil then wrong[#wrong + 1] = name .. " (not documented)" end
      end
      for name in pairs(documented) do
        if not options.KNOWN[name] then wrong[#wrong + 1] = name .. " (no such option)" end
      end
      table.sort(wrong)
      assert.same({}, wrong)
    end)

    it("gives each option the default it has in an empty environment", function()
      local resolved, wrong = resolve_with({}), {}
      for name, default in pairs(documented_options()) do
        -- "env A or B or DEFAULT": the environment variables, then the default (if any)
        local want = default
        if want:match("^env ") then
          want = want:match(".* or (.*)$") or ""
          if want:match("^[A-Z][A-Z0-9_]+$") then want = "" end
        end
        if want == "64 MiB" then want = 64 * 1024 * 1024
        elseif want == "true" or want == "false" then want = want == "true"
        elseif tonumber(want) then want = tonumber(want)
        elseif want:match('^".*"$') then want = want:sub(2, -2)
        elseif want == "" then want = nil end
        if resolved[name] ~= want then
          wrong[#wrong + 1] = name .. ": documented " .. tostring(want) .. ", is " .. tostring(resolved[name])
        end
      end
      table.sort(wrong)
      assert.same({}, wrong)
    end)

    it("reads each environment variable it names, the first one set winning, the table winning over all", function()
      local wrong, count = {}, 0
      for default, name in new_doc:gmatch("@tparam%[opt=env ([^%]]*)%] [%w|]+ opts%.([%w_]+)") do
        local vars = {}
        for var in (default:gsub(" or \".*$", "")):gmatch("[A-Z][A-Z0-9_]+") do vars[#vars + 1] = var end
        local function value(i) return name == "base_url" and ("https://env" .. i .. ".example") or ("env_" .. i) end
        -- every variable set: the first wins; then each alone fills the option
        local env = {}
        for i, var in ipairs(vars) do env[var] = value(i) end
        for i = 1, #vars do
          local got = resolve_with(env)[name]
          if got ~= value(i) then
            wrong[#wrong + 1] = ("%s: with %s set, got %s"):format(name, table.concat(vars, ", ", i), tostring(got))
          end
          env[vars[i]] = nil
          count = count + 1
        end
        local given = { [name] = name == "base_url" and "https://given.example" or "given" }
        for i, var in ipairs(vars) do env[var] = value(i) end
        if resolve_with(env, given)[name] ~= given[name] then wrong[#wrong + 1] = name .. ": the table does not win" end
      end
      assert.equal(7, count) -- BATCH_API_KEY, BATCH_REST_API_KEY, BATCH_PROJECT_KEY, BATCH_BASE_URL, 3 for ca_file
      assert.same({}, wrong)
    end)
  end)

  describe("errors and events, as a client really gives them", function()
    local m, events, errors

    setup(function()
      m = mock.start()
      events, errors = {}, {}
      local c = batch.new{ base_url = m.url, api_key = m.keys.api_key, rest_key = m.keys.rest_key,
                           project_key = m.keys.project_key, sleep = function() end,
                           on_event = function(ev) events[#events + 1] = ev end }
      local function keep(_, err) errors[#errors + 1] = assert(err) end
      local token = assert(c.campaigns:list{ limit = 1 })[1].campaign_token
      m:fault{ path = "/campaigns/list", status = 429, retry_after = "1" }
      assert(c.campaigns:list{ limit = 1 })                            -- request, response, retry
      keep(c.campaigns:get("nosuchcampaign"))                          -- an API error: status, code, body, headers
      keep(c.campaigns:get("a/b"))                                     -- INVALID_ARGUMENT
      m:fault{ path = "/exports/view", status = 400,
               body = '{"error_code":"QUOTA_EXCEEDED","error_message":"over quota"}' }
      keep(c.project_exports:get("export_1"))                          -- batch_code
      keep(c.campaigns:list{ deadline = 0 })                           -- TIMEOUT before sending
      local offline = batch.new{ base_url = "http://127.0.0.1:1", api_key = "K", rest_key = "R", max_retries = 0 }
      keep(offline.campaigns:get(token))                               -- NETWORK_ERROR: sent, curl_code
      offline:close()
      local function export()
        return assert(c.exports:create{ campaign = token, kind = "events", from = "2019-08-14T22:00:00",
                                        to = "now", events = { "push_sent" }, ids = { "install_id" } })
      end
      m:exports_config{ done_after = 60 }
      keep(c.exports:wait(export(), { interval = 0.05, timeout = 0.2, sleep = require("batch.core").sleep }))
      m:exports_config{ done_after = 0, outcome = "ERROR" }
      keep(c.exports:wait(export(), { interval = 0.05 }))              -- EXPORT_FAILED: export
      m:exports_config{ done_after = 0, outcome = "SUCCESS", rows = 3 }
      local info = assert(c.exports:wait(export(), { interval = 0.05 }))
      local dir = file_util.tmpdir()
      assert(c.exports:download(info, dir .. "/e.csv"))                 -- download
      m:fault{ path = "/_storage/", status = 500, count = 10 }
      keep(c.exports:download(info, dir .. "/f.csv", { deadline = 5 })) -- a storage error
      file_util.remove_tree(dir)
      c:close()
    end)
    teardown(function() m:stop() end)

    it("documents every field of every error", function()
      local names, wrong = {}, {}
      for _, err in ipairs(errors) do
        assert.is_true(batch.is_error(err))
        names[#names + 1] = err.name
        for k in pairs(err) do
          if not doc.fields["Error." .. tostring(k)] then wrong[#wrong + 1] = err.name .. "." .. tostring(k) end
        end
      end
      assert.same({ "ROUTE_NOT_FOUND", "INVALID_ARGUMENT", "HTTP_ERROR", "TIMEOUT", "NETWORK_ERROR",
                    "WAIT_TIMEOUT", "EXPORT_FAILED", "HTTP_ERROR" }, names)
      assert.equal("QUOTA_EXCEEDED", errors[3].batch_code)
      assert.same({}, wrong)
    end)

    it("documents every event type and every field of each", function()
      local seen, wrong = {}, {}
      local text
      for _, b in ipairs(doc.all) do
        if b:find("@type Event", 1, true) then text = b end
      end
      for _, ev in ipairs(events) do
        seen[ev.type] = true
        if not text:find('`"' .. ev.type .. '"`', 1, true) then wrong[#wrong + 1] = "type " .. ev.type end
        for k in pairs(ev) do
          if not doc.fields["Event." .. tostring(k)] then wrong[#wrong + 1] = ev.type .. "." .. tostring(k) end
        end
      end
      assert.same({ "download", "poll", "request", "response", "retry" }, sorted_keys(seen))
      table.sort(wrong)
      assert.same({}, wrong)
    end)

    it("documents every error name the client makes", function()
      local text
      for _, b in ipairs(doc.all) do
        if b:find("@type Error", 1, true) then text = b end
      end
      local names = {}
      for name in pairs(batch.Error.BATCH_NAMES) do names[name] = true end
      -- lua/batch/error.lua is the one place error names are made
      for name in read_all(ROOT .. "/lua/batch/error.lua"):gmatch('"([A-Z][A-Z_]+)"') do names[name] = true end
      local missing = {}
      for _, name in ipairs(sorted_keys(names)) do
        if not text:find("`" .. name .. "`", 1, true) then missing[#missing + 1] = name end
      end
      assert.is_true(#sorted_keys(names) >= 24)
      assert.same({}, missing)
    end)
  end)

  it("make docs (LDoc) builds the reference, without warnings, with every documented function", function()
    local ok = os.execute("command -v ldoc >/dev/null 2>&1")
    assert.is_true(ok == true or ok == 0, "ldoc is not installed (make deps installs lua-ldoc and lua-discount)")
    local dir = os.tmpname()
    os.remove(dir)
    local log = dir .. ".log"
    local status = os.execute("cd '" .. ROOT .. "' && ldoc -d '" .. dir .. "' . >'" .. log .. "' 2>&1")
    local out = read_all(log)
    os.remove(log)
    local text = read_all(dir .. "/index.html") or ""
    local css = read_all(dir .. "/ldoc.css")
    os.execute("rm -rf '" .. dir .. "'")
    assert.is_true(status == true or status == 0, out)
    assert.is_nil(out:find("warning", 1, true), out)
    assert.is_string(css, "the stylesheet docs/ldoc.css is not in the output")
    assert.truthy(text:find('href="ldoc.css"', 1, true))
    for key, b in pairs(doc.fns) do
      local anchor = b.owner == "batch" and b.name or key
      assert.truthy(text:find('name = "' .. anchor .. '"', 1, true), anchor)
    end
  end)
end)
