-- The config file of `batch` and where each setting comes from.
--
-- File: $XDG_CONFIG_HOME/batch/config, or ~/.config/batch/config (XDG: a relative XDG_CONFIG_HOME is
-- ignored). Sections name profiles, `key = value` lines set them, `#` and `;` start comments:
--
--   [default]
--   api_key = ...
--   rest_key = ...
--
--   [staging]
--   base_url = https://...
--   ca_file = /etc/ssl/staging.pem
--
-- It holds keys, so, as ssh does with a private key, a file that its group or others may read or
-- write is refused with a message saying `chmod 600`.
-- Precedence of each setting: option > environment variable > profile > default. The profile is
-- --profile NAME, else $BATCH_PROFILE, else "default"; a profile named (by either) that the file lacks
-- is an error, "default" missing is not.
local getenv, open, popen = os.getenv, io.open, io.popen
local ipairs, type, error, setmetatable = ipairs, type, error, setmetatable
local match, sub, format, gsub = string.match, string.sub, string.format, string.gsub

local _M = {}

-- Each setting: its option, environment variable and config key, and what it is. `secret` ones are
-- redacted from everything printed. Keys first (their order is the order of the error messages).
_M.SETTINGS = {
  { name = "api_key", option = "api-key", env = "BATCH_API_KEY", what = "the app API key", secret = true },
  { name = "rest_key", option = "rest-key", env = "BATCH_REST_API_KEY", what = "the REST API key", secret = true },
  { name = "project_key", option = "project-key", env = "BATCH_PROJECT_KEY", what = "the project key",
    secret = true },
  { name = "base_url", option = "base-url", env = "BATCH_BASE_URL", what = "the API's base URL" },
  -- The library itself reads BATCH_CA_FILE, SSL_CERT_FILE and CURL_CA_BUNDLE (as curl does); a profile's
  -- ca_file applies when none of them is set.
  { name = "ca_file", option = "ca-file", env = { "BATCH_CA_FILE", "SSL_CERT_FILE", "CURL_CA_BUNDLE" },
    what = "a CA bundle (PEM)", library_env = true },
}
local BY_NAME = {}
for _, s in ipairs(_M.SETTINGS) do BY_NAME[s.name] = s end
_M.BY_NAME = BY_NAME

local ConfigError = {}
ConfigError.__index = ConfigError
ConfigError.__tostring = function(e) return e.message end

-- A config problem is a usage error (exit 2): nothing was sent.
local function fail(message)
  error(setmetatable({ usage = true, message = message }, ConfigError), 0)
end

-- The path of the config file (it may not exist).
function _M.path()
  local xdg = getenv("XDG_CONFIG_HOME")
  if xdg and sub(xdg, 1, 1) == "/" then return xdg .. "/batch/config" end
  local home = getenv("HOME") or ""
  return home .. "/.config/batch/config"
end

local function shell_quote(s)
  return "'" .. gsub(s, "'", "'\\''") .. "'"
end

-- The permission string of a file ("-rw-------"), from ls(1): pure Lua has no stat.
local function mode_of(path)
  local p = popen("ls -ld -- " .. shell_quote(path) .. " 2>/dev/null")
  if not p then return nil end
  local line = p:read("*l")
  p:close()
  return line and match(line, "^(%S%S%S%S%S%S%S%S%S%S)")
end

-- Parses the text of a config file: { [profile] = { key = value } }. Raises a usage error naming the
-- line of a mistake.
function _M.parse(text, path)
  local profiles, current, n = {}, nil, 0
  for line in (text .. "\n"):gmatch("([^\n]*)\n") do
    n = n + 1
    line = match(gsub(line, "\r$", ""), "^%s*(.-)%s*$")
    local section = match(line, "^%[%s*([^%]]-)%s*%]$")
    if line == "" or match(line, "^[#;]") then  -- luacheck: ignore 542
    elseif section then
      if section == "" then fail(format("%s:%d: a profile needs a name: [NAME]", path, n)) end
      current = profiles[section] or {}
      profiles[section] = current
    else
      local key, value = match(line, "^([%w_]+)%s*=%s*(.-)$")
      if not key then fail(format("%s:%d: expected 'key = value' or '[profile]'", path, n)) end
      if not current then fail(format("%s:%d: '%s' comes before any [profile] line", path, n, key)) end
      if not BY_NAME[key] then
        local names = {}
        for _, s in ipairs(_M.SETTINGS) do names[#names + 1] = s.name end
        fail(format("%s:%d: unknown setting '%s' (known: %s)", path, n, key, table.concat(names, ", ")))
      end
      value = match(value, '^"(.*)"$') or value
      current[key] = value
    end
  end
  return profiles
end

-- Reads the config file. Returns its profiles, or {} when there is none. Raises a usage error when the
-- file may be read by others, or cannot be read or parsed.
function _M.load(path)
  path = path or _M.path()
  local f = open(path, "rb")
  if not f then return {}, path end
  local text = f:read("*a")
  f:close()
  local mode = mode_of(path)
  if mode and match(sub(mode, 5), "[rwx]") then
    fail(format("%s may be read by others (%s): it holds keys; run: chmod 600 %s", path, mode,
                shell_quote(path)))
  end
  return _M.parse(text or "", path), path
end

-- The environment variable of a setting that is set, and its value (or nil).
local function from_env(s)
  local vars = type(s.env) == "table" and s.env or { s.env }
  for _, var in ipairs(vars) do
    local v = getenv(var)
    if v and v ~= "" then return var, v end
  end
end

-- Resolves every setting: resolve(opts) --> { name = value }, sources { name = "option"|"VAR"|
-- "profile NAME" }, the profile's name. `opts` are the parsed options. The config file is read only
-- when a setting is left to it.
function _M.resolve(opts)
  local values, sources = {}, {}
  local wanted = opts.profile or getenv("BATCH_PROFILE")
  if wanted == "" then wanted = nil end
  local name = wanted or "default"
  local profiles, path
  local function profile()
    if not profiles then
      profiles, path = _M.load()
      if wanted and not profiles[wanted] then
        fail(format("no profile '%s' in %s", wanted, path))
      end
    end
    return profiles[name] or {}
  end
  if wanted then profile() end
  for _, s in ipairs(_M.SETTINGS) do
    local var, v = from_env(s)
    if opts[s.option] then
      values[s.name], sources[s.name] = opts[s.option], "--" .. s.option
    elseif var then
      -- left to the library when it reads that variable itself
      if not s.library_env then values[s.name] = v end
      sources[s.name] = var
    else
      local p = profile()
      if p[s.name] then values[s.name], sources[s.name] = p[s.name], "profile " .. name end
    end
  end
  return values, sources, name, path or _M.path()
end

-- Every secret value the settings and the environment hold, for redaction.
function _M.secrets(values)
  local out = {}
  for _, s in ipairs(_M.SETTINGS) do
    if s.secret then
      local v = values[s.name]
      if v and v ~= "" then out[#out + 1] = v end
      local _, e = from_env(s)
      if e and e ~= v then out[#out + 1] = e end
    end
  end
  return out
end

return _M
