-- Checks and completes the options table of batch.new. A wrong option is a programmer error: it raises.
local error, pairs, ipairs, type, tostring, getenv = error, pairs, ipairs, type, tostring, os.getenv
local find, format = string.find, string.format

local _M = {}

-- Every option batch.new knows, with its Lua type(s) ("string|function" allows either).
local KNOWN = {
  api_key = "string", rest_key = "string", project_key = "string",
  base_url = "string", api_version = "string",
  timeout = "number", connect_timeout = "number", max_retries = "number",
  verify_tls = "boolean", ca_file = "string", proxy = "string",
  app_info = "string", transport = "string|function",
  sleep = "function", now = "function", on_event = "function",
  max_body = "number", thread_pool = "string",
}

-- The defaults of every option, here only: the C core has none of its own.
local DEFAULTS = {
  base_url = "https://api.batch.com", api_version = "2.11",  -- batch-api.md §14
  timeout = 30, connect_timeout = 10, max_retries = 3, verify_tls = true,
  transport = "auto", max_body = 64 * 1024 * 1024, thread_pool = "batch",
}

-- Environment variables read when the table does not give the option, the first one set winning. The
-- CA bundle is also read where the curl tool reads it.
local ENV = {
  api_key = { "BATCH_API_KEY" }, rest_key = { "BATCH_REST_API_KEY" },
  project_key = { "BATCH_PROJECT_KEY" }, base_url = { "BATCH_BASE_URL" },
  ca_file = { "BATCH_CA_FILE", "CURL_CA_BUNDLE", "SSL_CERT_FILE" },
}

local function fail(msg) error("batch.new: " .. msg, 0) end

local function check_type(name, value)
  local want = KNOWN[name]
  if not want then fail(format("unknown option '%s'", tostring(name))) end
  local got = type(value)
  if not find("|" .. want .. "|", "|" .. got .. "|", 1, true) then
    fail(format("option '%s' must be a %s, got %s", name, want:gsub("|", " or "), got))
  end
end

-- A key goes into an HTTP header or a URL path: refuse what would break either, without echoing it.
local function check_key(name, value)
  if value == "" then fail(format("option '%s' is empty", name)) end
  if find(value, "[%c%s/?#%%]") then
    fail(format("option '%s' contains a control character, space, '/', '?', '#' or '%%'", name))
  end
end

local function check_duration(name, value, allow_zero)
  if value ~= value or value == math.huge or value < 0 or (value == 0 and not allow_zero) then
    fail(format("option '%s' must be a positive number of seconds", name))
  end
end

-- Returns a new table: the given options checked, then the environment, then the defaults.
function _M.resolve(given)
  if given ~= nil and type(given) ~= "table" then
    fail("expects a table of options or nothing, got " .. type(given))
  end
  local o = {}
  for name, value in pairs(given or {}) do
    check_type(name, value)
    o[name] = value
  end
  for name, vars in pairs(ENV) do
    for _, var in ipairs(vars) do
      if o[name] ~= nil then break end
      local v = getenv(var)
      if v and v ~= "" then o[name] = v end
    end
  end
  for name, value in pairs(DEFAULTS) do
    if o[name] == nil then o[name] = value end
  end
  for _, name in ipairs({ "api_key", "rest_key", "project_key" }) do
    if o[name] ~= nil then check_key(name, o[name]) end
  end
  check_duration("timeout", o.timeout)
  check_duration("connect_timeout", o.connect_timeout)
  check_duration("max_body", o.max_body)
  if o.max_retries < 0 or o.max_retries % 1 ~= 0 then fail("option 'max_retries' must be a whole number >= 0") end
  if not find(o.base_url, "^https?://[^/]+") then
    fail("option 'base_url' must start with http:// or https:// and a host")
  end
  o.base_url = o.base_url:gsub("/+$", "")
  if not find(o.api_version, "^2%.%d+$") then fail("option 'api_version' must look like '2.11'") end
  if type(o.transport) == "string" and o.transport ~= "auto" and o.transport ~= "curl" and o.transport ~= "ngx" then
    fail("option 'transport' must be 'auto', 'curl', 'ngx' or a function")
  end
  if o.app_info and find(o.app_info, "%c") then fail("option 'app_info' contains a control character") end
  return o
end

_M.KNOWN = KNOWN
return _M
