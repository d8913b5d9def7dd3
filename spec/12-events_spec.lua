-- What on_event sees (README, "Events"): a "request" event before each attempt (method, url, attempt,
-- headers with the credentials as ***), a "response" event after it (status or error, elapsed, bytes,
-- the response headers with keys redacted, Batch's request id when it sends one), "retry" before a
-- backoff. And the CA bundle read from the environment as curl does (BATCH_CA_FILE first).
local batch = require "batch"
local mock = require "spec.support.mock"

describe("on_event", function()
  local m
  setup(function() m = mock.start() end)
  teardown(function() m:stop() end)
  before_each(function() m:reset() end)

  it("request and response events carry the headers, redacted, and the request id", function()
    local events = {}
    local c = batch.new{ api_key = m.keys.api_key, rest_key = m.keys.rest_key, base_url = m.url,
                         on_event = function(ev) events[#events + 1] = ev end, sleep = function() end }
    m:fault{ path = "/campaigns/list", status = 503, count = 1,
             headers = { ["X-Request-Id"] = "req-42", ["X-Echo"] = "key " .. m.keys.rest_key } }
    assert(c.campaigns:list{ limit = 1 })
    c:close()
    local types = {}
    for i, ev in ipairs(events) do types[i] = ev.type end
    assert.same({ "request", "response", "retry", "request", "response" }, types)
    local req = events[1]
    assert.equal("GET", req.method)
    assert.equal(1, req.attempt)
    assert.matches("/1.1/***/campaigns/list", req.url, 1, true)
    assert.equal("***", req.headers["X-Authorization"])
    assert.matches("^application/json", req.headers.Accept)
    local res = events[2]
    assert.equal(503, res.status)
    assert.equal("req-42", res.request_id)
    assert.equal("key ***", res.headers["x-echo"])
    assert.is_number(res.elapsed)
    assert.equal(503, events[3].status)
    assert.is_number(events[3].delay)
    assert.equal(200, events[5].status)
    assert.equal(2, events[5].attempt)
  end)

  it("a transport failure is a response event with its error name", function()
    local events = {}
    local c = batch.new{ api_key = "K", rest_key = "R", base_url = "http://127.0.0.1:1", max_retries = 0,
                         on_event = function(ev) events[#events + 1] = ev end }
    local _, err = c.campaigns:get("abc")
    c:close()
    assert.equal("NETWORK_ERROR", err.name)
    assert.equal("response", events[2].type)
    assert.equal("NETWORK_ERROR", events[2].error)
    assert.is_nil(events[2].status)
  end)
end)

describe("the CA bundle from the environment", function()
  -- A child Lua with the given environment prints the client's ca_file.
  local function ca_file_with(env)
    local interp = require "spec.support.interp"
    local file_util = require "spec.support.files"
    local vars = {}
    for _, k in ipairs{ "BATCH_CA_FILE", "CURL_CA_BUNDLE", "SSL_CERT_FILE" } do
      vars[#vars + 1] = k .. "=" .. file_util.quote(env[k] or "")
    end
    local build = interp == "luajit" and "luajit" or interp:match("%d+%.%d+")
    local code = 'package.path = "lua/?.lua;lua/?/init.lua;" .. package.path; package.cpath = "build/' .. build
                 .. '/?.so;" .. package.cpath; print(require("batch").new{ ca_file = '
                 .. (env.option and ("%q"):format(env.option) or "nil") .. ' }.opts.ca_file or "none")'
    return file_util.read_cmd("cd " .. file_util.quote(file_util.root) .. " && env " .. table.concat(vars, " ")
                              .. " " .. interp .. " -e " .. file_util.quote(code) .. " 2>&1")
  end

  it("reads BATCH_CA_FILE, then CURL_CA_BUNDLE, then SSL_CERT_FILE; the option wins", function()
    assert.equal("none", ca_file_with{})
    assert.equal("/c.pem", ca_file_with{ SSL_CERT_FILE = "/c.pem" })
    assert.equal("/b.pem", ca_file_with{ CURL_CA_BUNDLE = "/b.pem", SSL_CERT_FILE = "/c.pem" })
    assert.equal("/a.pem", ca_file_with{ BATCH_CA_FILE = "/a.pem", CURL_CA_BUNDLE = "/b.pem",
                                         SSL_CERT_FILE = "/c.pem" })
    assert.equal("/o.pem", ca_file_with{ BATCH_CA_FILE = "/a.pem", option = "/o.pem" })
  end)
end)
