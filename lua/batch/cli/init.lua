-- `batch`, the command line of lua-batch: `require("batch.cli").main(arg)` returns the exit status.
--   0  success
--   1  an API, network or export error: one line on stderr, "batch: NAME: message" (keys never shown)
--   2  a usage error: the message and the command's usage line on stderr
-- Terminal detection: pure Lua has no isatty, so `test -t 1` and `test -t 2` are run once at start
-- (os.execute: the shell inherits our stdout and stderr). BATCH_PROGRESS=1 or 0 forces the progress
-- display on or off; --pretty or --compact force the JSON layout.
local args = require "batch.cli.args"
local output = require "batch.cli.output"
local progress = require "batch.cli.progress"
local commands = require "batch.cli.commands"

local ipairs, pairs, type, tostring, xpcall, getenv = ipairs, pairs, type, tostring, xpcall, os.getenv
local format, find, gsub, sub = string.format, string.find, string.gsub, string.sub
local concat = table.concat

local _M = {}

local USAGE = "COMMAND [ARGUMENTS] [OPTIONS]   (batch help [COMMAND])"

-- Where each key comes from: option, environment variable, what it is.
local KEYS = {
  api_key = { "api-key", "BATCH_API_KEY", "the app API key" },
  rest_key = { "rest-key", "BATCH_REST_API_KEY", "the REST API key" },
  project_key = { "project-key", "BATCH_PROJECT_KEY", "the project key" },
}
local NEEDS = { ["1"] = { "api_key", "rest_key" }, ["2"] = { "rest_key", "project_key" } }

local GLOBAL_HELP = [[
Options of every command:
  --api-key KEY          the app's API key (1.x commands)          default: $BATCH_API_KEY
  --rest-key KEY         the REST API key                          default: $BATCH_REST_API_KEY
  --project-key KEY      the project key (2.x commands)            default: $BATCH_PROJECT_KEY
  --base-url URL         the API's base URL    default: $BATCH_BASE_URL or https://api.batch.com
  --ca-file PATH         a CA bundle (PEM) to verify TLS with
  --timeout S            each request's timeout in seconds (default 30); in the wait commands,
                         the whole wait's (--request-timeout S then sets each request's)
  --max-retries N        retries of a failed request (default 3; see README, Retries)
  --pretty, --compact    indented JSON / one line per value (default: indented on a terminal)
  -h, --help             this help, or the command's
  --version              the version of lua-batch

Keys given as options are visible to other users in the process list: prefer the environment.

Output: JSON on stdout. On a terminal a value is indented and a list is one JSON array; otherwise each
value is one line and a list prints one JSON object per line (JSON Lines). --csv (list commands) prints
comma-separated CSV with a header line, RFC 4180 quoting and CRLF line ends.
Progress: the wait and download commands redraw a progress line on stderr when stderr is a terminal
(BATCH_PROGRESS=1 or 0 forces it on or off).
Exit status: 0 success; 1 an API, network or export error (one line on stderr: "batch: NAME: message");
2 a usage error.]]

local function isatty(fd)
  local r = os.execute("test -t " .. fd)
  return r == true or r == 0
end

local function write_err(s)
  io.stderr:write(s)
  io.stderr:flush()
end

-- Replaces every occurrence of each secret by ***.
local function redact(s, secrets)
  for _, secret in ipairs(secrets) do
    if secret ~= "" then
      local i = 1
      while true do
        local a, b = find(s, secret, i, true)
        if not a then break end
        s = sub(s, 1, a - 1) .. "***" .. sub(s, b + 1)
        i = a + 3
      end
    end
  end
  return s
end

-- The one line of an error: "batch: NAME: message (HTTP 404, code 20)".
local function error_line(err, secrets)
  local line
  if type(err) == "table" and err.name then
    local extra = {}
    if err.status then extra[#extra + 1] = "HTTP " .. tostring(err.status) end
    if err.code then extra[#extra + 1] = "code " .. tostring(err.code) end
    line = format("%s: %s", err.name, tostring(err.message or err.name))
    if #extra > 0 then line = line .. " (" .. concat(extra, ", ") .. ")" end
  else
    line = tostring(err)
  end
  line = gsub(redact(line, secrets), "[%c]+", " ")
  return "batch: " .. line .. "\n"
end

local function group_help(group)
  local lines = { "usage:" }
  for _, c in ipairs(commands.list) do
    if find(c.name, "^" .. gsub(group, "%p", "%%%0") .. " ") then
      lines[#lines + 1] = format("  batch %s\n      %s", c.usage, c.summary)
    end
  end
  return concat(lines, "\n") .. "\n\nRun 'batch help " .. group .. " SUBCOMMAND' for details.\n"
end

local function command_help(c)
  local s = format("usage: batch %s\n\n%s.\n", c.usage, gsub(c.summary, "^%l", string.upper))
  if c.help then s = s .. "\n" .. c.help .. "\n" end
  local keys = {}
  for _, k in ipairs(NEEDS[c.keys] or {}) do keys[#keys + 1] = "--" .. KEYS[k][1] .. " or $" .. KEYS[k][2] end
  if #keys > 0 then s = s .. "\nNeeds " .. concat(keys, ", and ") .. ".\n" end
  return s .. "Run 'batch help' for the options of every command, the output and the exit status.\n"
end

local function general_help()
  return "batch: the command line of lua-batch, a client for Batch.com's REST API\n\nusage: batch " .. USAGE ..
         "\n\nCommands:\n" .. commands.summary_lines() .. "\n\n" .. GLOBAL_HELP .. "\n"
end

-- `batch help [WORDS...]`: returns the text, or raises a usage error for an unknown topic.
local function help_for(words)
  if #words == 0 then return general_help() end
  local c, group = args.find(commands.list, words)
  if c and #group == 0 then return command_help(c) end
  if not c and group and #words == 1 then return group_help(group) end
  args.fail("no help for '" .. concat(words, " ") .. "'")
end

local function usage_text(e)
  local c = e.command
  local s = "batch: " .. e.message .. "\nusage: batch " .. (c and c.usage or USAGE) .. "\n"
  if c then s = s .. "Run 'batch help " .. c.name .. "' for details.\n" end
  return s
end

-- The key values known from options or the environment (for redaction).
local function secrets_of(opts)
  local s = {}
  for _, k in pairs(KEYS) do
    local v = (type(opts[k[1]]) == "string" and opts[k[1]]) or getenv(k[2])
    if v and v ~= "" then s[#s + 1] = v end
  end
  return s
end

-- Builds the client of a command, checking first that the keys it needs are given.
local function make_client(cmd, opts, ctx)
  for _, k in ipairs(NEEDS[cmd.keys] or {}) do
    local flag, var, what = KEYS[k][1], KEYS[k][2], KEYS[k][3]
    local v = opts[flag] or getenv(var)
    if not v or v == "" then args.fail(format("missing %s: give --%s KEY or set %s", what, flag, var), cmd) end
  end
  local batch = require "batch"
  local timeout = opts["request-timeout"]
  if timeout == nil and not (cmd.flags and cmd.flags.timeout) then timeout = opts.timeout end
  local ok, client = pcall(batch.new, {
    api_key = opts["api-key"], rest_key = opts["rest-key"], project_key = opts["project-key"],
    base_url = opts["base-url"], ca_file = opts["ca-file"], timeout = timeout, app_info = "batch-cli",
    max_retries = opts["max-retries"],
    on_event = function(ev)
      -- A file of a multi-file download is complete: its bytes count in the progress from now on.
      if ev.type == "download" and ev.status and ev.status >= 200 and ev.status < 300 then
        ctx.progress:part_done(ev.bytes)
      end
    end,
  })
  if not ok then
    -- "batch.new: option 'api_key' ..." -> "--api-key (or its variable) ..."
    local msg = gsub(gsub(tostring(client), "^batch%.new: ", ""), "^option '([%w_]+)'", function(name)
      local k = KEYS[name]
      if k then return "--" .. k[1] .. " (or " .. k[2] .. ")" end
      if name == "base_url" then return "--base-url (or BATCH_BASE_URL)" end
      return "--" .. gsub(name, "_", "-")
    end)
    args.fail(msg, cmd)
  end
  return client
end

-- Runs the command line; returns the exit status.
function _M.main(argv)
  argv = argv or {}
  local secrets, ctx = {}, nil
  local function on_error(e)
    if args.is_usage_error(e) or type(e) ~= "string" then return e end
    if getenv("BATCH_DEBUG") then return debug.traceback(e, 2) end
    return e
  end
  local ok, status = xpcall(function()
    local words, raw = args.split(argv, args.switches(commands.list))
    for k, v in pairs(raw) do
      if KEYS[gsub(k, "%-", "_")] and type(v) == "string" then secrets[#secrets + 1] = v end
    end
    if raw.version and #words == 0 then
      local batch = require "batch"
      io.stdout:write("lua-batch " .. batch.VERSION .. " (" .. require("batch.core").user_agent .. ")\n")
      return 0
    end
    if words[1] == "help" then
      local rest = {}
      for i = 2, #words do rest[#rest + 1] = words[i] end
      io.stdout:write(help_for(rest))
      return 0
    end
    local cmd, rest = args.find(commands.list, words)
    if not cmd then
      if raw.help then io.stdout:write(help_for(rest and { rest } or {})) return 0 end
      if #words == 0 then args.fail("no command given") end
      if rest then
        local subs = {}
        for _, c in ipairs(commands.list) do
          if find(c.name, "^" .. gsub(rest, "%p", "%%%0") .. " ") then subs[#subs + 1] = c.name:match(" (.*)$") end
        end
        if #words == 1 then args.fail("missing subcommand: batch " .. rest .. " " .. concat(subs, "|")) end
        args.fail(format("unknown command 'batch %s %s' (try %s)", rest, words[2], concat(subs, ", ")))
      end
      args.fail("unknown command '" .. words[1] .. "'")
    end
    if raw.help then io.stdout:write(command_help(cmd)) return 0 end
    local opts = args.options(raw, cmd)
    args.positional(cmd, rest)
    secrets = secrets_of(opts)

    local pretty = opts.pretty or (not opts.compact and isatty(1))
    local bp = getenv("BATCH_PROGRESS")
    local show = (bp == "1") or (bp ~= "0" and isatty(2))
    local client
    ctx = {
      out = output.new{ stream = io.stdout, pretty = pretty, secrets = secrets },
      progress = progress.new{ enabled = show, stream = io.stderr },
      fail = function(message) args.fail(message, cmd) end,
      note = function(message) write_err("batch: " .. message .. "\n") end,
      client = function()
        client = client or make_client(cmd, opts, ctx)
        return client
      end,
    }
    local done, err = cmd.run(ctx, rest, opts)
    if client then client:close() end
    if not done then
      ctx.progress:finish()
      write_err(error_line(err, secrets))
      return 1
    end
    return 0
  end, on_error)
  io.stdout:flush()
  if ok then return status end
  local e = status
  if ctx then
    if ctx.progress then ctx.progress:finish() end
    if ctx.cleanup then pcall(ctx.cleanup) end
  end
  if args.is_usage_error(e) then
    write_err(usage_text(e))
    return 2
  end
  if type(e) == "string" and find(e, "interrupted!", 1, true) then
    write_err("batch: interrupted\n")
    return 130
  end
  write_err(error_line("internal error: " .. tostring(e), secrets))
  return 1
end

-- For tests: the pieces, without running anything.
_M.error_line = error_line
_M.redact = redact
_M.help_for = help_for
_M.USAGE = USAGE

return _M
