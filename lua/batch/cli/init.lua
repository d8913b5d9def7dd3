-- `batch`, the command line of lua-batch: `require("batch.cli").main(arg)` returns the exit status
-- (exit.lua: 0, 1, 2, 75, or 130/143/129 for a signal). Errors are one line on stderr, "batch: NAME:
-- message", with every key redacted.
-- Terminal detection: pure Lua has no isatty, so `test -t 2` is run once at start (os.execute: the
-- shell inherits our stderr) for the progress display; BATCH_PROGRESS=1 or 0 forces it on or off.
-- What stdout gets does not depend on it.
local args = require "batch.cli.args"
local config = require "batch.cli.config"
local debug_log = require "batch.cli.debug"
local exit = require "batch.cli.exit"
local guard = require "batch.cli.guard"
local help = require "batch.cli.help"
local output = require "batch.cli.output"
local progress = require "batch.cli.progress"
local signals = require "batch.cli.signals"
-- The command table is loaded in main, so that a failure to load a command's module is one line too.
local commands

local ipairs, pairs, type, tostring, xpcall, pcall, getenv = ipairs, pairs, type, tostring, xpcall, pcall, os.getenv
local format, gsub = string.format, string.gsub
local concat = table.concat
local unpack = table.unpack or unpack  -- luacheck: ignore 143

local _M = {}

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
  local list = {}
  for _, v in ipairs(secrets) do if v ~= "" then list[#list + 1] = v end end
  if #list == 0 then return s end
  return require("batch.core").redact(s, unpack(list))
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

local function usage_text(e)
  local c = e.command
  local s = "batch: " .. e.message .. "\nusage: batch " .. (c and c.usage or help.USAGE) .. "\n"
  if c then s = s .. "Run 'batch help " .. c.name .. "' for details.\n" end
  return s
end

-- Adds to `secrets` (in place: the output and the debug log hold the same table) each key value given.
local function add_secrets(secrets, values)
  local seen = {}
  for _, v in ipairs(secrets) do seen[v] = true end
  for _, v in ipairs(values) do
    if not seen[v] then secrets[#secrets + 1] = v seen[v] = true end
  end
end

-- "batch.new: option 'api_key' ..." -> "--api-key (or BATCH_API_KEY) ...".
local function option_message(message)
  return (gsub(gsub(tostring(message), "^batch%.new: ", ""), "^option '([%w_]+)'", function(name)
    local s = config.BY_NAME[name]
    if s then
      local env = type(s.env) == "table" and s.env[1] or s.env
      return "--" .. s.option .. " (or " .. env .. ")"
    end
    return "--" .. gsub(name, "_", "-")
  end))
end

-- Builds the client of a command, checking first that the keys it needs (`keys`: "1" or "2") are there.
local function make_client(cmd, opts, ctx, keys)
  local values, sources, profile, path = config.resolve(opts)
  add_secrets(ctx.secrets, config.secrets(values))
  for _, k in ipairs(help.NEEDS[keys] or {}) do
    if not values[k] then
      local s = config.BY_NAME[k]
      args.fail(format("missing %s: give --%s KEY, set %s, or set %s in profile '%s' of %s", s.what, s.option,
                       s.env, s.name, profile, path), cmd)
    end
  end
  ctx.sources = sources
  local batch = require "batch"
  local timeout = opts["request-timeout"]
  if timeout == nil and not (cmd.flags and cmd.flags.timeout) then timeout = opts.timeout end
  local function on_progress_event(ev)
    -- A file of a multi-file download is complete: its bytes count in the progress from now on.
    if ev.type == "download" and ev.status and ev.status >= 200 and ev.status < 300 then
      ctx.progress:part_done(ev.bytes)
    end
  end
  local on_event = on_progress_event
  if ctx.debug then on_event = debug_log.handler(io.stderr, ctx.secrets, on_progress_event) end
  local ok, client = pcall(batch.new, {
    api_key = values.api_key, rest_key = values.rest_key, project_key = values.project_key,
    base_url = values.base_url, ca_file = values.ca_file, timeout = timeout, app_info = "batch-cli",
    max_retries = opts["max-retries"], on_event = on_event,
  })
  if not ok then args.fail(option_message(client), cmd) end
  return client
end

-- Checks the output options together.
local function check_output_options(opts, cmd)
  local bad = output.bad_field(opts.field)
  if bad then args.fail("--field " .. bad .. ": a path is names and indexes joined by dots (detail.0.sent)", cmd) end
  if opts.csv and opts.pretty then args.fail("--csv and --pretty cannot go together", cmd) end
  if opts.crlf and not opts.csv then args.fail("--crlf goes with --csv", cmd) end
  if opts.field and opts.pretty then args.fail("--field and --pretty cannot go together", cmd) end
end

-- Finds the command of the words, or raises the usage error that says what is wrong.
local function find_command(words)
  local cmd, rest = args.find(commands.list, words)
  if cmd then return cmd, rest end
  if #words == 0 then args.fail("no command given") end
  if rest then
    local subs = {}
    for _, c in ipairs(commands.list) do
      if args.group_of(c.name) == rest then subs[#subs + 1] = c.name:match(" (.*)$") end
    end
    if #words == 1 then args.fail("missing subcommand: batch " .. rest .. " " .. concat(subs, "|")) end
    args.fail(format("unknown command 'batch %s %s' (try %s)", rest, words[2], concat(subs, ", ")))
  end
  args.fail("unknown command '" .. words[1] .. "'")
end

-- Runs the command line; returns the exit status.
function _M.main(argv)
  argv = argv or {}
  local secrets = {}
  local ctx = { secrets = secrets, cleanups = {} }
  local trace = getenv("BATCH_DEBUG") == "trace"
  local function on_error(e)
    if trace and type(e) == "string" and not signals.is_interrupt(e) and not guard.argument_error(e) then
      return debug.traceback(e, 2)
    end
    return e
  end
  local plain = output.new{ stream = io.stdout, secrets = secrets }
  local ok, status = xpcall(function()
    commands = commands or require "batch.cli.commands"
    local words, raw = args.split_for(argv, commands.list)
    for k, v in pairs(raw) do
      if config.BY_NAME[gsub(k, "%-", "_")] then
        for _, value in ipairs(v) do if type(value) == "string" then add_secrets(secrets, { value }) end end
      end
    end
    if raw.version and #words == 0 then
      local batch = require "batch"
      plain:raw("lua-batch " .. batch.VERSION .. " (" .. require("batch.core").user_agent .. ")\n")
      plain:flush()
      return exit.OK
    end
    if words[1] == "help" then
      local rest = {}
      for i = 2, #words do rest[#rest + 1] = words[i] end
      plain:raw(help.topic(commands.list, rest))
      plain:flush()
      return exit.OK
    end
    if raw.help and not args.find(commands.list, words) then
      local _, group = args.find(commands.list, words)
      plain:raw(help.topic(commands.list, group and { group } or {}))
      plain:flush()
      return exit.OK
    end
    local cmd, rest = find_command(words)
    if raw.help then plain:raw(help.command(cmd)) plain:flush() return exit.OK end
    local opts = args.options(raw, cmd)
    args.positional(cmd, rest)
    check_output_options(opts, cmd)
    add_secrets(secrets, config.secrets({}))
    signals.trap()

    local bp = getenv("BATCH_PROGRESS")
    local client
    ctx.debug = debug_log.level(opts) ~= nil
    ctx.out = output.new{ stream = io.stdout, pretty = opts.pretty, secrets = secrets, fields = opts.field,
                          csv = opts.csv, crlf = opts.crlf }
    ctx.progress = progress.new{ enabled = (bp == "1") or (bp ~= "0" and isatty(2)), stream = io.stderr }
    ctx.fail = function(message) args.fail(message, cmd) end
    ctx.note = function(message) write_err("batch: " .. redact(message, secrets) .. "\n") end
    ctx.report = function(err) write_err(error_line(err, secrets)) end
    ctx.on_cleanup = function(_, fn) ctx.cleanups[#ctx.cleanups + 1] = fn end
    ctx.client = function(_, keys)
      client = client or make_client(cmd, opts, ctx, keys or cmd.keys)
      return client
    end
    local done, err = cmd.run(ctx, rest, opts)
    if client then client:close() end
    if done then return exit.OK end
    ctx.progress:finish()
    local code, why = exit.of_error(err)
    write_err(error_line(err, secrets))
    if why then ctx.note(why) end
    return code
  end, on_error)
  for i = #ctx.cleanups, 1, -1 do pcall(ctx.cleanups[i]) end
  if ok then return status end
  local e = status
  if ctx.progress then ctx.progress:finish() end
  if args.is_usage_error(e) then
    write_err(redact(usage_text(e), secrets))
    return exit.USAGE
  end
  if output.is_output_error(e) then
    write_err(error_line(e.message, secrets))
    return exit.FAILED
  end
  if signals.is_interrupt(e) then
    local _, code, message = signals.caught()
    write_err("batch: " .. message .. "\n")
    return code
  end
  local refused = guard.argument_error(e)  -- a value of the user's JSON of a type the library refuses
  if refused then
    write_err(error_line(refused, secrets))
    return exit.USAGE
  end
  write_err(trace and redact("batch: internal error: " .. tostring(e) .. "\n", secrets) or
            error_line("internal error: " .. tostring(e), secrets))
  return exit.FAILED
end

-- For tests: the pieces, without running anything.
_M.error_line = error_line
_M.redact = redact

return _M
