-- exports:rows(info, { columns = { ... } }): the named fields of each row as values, in the order given,
-- with no table per row; a column the header lacks is INVALID_ARGUMENT, yielded as false, err before any
-- row. The splitter's columns mode (core.csv_new(sep, true, columns)) over every chunk size, the iterator
-- over a local file, and exports:rows over a real download from the emulator.
local batch = require "batch"
local core = require "batch.core"
local rows = require "batch.files.rows"
local mock = require "spec.support.mock"
local file_util = require "spec.support.files"
local exists = file_util.exists

local DATA = "\239\187\191custom_id;install_id;event_type;install_id\r\n"
  .. '"semi;colon;value";id-1;push_sent;dup-1\r\n'
  .. '"say ""hello""";id-2;push_open;dup-2\r\n'
  .. '"line one\nline two";id-3;push_sent;dup-3\r\n'
  .. "\r\n"
  .. "user-4;id-4\n"
  .. "last;id-5;push_open;dup-5"

local function write(path, s)
  local f = assert(io.open(path, "wb"))
  f:write(s)
  f:close()
end

-- Every step of an iterator, each as the array of its values (n of them).
local function steps(iter, n)
  local out = {}
  for a, b, c in iter do out[#out + 1] = ({ { a }, { a, b }, { a, b, c } })[n] end
  return out
end

describe("rows by column", function()
  it("the splitter gives the named fields of each record in one flat array, whatever the chunk size", function()
    -- install_id twice in the header: the last of its fields present, as in a keyed row; a short record
    -- gives "" for what it lacks
    local want = { "push_sent", "semi;colon;value", "dup-1", "push_open", 'say "hello"', "dup-2",
                   "push_sent", "line one\nline two", "dup-3", "", "user-4", "id-4",
                   "push_open", "last", "dup-5" }
    for _, size in ipairs{ 1, 2, 3, 5, 7, 16, 64, #DATA } do
      local p, out, count = core.csv_new(";", true, { "event_type", "custom_id", "install_id" }), {}, 0
      local function take(records, n)
        assert(records, n)
        for i = 1, n * 3 do out[#out + 1] = records[i] end
        count = count + n
      end
      for i = 1, #DATA, size do take(p:feed(DATA:sub(i, i + size - 1))) end
      take(p:finish())
      assert.same(want, out, "chunks of " .. size)
      assert.equal(5, count)
      assert.same({ "custom_id", "install_id", "event_type", "install_id" }, p:header())
    end
  end)

  it("the splitter refuses columns that are not a non-empty array of names", function()
    assert.has_error(function() core.csv_new(";", true, {}) end)
    assert.has_error(function() core.csv_new(";", true, { "a", 2 }) end)
    assert.has_error(function() core.csv_new(";", true, "a") end)
  end)

  it("the iterator yields one to four named fields as values, in the order given", function()
    local path = os.tmpname()
    write(path, DATA)
    local function from_file() return { path = path } end
    assert.same({ { "dup-1" }, { "dup-2" }, { "dup-3" }, { "id-4" }, { "dup-5" } },
                steps(rows.csv(from_file, { "install_id" }), 1))
    assert.same({ { "push_sent", "semi;colon;value" }, { "push_open", 'say "hello"' },
                  { "push_sent", "line one\nline two" }, { "", "user-4" }, { "push_open", "last" } },
                steps(rows.csv(from_file, { "event_type", "custom_id" }), 2))
    assert.same({ { "last", "dup-5", "push_open" } },
                { steps(rows.csv(from_file, { "custom_id", "install_id", "event_type" }), 3)[5] })
    local four = {}
    for a, b, c, d in rows.csv(from_file, { "install_id", "event_type", "custom_id", "install_id" }) do
      four[#four + 1] = { a, b, c, d }
    end
    assert.same({ "dup-2", "push_open", 'say "hello"', "dup-2" }, four[2])
    assert.equal(5, #four)
    os.remove(path)
  end)

  it("a column the header lacks is INVALID_ARGUMENT, yielded once as false, err before any row", function()
    local path = os.tmpname()
    write(path, DATA)
    local seen = {}
    for a, b in rows.csv(function() return { path = path, temporary = true } end, { "install_id", "nope" }) do
      seen[#seen + 1] = { a, b }
    end
    assert.equal(1, #seen)
    assert.is_false(seen[1][1])
    assert.equal("INVALID_ARGUMENT", seen[1][2].name)
    assert.matches("no column 'nope'", seen[1][2].message, 1, true)
    assert.is_false(exists(path), "the temporary file is removed")
    write(path, "")
    seen = {}
    for a, b in rows.csv(function() return { path = path } end, { "install_id" }) do seen[#seen + 1] = { a, b } end
    assert.equal(1, #seen)
    assert.is_false(seen[1][1])
    assert.equal("INVALID_ARGUMENT", seen[1][2].name)
    os.remove(path)
  end)

  it("a large file: every row's fields, across the chunks of the iterator", function()
    local path = os.tmpname()
    local f = assert(io.open(path, "wb"))
    f:write("install_id;custom_id;event_type\n")
    for i = 1, 30000 do f:write(("id-%012d;user-%010d;push_sent\n"):format(i, i)) end
    f:close()
    local n = 0
    for event_type, install_id in rows.csv(function() return { path = path } end, { "event_type", "install_id" }) do
      n = n + 1
      assert(event_type == "push_sent" and install_id == ("id-%012d"):format(n), n)
    end
    assert.equal(30000, n)
    os.remove(path)
  end)

  describe("exports:rows against the emulator", function()
    local m, client, token

    setup(function()
      m = mock.start()
      client = batch.new{ api_key = m.keys.api_key, rest_key = m.keys.rest_key, base_url = m.url }
      token = assert(client.campaigns:list{ limit = 1 })[1].campaign_token
    end)
    teardown(function()
      client:close()
      m:stop()
    end)

    local function export()
      m:exports_config{ pending_after = 0, done_after = 0, rows = 40 }
      local info = assert(client.exports:create{ campaign = token, kind = "events", from = "2019-08-14T22:00:00",
                                                 to = "now", events = { "push_sent", "push_open" },
                                                 ids = { "install_id", "custom_id" } })
      return assert(client.exports:wait(info, { interval = 0.05 }))
    end

    it("yields the named fields of every row, in the order given, as the keyed rows hold them", function()
      local info = export()
      local keyed = {}
      for row, err in client.exports:rows(info) do
        assert.is_nil(err)
        keyed[#keyed + 1] = { row.event_type, row.install_id }
      end
      local by_column = {}
      for event_type, install_id in client.exports:rows(info, { columns = { "event_type", "install_id" } }) do
        assert.is_not_false(event_type, tostring(install_id))
        by_column[#by_column + 1] = { event_type, install_id }
      end
      assert.equal(40, #by_column)
      assert.same(keyed, by_column)
      assert.matches("^push_", by_column[1][1])
    end)

    it("a column the export lacks: false and INVALID_ARGUMENT once, before any row", function()
      local info = export()
      local seen = {}
      for a, b in client.exports:rows(info, { columns = { "install_id", "no_such_column" } }) do
        seen[#seen + 1] = { a, b }
      end
      assert.equal(1, #seen)
      assert.is_false(seen[1][1])
      assert.equal("INVALID_ARGUMENT", seen[1][2].name)
      assert.matches("no_such_column", seen[1][2].message, 1, true)
    end)

    it("columns that are not a non-empty array of names raise at the call, sending nothing", function()
      m:clear_log()
      assert.has_error(function() client.exports:rows("abc", { columns = "install_id" }) end,
                       "exports:rows: columns must be a table, got string")
      assert.has_error(function() client.exports:rows("abc", { columns = {} }) end,
                       "exports:rows: columns must be an array of 1 to 1000 names")
      assert.has_error(function() client.exports:rows("abc", { columns = { "a", false } }) end,
                       "exports:rows: columns[2] must be a string, got boolean")
      assert.same({}, m:log())
    end)
  end)
end)
