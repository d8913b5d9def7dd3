-- The help texts of `batch`: `batch help`, `batch help GROUP`, `batch help COMMAND` (= COMMAND --help).
local args = require "batch.cli.args"
local config = require "batch.cli.config"
local exit = require "batch.cli.exit"

local ipairs, format, gsub, upper = ipairs, string.format, string.gsub, string.upper
local concat = table.concat

local _M = {}

_M.USAGE = "COMMAND [ARGUMENTS] [OPTIONS]   (batch help [COMMAND])"

local GLOBAL_HELP = [[
Options of every command:
  --api-key KEY          the app's API key (1.x commands)          default: $BATCH_API_KEY
  --rest-key KEY         the REST API key                          default: $BATCH_REST_API_KEY
  --project-key KEY      the project key (2.x commands)            default: $BATCH_PROJECT_KEY
  --base-url URL         the API's base URL    default: $BATCH_BASE_URL or https://api.batch.com
  --ca-file PATH         a CA bundle (PEM) to verify TLS with      default: $BATCH_CA_FILE,
                         $SSL_CERT_FILE or $CURL_CA_BUNDLE, else the system's
  --profile NAME         the profile of the config file            default: $BATCH_PROFILE or default
  --timeout S            each request's timeout in seconds (default 30); in the wait commands and
                         --wait, the whole command's (--request-timeout S then sets each request's)
  --max-retries N        retries of a failed request (default 3; see README, Retries)
  --field PATH           print only the value at PATH (dotted: detail.0.sent; arrays from 0), raw;
                         repeat it for several, tab-separated; one line per item
  --pretty               indent the JSON
  --csv                  comma-separated CSV with a header line, LF line ends (--crlf: CRLF)
  --debug                each HTTP exchange on stderr, keys redacted (also BATCH_DEBUG=http)
  -h, --help             this help, or the command's
  --version              the version of lua-batch
Keys given as options are visible to other users in the process list: prefer the environment or the
config file.

Output: on stdout, the same on a terminal and in a pipe. A value is one line of JSON; a list is one
JSON object per line (JSON Lines); --pretty indents; --field prints raw values; --csv prints CSV.
A - stands for stdin where an ID or TOKEN is expected, for stdout where a download's PATH is.
Errors: one line on stderr, "batch: NAME: message", never a key. Progress (waits and downloads): one
line redrawn on stderr when it is a terminal (BATCH_PROGRESS=1 or 0 forces it on or off).]]

local function config_help()
  return "Configuration: profiles in " .. gsub(config.path(), "^" .. gsub(os.getenv("HOME") or "\0", "%p", "%%%0"),
         "~") .. [[ ($XDG_CONFIG_HOME/batch/config when set),
mode 600 (a file others may read is refused), sections [NAME] of api_key, rest_key, project_key,
base_url, ca_file. Each setting: option > environment variable > profile > default.]]
end

local EXIT_HELP = "Exit status:\n" .. exit.TABLE

-- The usage line of every command, for `batch help`.
function _M.summary_lines(commands)
  local lines = {}
  for _, c in ipairs(commands) do lines[#lines + 1] = format("  %-24s %s", c.name, c.summary) end
  return concat(lines, "\n")
end

function _M.group(commands, group)
  local lines = { "usage:" }
  for _, c in ipairs(commands) do
    if args.group_of(c.name) == group then
      lines[#lines + 1] = format("  batch %s\n      %s", c.usage, c.summary)
    end
  end
  return concat(lines, "\n") .. "\n\nRun 'batch help " .. group .. " SUBCOMMAND' for details.\n"
end

-- Which keys a command needs, for its help.
local NEEDS = { ["1"] = { "api_key", "rest_key" }, ["2"] = { "rest_key", "project_key" } }
_M.NEEDS = NEEDS

function _M.command(c)
  local s = format("usage: batch %s\n\n%s.\n", c.usage, gsub(c.summary, "^%l", upper))
  if c.help then s = s .. "\n" .. c.help .. "\n" end
  local keys = {}
  for _, k in ipairs(NEEDS[c.keys] or {}) do
    local setting = config.BY_NAME[k]
    keys[#keys + 1] = "--" .. setting.option .. " or $" .. setting.env
  end
  if #keys > 0 then s = s .. "\nNeeds " .. concat(keys, ", and ") .. " (or the profile's).\n" end
  if c.examples then
    s = s .. "\nExamples:\n"
    for _, e in ipairs(c.examples) do s = s .. "  " .. e .. "\n" end
  end
  return s .. "\n" .. EXIT_HELP .. "\n\nRun 'batch help' for the options of every command.\n"
end

function _M.general(commands)
  return "batch: the command line of lua-batch, a client for Batch.com's REST API\n\nusage: batch " .. _M.USAGE ..
         "\n\nCommands:\n" .. _M.summary_lines(commands) .. "\n\n" .. GLOBAL_HELP .. "\n\n" .. config_help() ..
         "\n\n" .. EXIT_HELP .. "\n\nExamples:\n" ..
         "  batch campaign list --limit 5 --field campaign_token --field name\n" ..
         "  batch export create --campaign TOKEN --from now --events push_sent --ids install_id --wait --out e.csv\n" ..
         "  batch profiles update --data @profiles.jsonl\n" ..
         "  batch api GET /1.1/campaigns/list --query limit=2\n" ..
         "  batch help export create\n"
end

-- `batch help [WORDS...]`: returns the text, or raises a usage error for an unknown topic.
function _M.topic(commands, words)
  if #words == 0 then return _M.general(commands) end
  local c, group = args.find(commands, words)
  if c and #group == 0 then return _M.command(c) end
  if not c and group and #words == 1 then return _M.group(commands, group) end
  args.fail("no help for '" .. concat(words, " ") .. "'")
end

return _M
