-- The CSV row path of exports:rows: the keyed splitter (core.csv_new(sep, true)) that builds the rows in C,
-- and the iterator of batch.rows over a local file (no download), whatever the chunk boundaries.
local core = require "batch.core"
local rows = require "batch.files.rows"

local DATA = "\239\187\191custom_id;install_id;event_type\r\n"
  .. '"semi;colon;value";id-1;push_sent\r\n'
  .. '"say ""hello""";id-2;push_open\r\n'
  .. '"line one\nline two\r\nline three";id-3;push_sent\r\n'
  .. "\r\n"
  .. "user-4;;\n"
  .. '"";id-5;"push_open";extra\n'
  .. "last;row"

local WANT = {
  { custom_id = "semi;colon;value", install_id = "id-1", event_type = "push_sent" },
  { custom_id = 'say "hello"', install_id = "id-2", event_type = "push_open" },
  { custom_id = "line one\nline two\r\nline three", install_id = "id-3", event_type = "push_sent" },
  { custom_id = "user-4", install_id = "", event_type = "" },
  { custom_id = "", install_id = "id-5", event_type = "push_open", [4] = "extra" },
  { custom_id = "last", install_id = "row" },
}

local function write(path, s)
  local f = assert(io.open(path, "wb"))
  f:write(s)
  f:close()
end

describe("CSV rows", function()
  it("a keyed splitter gives rows keyed by the header, whatever the chunk size", function()
    for _, size in ipairs{ 1, 2, 3, 5, 7, 16, 64, #DATA } do
      local p, out = core.csv_new(";", true), {}
      assert.is_nil(p:header())
      for i = 1, #DATA, size do
        for _, r in ipairs(assert(p:feed(DATA:sub(i, i + size - 1)))) do out[#out + 1] = r end
      end
      for _, r in ipairs(assert(p:finish())) do out[#out + 1] = r end
      assert.same(WANT, out, "chunks of " .. size)
      assert.same({ "custom_id", "install_id", "event_type" }, p:header())
    end
  end)

  it("a header alone gives no rows; errors keep their line", function()
    local p = core.csv_new(";", true)
    assert.same({}, assert(p:feed("a;b\n")))
    assert.same({}, assert(p:finish()))
    p = core.csv_new(";", true)
    local records, err = p:feed('a;b\n1;2\n"x"y;z\n')
    assert.is_nil(records)
    assert.equal("line 3: unexpected character after a closing quote", err)
  end)

  it("the row iterator reads a local file, stops early, and yields an error once", function()
    local path = os.tmpname()
    write(path, DATA)
    local got = {}
    for row, err in rows.csv(function() return { path = path } end) do
      assert.is_nil(err)
      got[#got + 1] = row
    end
    assert.same(WANT, got)
    local n = 0
    for _ in rows.csv(function() return { path = path } end) do
      n = n + 1
      if n == 2 then break end
    end
    assert.equal(2, n)
    write(path, 'a;b\n"open')
    local results = {}
    for row, err in rows.csv(function() return { path = path } end) do results[#results + 1] = { row, err } end
    assert.equal(1, #results)
    assert.is_false(results[1][1])
    assert.equal("INVALID_RESPONSE", results[1][2].name)
    os.remove(path)
    local seen
    for row, err in rows.csv(function() return nil, "no file" end) do seen = { row, err } end
    assert.same({ false, "no file" }, seen)
  end)

  it("a large file: as many rows as lines, each with every column", function()
    local path = os.tmpname()
    local f = assert(io.open(path, "wb"))
    f:write("install_id;custom_id;event_type\n")
    for i = 1, 20000 do f:write(("id-%012d;user-%010d;push_sent\n"):format(i, i)) end
    f:close()
    local n = 0
    for row in rows.csv(function() return { path = path } end) do
      n = n + 1
      assert(row.install_id == ("id-%012d"):format(n) and row.custom_id == ("user-%010d"):format(n))
    end
    assert.equal(20000, n)
    os.remove(path)
  end)
end)
