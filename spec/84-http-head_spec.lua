-- core.http_head: a response's header block read as the nginx socket engine reads it (its one parser of
-- heads: lua/batch/transport/ngx_socket.lua), in C.
local core = require "batch.core"

describe("core.http_head", function()
  it("gives the status and the fields: names lower-cased, repeats joined with ', ', trailing blanks cut", function()
    local status, headers = core.http_head("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
      .. "Set-Cookie: a=1\r\nset-cookie:b=2 \t\r\nX-Empty:\r\nX-Colons: a:b:c\r\nX-Lead:  \t v")
    assert.equal(200, status)
    assert.same({ ["content-type"] = "application/json", ["set-cookie"] = "a=1, b=2", ["x-empty"] = "",
                  ["x-colons"] = "a:b:c", ["x-lead"] = "v" }, headers)
  end)

  it("skips lines that are not name: value, and keeps a name as it is written otherwise", function()
    local status, headers = core.http_head("HTTP/1.0 404 Not Found\r\nno colon here\r\n: no name\r\n"
      .. " Spaced Name : v\r\nA: one\rtwo\nthree")
    assert.equal(404, status)
    assert.same({ [" spaced name "] = "v", a = "one" }, headers)
  end)

  it("refuses a status line that is not HTTP/1.x and three digits, and a NUL anywhere", function()
    for _, head in ipairs{ "HTTP/2 200", "HTTP/1.1 20", "HTTP/1.2 200 OK", "http/1.1 200", "",
                           "HTTP/1.1 200 OK\r\nX: a\0b" } do
      assert.is_nil(core.http_head(head), head)
    end
    assert.equal(999, (core.http_head("HTTP/1.1 999x")))
  end)

  it("gives false past 1000 fields", function()
    local lines = { "HTTP/1.1 200 OK" }
    for i = 1, 1000 do lines[#lines + 1] = "X-" .. i .. ": v" end
    local status, headers = core.http_head(table.concat(lines, "\r\n"))
    assert.equal(200, status)
    assert.equal("v", headers["x-1000"])
    lines[#lines + 1] = "X-1001: v"
    assert.is_false(core.http_head(table.concat(lines, "\r\n")))
  end)
end)
